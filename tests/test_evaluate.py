"""`triage eval`: the report with its plots, per-ticket predictions, the CLI."""

from __future__ import annotations

import json

from test_metrics import rows_and_results

from inference.evaluate import main, write_report
from inference.metrics import score_details


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


def test_eval_checks_a_calibrated_promise_on_its_split(tiny_model_dir, tmp_path, schema, capsys):
    # Issue 17: `triage eval` shows the auto-routed error and coverage against the promised target.
    import shutil

    from generating.synthetic import main as generate

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    promise = {"threshold": 0.0, "target": 0.05, "delta": 0.1, "fields": ["request_type"]}
    fields = {"request_type": {"temperature": 1.0, "review_threshold": 0.0}}
    (model / "calibration.json").write_text(
        json.dumps({"schema_fingerprint": schema.fingerprint(), "fields": fields, "risk_control": promise})
    )
    generate(["--n", "60", "--seed", "2", "--out", str(tmp_path / "data")])
    capsys.readouterr()
    data = str(tmp_path / "data" / "test.jsonl")
    assert main(["--data", data, "--limit", "4", "--model", str(model), "--json"]) == 0
    captured = capsys.readouterr()
    assert "promised at most 5% wrong among auto-routed tickets (request_type" in captured.err
    [metrics] = json.loads(captured.out).values()
    assert metrics["promise/target"] == 0.05 and "auto_error" in metrics
