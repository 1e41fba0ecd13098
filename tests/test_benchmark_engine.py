"""scripts/benchmark_engine.py: one JSON line on stdout, every method measured, constrained methods valid.

Runs on the tiny random model from conftest (2 layers, width 64), so the naive answers are garbage;
what is checked is the report's shape and that the grammar-constrained paths and the engine always
give schema-valid tickets, even from a model that knows no JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import load_script

REPO_ROOT = Path(__file__).resolve().parents[1]
METHODS = ("naive", "library", "engine_full", "engine_classification")
METHOD_KEYS = {
    "tickets",
    "seconds",
    "tickets_per_s",
    "forward_passes_per_ticket",
    "valid_rate",
    "parsed_rate",
    "accuracy",
    "mean_enum_accuracy",
}


@pytest.fixture(scope="module")
def bench():
    return load_script("benchmark_engine")


@pytest.fixture(scope="module")
def tickets_file(tmp_path_factory, schema) -> Path:
    from generating.synthetic import generate_rows
    from ticket_triage.dataset import write_rows

    path = tmp_path_factory.mktemp("bench-data") / "tickets.jsonl"
    write_rows(path, generate_rows(schema, 3, seed=3))
    return path


def test_prints_one_json_line_with_every_method(bench, tiny_model_dir, tickets_file, schema, capsys, tmp_path):
    out_file = tmp_path / "bench.json"
    argv = ["--model", tiny_model_dir, "--data", str(tickets_file), "--n-tickets", "3", "--device", "cpu"]
    # The random model never stops on its own: cap naive (garbage anyway); the library's answers end by grammar.
    argv += ["--batch-size", "2", "--max-new-tokens", "24", "--threads", "1", "--out", str(out_file)]
    assert bench.main(argv + ["--peak-seconds", "0.05"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert json.loads(out_file.read_text()) == report
    assert {"machine", "data", "settings", "methods", "ratios", "targets"} <= set(report)
    assert {"platform", "cpu_count", "torch_threads", "torch", "model", "device"} <= set(report["machine"])
    assert report["machine"]["device"] == "cpu"
    assert report["machine"]["torch_threads"] == 1
    assert set(report["machine"]["matmul_peak_gflops"]) == {"float32", "bfloat16"}  # both, on a CPU
    assert all(v > 0 for v in report["machine"]["matmul_peak_gflops"].values())
    for name, (before, after) in report["machine"]["matmul_peak_gflops_before_after"].items():
        assert report["machine"]["matmul_peak_gflops"][name] == max(before, after) > 0
    for name in ("engine_full", "engine_classification"):
        engine = report["methods"][name]
        assert engine["useful_gflop_per_ticket"] > 0
        assert 0 < engine["fraction_of_ceiling"] < 1
        assert engine["ceiling_tickets_per_s"] > engine["tickets_per_s"]
    assert "engine_full_fraction_of_ceiling>=0.5" in report["targets"]
    assert report["settings"]["naive_max_new_tokens"] == 24
    assert report["settings"]["library_max_new_tokens"] > 24
    assert set(report["methods"]) == set(METHODS)
    enum_fields = {f.name for f in schema.enum_fields}
    for name, result in report["methods"].items():
        assert METHOD_KEYS <= set(result), name
        assert result["tickets"] == 3
        assert result["forward_passes_per_ticket"] > 0
        assert set(result["accuracy"]) == enum_fields
        assert 0 <= result["valid_rate"] <= 1
    for name in ("library", "engine_full", "engine_classification"):
        assert report["methods"][name]["valid_rate"] == 1.0, name
    assert set(report["ratios"]) == {
        "engine_full_vs_naive_speedup",
        "engine_full_vs_library_speedup",
        "engine_classification_vs_naive_speedup",
        "engine_full_vs_naive_accuracy_delta",
        "engine_classification_vs_naive_accuracy_delta",
    }
    assert all(v is not None for v in report["ratios"].values())
    assert report["targets"]["engine_valid_rate==1"] is True


def test_methods_subset_and_bad_method(bench, tiny_model_dir, tickets_file, capsys):
    argv = ["--model", tiny_model_dir, "--data", str(tickets_file), "--n-tickets", "2", "--device", "cpu"]
    argv += ["--threads", "1", "--peak-seconds", "0.05"]
    assert bench.main(argv + ["--methods", "engine_classification", "--engine-repeats", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["methods"]) == ["engine_classification"]
    assert report["ratios"]["engine_full_vs_naive_speedup"] is None
    method = report["methods"]["engine_classification"]  # a shared machine: the median of 3 timed passes
    assert len(method["seconds_each"]) == 3
    assert method["seconds"] == pytest.approx(sorted(method["seconds_each"])[1], abs=1e-3)
    packed = report["settings"]["engine_packed_linear_layers"]
    assert report["settings"]["engine_pack_for_rows"] == 16 and packed >= 0  # 0 where oneDNN cannot pack
    assert bench.main(argv + ["--methods", "engine_classification", "--pack-for-rows", "0"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["settings"]["engine_packed_linear_layers"] == 0 and plain["settings"]["engine_pack_for_rows"] == 0
    assert plain["methods"]["engine_classification"]["valid_rate"] == 1.0
    for bad in (["--methods", "naive,bogus"], ["--pack-for-rows", "-1"]):
        with pytest.raises(SystemExit):
            bench.main(argv + bad)


def test_grammar_processor_forces_a_valid_answer_token_by_token(bench, tiny_model_dir, schema):
    """Feeding the processor a valid answer keeps it allowed at every step, then only EOS is allowed."""
    import torch
    from transformers import AutoTokenizer

    from ticket_triage.prompt import answer_text

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    template, vocab_size = bench.compile_grammar_matcher(tokenizer, schema)
    processor = bench.make_grammar_processor(template, vocab_size, 1, tokenizer.eos_token_id)
    ticket = {
        "category": "Network",
        "subcategory": "VPN",
        "priority": "High",
        "assignment_group": "Network Operations",
        "request_type": "Incident",
        "summary": "VPN drops every ten minutes.",
    }
    ids = tokenizer(answer_text(schema, ticket), add_special_tokens=False)["input_ids"]
    seen = [0]
    for token in ids:
        scores = processor(torch.tensor([seen]), torch.zeros(1, len(tokenizer)))
        assert scores[0, token] == 0, tokenizer.decode([token])
        seen.append(token)
    scores = processor(torch.tensor([seen]), torch.zeros(1, len(tokenizer)))
    assert torch.isfinite(scores[0]).nonzero().flatten().tolist() == [tokenizer.eos_token_id]
