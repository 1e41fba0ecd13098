"""`triage demo` wires generate -> train -> eval -> predict; here on the tiny model with tiny budgets."""

from __future__ import annotations

import json

from triage.demo import main


def test_demo_runs_end_to_end(tmp_path, tiny_model_dir, capsys):
    out = tmp_path / "demo"
    assert (
        main(["--out", str(out), "--model", tiny_model_dir, "--n", "300", "--max-steps", "2", "--eval-limit", "4"]) == 0
    )
    for name in (
        "data/train.jsonl",
        "data/test.jsonl",
        "run/adapter/adapter_model.safetensors",
        "metrics.json",
        "report.md",
    ):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    # the adapter next to the baseline it has to beat, fitted on the same train split
    assert list(metrics) == ["base (no adapter)", "fine-tuned adapter", "TF-IDF + LR"]
    assert all(m["schema_valid_rate"] == 1.0 and m["n"] == 4 for m in metrics.values())
    assert (out / "tfidf" / "baseline.json").is_file()
    printed = capsys.readouterr().out
    assert "| metric | base (no adapter) | fine-tuned adapter | TF-IDF + LR |" in printed and "total" in printed
