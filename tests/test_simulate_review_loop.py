"""scripts/simulate_review_loop.py: route, correct the review queue, retrain, promote; a small version
end to end on the tiny model (one round, one training step). The figures of the real loop on
it_service_tickets come from running the script (docs/review.md)."""

from __future__ import annotations

import json

from conftest import load_script
from test_train import run_training, write_rows


def test_one_round_of_the_review_loop_runs_end_to_end(tmp_path, tiny_model_dir, capsys):
    initial = run_training(tmp_path, tiny_model_dir, "--max_steps", "1") / "adapter"
    stream, test = write_rows(tmp_path / "stream.jsonl", 8), write_rows(tmp_path / "test.jsonl", 4)
    loop = load_script("simulate_review_loop")
    code = loop.main(
        [
            "--model",
            str(initial),
            "--stream",
            str(stream),
            "--test",
            str(test),
            "--replay",
            str(tmp_path / "train.jsonl"),
            "--rounds",
            "1",
            "--per-round",
            "8",
            "--out",
            str(tmp_path / "loop"),
            "--",
            "--config",
            "configs/train/cpu_smollm2.yaml",
            "--max_steps",
            "1",
            "--per_device_train_batch_size",
            "2",
            "--report_to",
            "none",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    start, first = report["rounds"]
    assert start["round"] == 0 and "exact_match" in start["test"]
    # A random tiny model is unsure of everything: all 8 tickets go to review and come back corrected.
    assert first["stream"] == 8 and first["corrections_total"] == first["training_rows"] == 8
    assert 0 <= first["coverage"] <= 1 and isinstance(first["promoted"], bool) and first["why"]
    assert (tmp_path / "loop" / "round1" / "adapter" / "triage.json").is_file()
    meta = json.loads((tmp_path / "loop" / "current" / "triage.json").read_text())
    assert ("promotion" in meta) is first["promoted"]  # the current adapter is the candidate only if promoted
