"""`triage eval`: metrics on hand-made results, the report with its plots, the CLIs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from inference.evaluate import (
    label_distribution,
    main,
    markdown_table,
    rule_violations,
    score_details,
    write_report,
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


def test_report_has_metrics_markdown_and_readable_plots(schema, tmp_path):
    rows, results = rows_and_results()
    metrics, details = score_details(schema, rows[:3], results[:3], seconds=1.0)
    write_report(tmp_path, "test run", metrics, details)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["metrics"]["category/accuracy"] == metrics["category/accuracy"]
    assert "per_class" in saved["fields"]["category"] and "gold" not in saved["fields"]["category"]
    report = (tmp_path / "report.md").read_text()
    for png in ("confusion_category.png", "confusion_priority.png", "calibration_and_coverage.png"):
        assert (tmp_path / png).read_bytes().startswith(b"\x89PNG")
        assert f"({png})" in report
    assert "| review threshold | coverage" in report


def test_eval_cli_writes_a_report_per_model_and_the_table(tiny_model_dir, tmp_path, capsys):
    from generating.synthetic import main as generate

    generate(["--n", "60", "--seed", "2", "--out", str(tmp_path / "data")])
    capsys.readouterr()
    out = tmp_path / "eval"
    assert (
        main(
            [
                "--data",
                str(tmp_path / "data" / "test.jsonl"),
                "--limit",
                "4",
                "--model",
                tiny_model_dir,
                "--model",
                tiny_model_dir,
                "--out",
                str(out),
                "--dtype",
                "float32",
            ]
        )
        == 0
    )
    assert "| category/accuracy |" in capsys.readouterr().out
    reports = list(out.glob("*/report.md"))
    assert len(reports) == 1  # the same model twice lands in one folder
    assert (out / "compare.md").is_file() and json.loads((out / "compare.json").read_text())


def test_eval_with_several_models_prints_one_json_table(tiny_model_dir, tmp_path, capsys):
    """`triage eval` with several --model is the comparison (`triage compare` folded into it)."""
    from generating.synthetic import main as generate

    generate(["--n", "60", "--seed", "2", "--out", str(tmp_path / "data")])
    capsys.readouterr()
    data = str(tmp_path / "data" / "test.jsonl")
    argv = ["--data", data, "--limit", "3", "--model", tiny_model_dir, "--model", "smollm2-135m", "--json"]
    assert main([*argv, "--out", str(tmp_path / "cmp"), "--dtype", "float32"]) == 0
    columns = json.loads(capsys.readouterr().out)
    assert len(columns) == 2 and all(c["schema_valid_rate"] == 1.0 for c in columns.values())
    assert (tmp_path / "cmp" / "compare.md").is_file()


def test_eval_out_writes_per_ticket_predictions(tmp_path, capsys):
    """Regression: `triage eval --out` wrote only aggregates, so a per-group metric needed a second
    full inference pass joined by line order. predictions.jsonl has one line per ticket, by id."""
    from generating.synthetic import main as generate
    from inference.baselines import main as baseline

    generate(["--n", "120", "--seed", "3", "--out", str(tmp_path / "data")])
    train_file = str(tmp_path / "data" / "train.jsonl")
    baseline(["fit", "--kind", "tfidf", "--train", train_file, "--out", str(tmp_path / "b")])
    capsys.readouterr()
    test_file = tmp_path / "data" / "test.jsonl"
    out = tmp_path / "eval"
    assert main(["--data", str(test_file), "--model", str(tmp_path / "b"), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in test_file.read_text(encoding="utf-8").splitlines()]
    predictions = [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [p["id"] for p in predictions] == [r["id"] for r in rows]
    assert [p["row"] for p in predictions] == list(range(1, len(rows) + 1))
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]
    for name in ("category", "priority"):
        right = sum(p["correct"][name] for p in predictions)
        assert round(right / len(rows), 4) == metrics[f"{name}/accuracy"]
        assert all(p["correct"][name] == (p["ticket"][name] == p["label"][name]) for p in predictions)
    assert all(p["meta"] == r.get("meta") and p["timing_ms"] >= 0 for p, r in zip(predictions, rows))
