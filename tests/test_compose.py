"""Composing one synthetic ticket (generating/compose.py): the priority follows the scope and urgency
phrases the text states."""

from __future__ import annotations

import re
from collections import Counter

from generating.compose import PRIORITY
from generating.situations import IMPACT, URGENCY_LOW
from generating.synthetic import GeneratorConfig, generate_rows
from generating.text_noise import NoiseConfig


def _pattern(template: str) -> re.Pattern:
    """A phrase template as a regex: slots match any short run of text."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".{1,40}?".join(re.escape(p) for p in parts))


def test_priority_follows_the_scope_and_urgency_phrases(schema):
    rows = generate_rows(schema, 3000, seed=5, config=GeneratorConfig(noise=NoiseConfig.off()))
    fixed = {"o": "Critical", "t": "High"}  # scopes whose priority does not depend on urgency
    patterns = [(scope, _pattern(p)) for voice in IMPACT.values() for scope in fixed for p in voice[scope]]
    checked = Counter()
    for r in rows:
        for scope, pattern in patterns:
            if pattern.search(r["text"]):
                assert r["label"]["priority"] == fixed[scope], (pattern.pattern, r)
                checked[scope] += 1
        if any(p in r["text"] for p in URGENCY_LOW):
            assert r["label"]["priority"] == "Low", r
            checked["low"] += 1
    assert len(checked) == 3 and min(checked.values()) > 50, checked
    assert set(PRIORITY.values()) == set(schema.get_field("priority").values)
