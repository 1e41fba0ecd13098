"""`triage drift`: PSI on known distributions, the report on shifted predictions, the CLI end to end."""

from __future__ import annotations

import json
import math
import random

import pytest

from inference.drift import EPSILON, drift_report, main, psi, verdict
from ticket_triage.dataset import DataError


def _result(
    schema, rng: random.Random, category: str | None = None, confidence: float | None = None, status: str | None = None
) -> dict:
    """One row as `triage predict --output` writes it (TriageResult.to_dict())."""
    ticket = {f.name: rng.choice(f.values) for f in schema.enum_fields} | {"summary": "Something broke."}
    if category:
        ticket["category"] = category
    conf = {f.name: confidence if confidence is not None else rng.uniform(0.5, 1.0) for f in schema.enum_fields}
    if status is None:
        status = "review" if min(conf.values()) < 0.6 else "auto"
    return {
        "ticket": ticket,
        "confidence": conf,
        "alternatives": {},
        "status": status,
        "reasons": [],
        "timing_ms": 1.0,
        "model": "test",
    }


def _results(schema, n: int, seed: int, **kwargs) -> list[dict]:
    rng = random.Random(seed)
    return [_result(schema, rng, **kwargs) for _ in range(n)]


def _write(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _measure(report: dict, field: str, measure: str) -> dict:
    return next(m for m in report["measures"] if m["field"] == field and m["measure"] == measure)


# ---- psi --------------------------------------------------------------------------------------
def test_psi_of_identical_distributions_is_zero():
    assert psi([10, 20, 30], [10, 20, 30]) == 0.0
    assert psi([1, 2, 3], [100, 200, 300]) == pytest.approx(0.0)  # counts are normalised to shares


def test_psi_matches_a_hand_computed_example():
    # 50/50 -> 25/75: (0.25-0.5)*ln(0.25/0.5) + (0.75-0.5)*ln(0.75/0.5) = 0.25*ln 2 + 0.25*ln 1.5
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)
    assert psi([50, 50], [25, 75]) == pytest.approx(expected)
    assert expected == pytest.approx(0.274653, abs=1e-6)
    assert psi([25, 75], [50, 50]) == pytest.approx(expected)  # symmetric
    assert verdict(expected) == "major shift"


def test_empty_bins_use_epsilon_and_stay_finite():
    value = psi([50, 50, 0], [40, 40, 20])
    assert math.isfinite(value)
    # the empty reference bin counts as EPSILON: (0.2 - eps) * ln(0.2 / eps), plus the two 0.5 -> 0.4 bins
    expected = (0.2 - EPSILON) * math.log(0.2 / EPSILON) + 2 * (0.4 - 0.5) * math.log(0.4 / 0.5)
    assert value == pytest.approx(expected)
    assert math.isfinite(psi([1, 0], [0, 1]))


def test_psi_rejects_mismatched_or_empty_histograms():
    with pytest.raises(ValueError, match="bins"):
        psi([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="non-zero"):
        psi([0, 0], [1, 1])


def test_verdict_thresholds():
    assert [verdict(v) for v in (0.0, 0.099, 0.1, 0.2499, 0.25, 3.0, None)] == [
        "stable",
        "stable",
        "moderate shift",
        "moderate shift",
        "major shift",
        "major shift",
        "n/a",
    ]


# ---- the report -------------------------------------------------------------------------------
def test_same_population_is_stable(schema):
    report = drift_report(schema, _results(schema, 400, seed=1), _results(schema, 400, seed=2))
    assert {m["field"] for m in report["measures"]} == {f.name for f in schema.enum_fields} | {"(all)"}
    for f in schema.enum_fields:
        labels = _measure(report, f.name, "labels")
        assert labels["bins"] == list(f.values)  # every allowed value gets its bin
        assert labels["verdict"] != "major shift"
    assert _measure(report, "category", "confidence")["verdict"] == "stable"
    assert report["warnings"] == []


def test_shifted_categories_are_a_major_shift(schema):
    ref = _results(schema, 300, seed=1)
    new = _results(schema, 300, seed=2, category="Network")  # everything is suddenly a network ticket
    report = drift_report(schema, ref, new)
    labels = _measure(report, "category", "labels")
    assert labels["verdict"] == "major shift" and report["verdict"] == "major shift"
    assert labels["top_changes"][0]["value"] == "Network"
    assert labels["top_changes"][0]["new"] == 1.0
    assert labels["new_share"][labels["bins"].index("Security")] == 0.0  # absent on one side: still a bin
    assert _measure(report, "priority", "labels")["verdict"] != "major shift"


def test_confidence_histogram_shift_is_detected(schema):
    ref = _results(schema, 200, seed=1, confidence=0.95, status="auto")
    new = _results(schema, 200, seed=1, confidence=0.45, status="review")  # same labels, far less sure
    report = drift_report(schema, ref, new)
    conf = _measure(report, "category", "confidence")
    assert conf["verdict"] == "major shift"
    assert conf["ref_mean"] == pytest.approx(0.95) and conf["new_mean"] == pytest.approx(0.45)
    assert _measure(report, "category", "labels")["psi"] == 0.0
    review = report["review_rate"]
    assert (review["ref"], review["new"], review["verdict"]) == (0.0, 1.0, "major shift")


def test_ticket_only_rows_compare_labels_but_not_confidence(schema):
    ref = [r["ticket"] for r in _results(schema, 150, seed=1)]
    report = drift_report(schema, ref, _results(schema, 150, seed=2))
    assert _measure(report, "category", "labels")["psi"] is not None
    conf = _measure(report, "category", "confidence")
    assert conf["psi"] is None and "reference" in conf["note"]
    assert report["review_rate"]["ref"] is None and report["review_rate"]["psi"] is None


def test_values_outside_the_schema_get_their_own_bin_and_a_warning(schema):
    new = _results(schema, 150, seed=2)
    new[0]["ticket"]["category"] = "Facilities"
    report = drift_report(schema, _results(schema, 150, seed=1), new)
    assert "(other)" in _measure(report, "category", "labels")["bins"]
    assert any("Facilities" in w for w in report["warnings"])


# ---- the CLI ----------------------------------------------------------------------------------
def test_cli_markdown_json_out_and_both_row_formats(schema, tmp_path, capsys):
    ref = _write(tmp_path / "ref.jsonl", _results(schema, 120, seed=1))
    new = _write(tmp_path / "new.jsonl", [r["ticket"] for r in _results(schema, 120, seed=2)])  # --ticket-only

    assert main([ref, new]) == 0
    out = capsys.readouterr().out
    assert "| field | measure | PSI | verdict |" in out
    assert "| category | labels |" in out and "| category | confidence | n/a |" in out

    assert main([ref, ref, "--json", "--out", str(tmp_path / "report")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["max_psi"] == 0.0 and report["verdict"] == "stable" and report["ref"] == ref
    assert json.loads((tmp_path / "report" / "drift.json").read_text()) == report
    assert (tmp_path / "report" / "drift.md").read_text().startswith("# Prediction drift")


def test_cli_fail_on_major_and_small_sample_warning(schema, tmp_path, capsys):
    ref = _write(tmp_path / "ref.jsonl", _results(schema, 40, seed=1))
    new = _write(tmp_path / "new.jsonl", _results(schema, 40, seed=2, category="Security"))
    assert main([ref, new]) == 0  # a report, not a gate, unless asked
    assert main([ref, new, "--fail-on", "major"]) == 1
    assert main([ref, ref, "--fail-on", "moderate"]) == 0
    err = capsys.readouterr().err
    assert "noisy on small samples" in err and "reaches --fail-on major" in err


def test_cli_bad_line_names_file_and_line(schema, tmp_path):
    ref = _write(tmp_path / "ref.jsonl", _results(schema, 5, seed=1))
    bad = tmp_path / "new.jsonl"
    bad.write_text(json.dumps(_results(schema, 1, seed=2)[0]) + "\n{not json\n" + json.dumps({"text": "hi"}) + "\n")
    with pytest.raises(DataError) as e:
        main([ref, str(bad)])
    assert f"{bad}:2: not JSON" in str(e.value)
    assert f"{bad}:3: neither a prediction result" in str(e.value)
