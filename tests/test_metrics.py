"""The scoring library: metrics on hand-made results, so every number is checked by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from inference.metrics import (
    expected_calibration_error,
    label_distribution,
    markdown_table,
    promise_check,
    rule_violations,
    score_details,
)


@dataclass
class Result:
    ticket: dict
    confidence: dict = field(default_factory=dict)
    status: str = "auto"
    timing_ms: float = 10.0


REST = {"request_type": "Incident"}


def rows_and_results():
    rows = [
        {"text": "vpn", "label": {"category": "Network", "priority": "High"}},
        {"text": "printer", "label": {"category": "Hardware", "priority": "Low"}},
        {"text": "phish", "label": {"category": "Security", "priority": "High"}},
        {"text": "pw", "label": {"category": "Access"}},  # priority unlabelled
    ]
    results = [
        Result(
            {
                "category": "Network",
                "subcategory": "VPN",
                "priority": "High",
                "assignment_group": "Network Operations",
                **REST,
            },
            {"category": 0.9, "priority": 0.8},
        ),
        Result(
            {
                "category": "Network",
                "subcategory": "Printer",
                "priority": "Low",  # wrong, and breaks a rule
                "assignment_group": "Network Operations",
                **REST,
            },
            {"category": 0.6, "priority": 0.7},
            status="review",
            timing_ms=30.0,
        ),
        Result(
            {
                "category": "Security",
                "subcategory": "Phishing",
                "priority": "Low",
                "assignment_group": "Security Operations",
                **REST,
            },
            {"category": 0.95, "priority": 0.4},
        ),
        Result({}, {}, status="review"),  # an answer that was not JSON (a remote backend)
    ]
    return rows, results


def test_headline_metrics_count_what_they_say(schema):
    rows, results = rows_and_results()
    metrics, details = score_details(schema, rows, results, seconds=2.0)
    assert metrics["category/accuracy"] == 0.5
    assert metrics["priority/accuracy"] == pytest.approx(2 / 3, abs=1e-4)  # the unlabelled row is skipped
    assert metrics["exact_match"] == 0.25
    assert metrics["json_valid_rate"] == 0.75
    assert metrics["schema_valid_rate"] == 0.5  # row 2 breaks a rule, row 4 is empty
    assert metrics["rule_violation_rate"] == 0.25
    assert metrics["review_rate"] == 0.5
    assert metrics["auto_error"] == 0.5  # of the two auto-routed, the phishing ticket has the wrong priority
    assert metrics["latency_ms_p95"] == 30.0 and metrics["tickets_per_s"] == 2.0
    per_class = details["category"]["per_class"]
    assert per_class["Network"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1, "predicted": 2}
    assert per_class["Hardware"]["predicted"] == 0
    # collapse shows in the headline: Hardware is never found
    assert metrics["category/min_recall"] == 0.0 and metrics["priority/min_recall"] == 0.5
    assert "ece" not in details["category"]  # one ticket has no confidence: no calibration claim
    assert "ece" in details["priority"]


def test_label_distribution_shows_predicted_against_true_shares(schema):
    rows, results = rows_and_results()
    _, details = score_details(schema, rows, results, seconds=1.0)
    lines = dict(line.split(": ", 1) for line in label_distribution(details))
    # priority: High is true twice and Low once; High is predicted once and Low twice
    assert lines["priority"] == "High 33% (true 67%) · Low 67% (33%)"
    assert lines["category"].startswith("Access 0% (true 25%)")


def test_coverage_curve_trades_coverage_for_accuracy(schema):
    rows, results = rows_and_results()
    _, details = score_details(schema, rows[:3], results[:3], seconds=1.0)
    coverage = {c["threshold"]: c for c in details["category"]["coverage"]}
    assert coverage[0.0] == {"threshold": 0.0, "coverage": 1.0, "accuracy": pytest.approx(2 / 3, abs=1e-4)}
    assert coverage[0.7] == {"threshold": 0.7, "coverage": pytest.approx(2 / 3, abs=1e-4), "accuracy": 1.0}


def test_rule_violations(schema):
    assert rule_violations(schema, {"category": "Network", "subcategory": "Printer"}) == 1
    assert rule_violations(schema, {"category": "Network", "subcategory": "VPN"}) == 0
    assert rule_violations(schema, {"category": "Gaming", "subcategory": "Printer"}) == 0  # not a rule matter


def test_table_marks_the_best_value_per_row():
    table = markdown_table(
        {
            "a": {"n": 2, "category/accuracy": 0.5, "latency_ms_p50": 10.0, "review_rate": 0.1},
            "b": {"n": 2, "category/accuracy": 0.7, "latency_ms_p50": 20.0, "review_rate": 0.3},
        }
    )
    assert "| category/accuracy | 0.5 | **0.7** |" in table
    assert "| latency_ms_p50 | **10.0** | 20.0 |" in table  # lower is better
    assert "| review_rate | 0.1 | 0.3 |" in table  # neither is better


def test_ece_of_perfectly_calibrated_and_overconfident_predictions():
    # 80% sure and right 8 times out of 10: calibrated.
    assert expected_calibration_error([0.8] * 10, [True] * 8 + [False] * 2) == pytest.approx(0.0)
    # Always 100% sure, right half the time: off by 0.5.
    assert expected_calibration_error([1.0] * 10, [True, False] * 5) == pytest.approx(0.5)
    assert expected_calibration_error([], []) == 0.0


def test_a_calibrated_promise_is_checked_on_the_fields_it_covers():
    rows, results = rows_and_results()
    # The promise covers category only: the two auto-routed tickets have it right (the phishing
    # ticket's wrong priority does not count); the unlabelled-priority row still counts.
    check = promise_check(rows, results, {"fields": ["category"], "target": 0.05, "delta": 0.1})
    assert (check["n"], check["auto"], check["coverage"], check["auto_error"], check["met"]) == (4, 2, 0.5, 0.0, True)
    check = promise_check(rows, results, {"fields": ["category", "priority"], "target": 0.05, "delta": 0.1})
    assert (check["n"], check["auto"], check["auto_error"], check["met"]) == (3, 2, 0.5, False)
