"""The synthetic generator's noise (generating/text_noise.py): a rate of 0 applies none, a rate of 1 applies that
kind to every ticket (and it shows in the text), partial rates hold."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import fields

import pytest

from generating.situations import SITUATIONS
from generating.synthetic import GeneratorConfig, generate_rows
from generating.text_noise import NoiseConfig


def only(kind: str, rate: float = 1.0) -> GeneratorConfig:
    noise = NoiseConfig.off()
    setattr(noise, kind, rate)
    return GeneratorConfig(noise=noise)


def _pattern(template: str) -> re.Pattern:
    """A phrase template as a regex: slots match any short run of text."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".{1,40}?".join(re.escape(p) for p in parts))


# ---- noise ----------------------------------------------------------------------------------------
def test_rate_zero_applies_no_noise(schema):
    rows = generate_rows(schema, 600, seed=1, config=GeneratorConfig(noise=NoiseConfig.off()))
    assert all(r["meta"]["noise"] == [] for r in rows)


CHECKS = {
    "casing": lambda t: t == t.lower() or t == t.upper(),
    "forwarded": lambda t: "Forwarded message" in t or "Original Message" in t,
    "pii": lambda t: bool(re.search(r"@example\.com|\+\d[\d ]{8,}|E\d{5}|(LT|MB)-\d{5}", t)),
    "short": lambda t: len(t) <= 110 and "\n" not in t,
    "long": lambda t: len(t) >= 500,
    "spanglish": lambda t: bool(
        re.search(
            r"Hola|Buen|Gracias|Saludos|favor|funciona|ayuda|otra vez|hoy|ayer|"
            r"portátil|reunión|sé|Perdón|necesito|gracias|Lo he|Ya lo|Es la",
            t,
        )
    ),
}


@pytest.mark.parametrize("kind", [f.name for f in fields(NoiseConfig)])
def test_rate_one_applies_that_noise_to_every_ticket(schema, kind):
    rows = generate_rows(schema, 300, seed=2, config=only(kind))
    by_id = {s.id: s for s in SITUATIONS}
    errors = {r["id"]: by_id[r["meta"]["situation"]].slots.get("error") for r in rows}
    eligible = [r for r in rows if kind != "error_trace" or errors[r["id"]]]
    assert eligible and all(r["meta"]["noise"] == [kind] for r in eligible), Counter(
        tuple(r["meta"]["noise"]) for r in eligible
    )
    if kind == "error_trace":  # the pasted error is one of the situation's own, and only they get one
        for r in eligible:
            assert any(_pattern(e).search(r["text"]) for e in errors[r["id"]]), r
        assert all(r["meta"]["noise"] == [] for r in rows if not errors[r["id"]])
    check = CHECKS.get(kind)
    if check:
        failing = [r["text"] for r in rows if not check(r["text"])]
        assert not failing, failing[:2]


def test_partial_rates_are_roughly_respected(schema):
    noise = NoiseConfig.off()
    noise.typos, noise.pii = 0.3, 0.6
    rows = generate_rows(schema, 2000, seed=6, config=GeneratorConfig(noise=noise))
    share = Counter(k for r in rows for k in r["meta"]["noise"])
    assert abs(share["typos"] / len(rows) - 0.3) < 0.05
    assert abs(share["pii"] / len(rows) - 0.6) < 0.05
    assert set(share) == {"typos", "pii"}
