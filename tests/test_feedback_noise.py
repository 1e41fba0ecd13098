"""Label-noise suspects (feedback/noise.py): confident learning (Northcutt et al. 2021) on the model's
probabilities, and `triage review noise` writing the suspects as a review file."""

from __future__ import annotations

import csv
import json

import pytest

from feedback.noise import field_suspects, find_suspects, option_probabilities
from ticket_triage.dataset import write_rows
from triage.cli import main as triage


def test_probabilities_outside_the_top_k_get_their_largest_possible_value():
    top3 = [{"value": "X", "probability": 0.5}, {"value": "Y", "probability": 0.3}, {"value": "Z", "probability": 0.15}]
    assert option_probabilities(top3, ("X", "Y", "Z", "W")) == {"X": 0.5, "Y": 0.3, "Z": 0.15, "W": pytest.approx(0.05)}
    # Less mass left than the smallest listed: that mass bounds each unlisted value.
    top2 = [{"value": "X", "probability": 0.5}, {"value": "Y", "probability": 0.45}]
    assert option_probabilities(top2, ("X", "Y", "Z"))["Z"] == pytest.approx(0.05)


def test_the_confident_joint_flags_a_row_counted_towards_another_class():
    # Thresholds: A = mean(.9, .8, .1) = .6, B = mean(.8, .7) = .75 (the mean self-confidence per class).
    given = ["A", "A", "A", "B", "B"]
    probabilities = [
        {"A": 0.9, "B": 0.1},
        {"A": 0.8, "B": 0.2},
        {"A": 0.1, "B": 0.9},
        {"A": 0.2, "B": 0.8},
        {"A": 0.3, "B": 0.7},
    ]
    suspects = field_suspects("f", given, probabilities)
    # Row 2: B's .9 clears B's .75 and A's .1 does not clear A's .6. Row 4 clears no threshold: counted nowhere.
    assert list(suspects) == [2]
    s = suspects[2]
    assert (s.given, s.suggested, s.self_confidence, s.suggested_probability) == ("A", "B", 0.1, 0.9)
    assert s.given_threshold == pytest.approx(0.6) and s.suggested_threshold == pytest.approx(0.75)
    assert "labelled 'A'" in str(s) and "the model says 'B'" in str(s)


def test_suspect_rows_are_ranked_least_self_confident_first(schema):
    def alts(top: str, p: float, other: str) -> list[dict]:
        return [{"value": top, "probability": p}, {"value": other, "probability": round(1 - p, 4)}]

    labels = [{"request_type": "Incident"}] * 4 + [{"request_type": "Service Request"}] * 4
    alternatives = [{"request_type": alts("Incident", 0.9, "Service Request")} for _ in range(3)]
    alternatives.append({"request_type": alts("Service Request", 0.95, "Incident")})  # row 3: mislabelled
    alternatives += [{"request_type": alts("Service Request", 0.9, "Incident")} for _ in range(2)]
    alternatives.append({"request_type": alts("Incident", 0.99, "Service Request")})  # row 6: mislabelled, surer
    alternatives.append({"request_type": alts("Service Request", 0.8, "Incident")})
    found = find_suspects(schema, labels, alternatives)
    assert [i for i, _ in found] == [6, 3]  # self-confidence .01 before .05
    assert found[0][1][0].suggested == "Incident"


ROWS = [
    {"id": f"R{i}", "text": f"ticket number {i}", "label": {"category": label}}
    for i, label in enumerate(["Network", "Network", "Network", "Access", "Access", "Access"])
]
P_ACCESS = [0.1, 0.15, 0.9, 0.9, 0.8, 0.85]  # R2 is labelled Network, and the model is sure it is Access


def prediction(i: int, p_access: float) -> dict:
    """A `triage eval` predictions.jsonl record (only what the noise check reads)."""
    top = [("Access", p_access), ("Network", round(1 - p_access, 4))]
    top.sort(key=lambda vp: -vp[1])
    return {
        "id": f"R{i}",
        "row": i + 1,
        "label": ROWS[i]["label"],
        "ticket": {"category": top[0][0]},
        "confidence": {"category": top[0][1]},
        "alternatives": {"category": [{"value": v, "probability": p} for v, p in top]},
        "status": "auto",
        "model": "fake",
    }


def test_review_noise_lists_the_suspects_and_writes_them_for_review(tmp_path, capsys):
    write_rows(tmp_path / "train.jsonl", ROWS)
    write_rows(tmp_path / "predictions.jsonl", [prediction(i, p) for i, p in enumerate(P_ACCESS)])
    argv = ["review", "noise", "--predictions", str(tmp_path / "predictions.jsonl")]
    assert triage(argv) == 0  # eval's predictions carry the labels: a listing needs no --data
    out = capsys.readouterr().out
    assert "1 of 6 rows are label-issue suspects" in out and "R2: category: labelled 'Network'" in out
    assert triage([*argv, "--out", str(tmp_path / "s.csv")]) == 2  # a review file needs the text
    assert triage([*argv, "--data", str(tmp_path / "train.jsonl"), "--out", str(tmp_path / "s.csv")]) == 0
    (row,) = csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8-sig"))
    # The row's label is pre-filled, with the model's probability of it; the note says what the model thinks.
    assert (row["id"], row["text"], row["category"], row["category_confidence"]) == (
        "R2",
        "ticket number 2",
        "Network",
        "0.1",
    )
    assert "the model says 'Access'" in row["note"] and row["corrected_category"] == ""
    assert json.loads(json.dumps(row))  # plain strings: the CSV imports like any review export
