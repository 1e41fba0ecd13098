"""scripts/load_test.py: a bounded load test on loopback against a real `triage serve` process.

The server runs the real engine on the tiny random model from conftest, so the test takes seconds;
what is checked is that concurrent load is answered without errors, that micro-batching really
batches (mean engine batch > 1 under concurrency), and the shape of the JSON line. Throughput
figures come from running the script on the offline model (see docs/serving.md), not from here.
"""

from __future__ import annotations

import json

import pytest
from conftest import load_script


@pytest.fixture(scope="module")
def load_test():
    return load_script("load_test")


def test_percentile(load_test):
    assert load_test.percentile([], 50) is None
    assert load_test.percentile([3.0], 95) == 3.0
    assert load_test.percentile([1, 2, 3, 4], 50) == 2.5
    assert load_test.percentile(list(range(101)), 95) == 95


def test_only_loopback_urls_are_accepted(load_test):
    with pytest.raises(SystemExit, match="only loopback"):
        load_test.main(["--url", "http://example.com:8000", "--requests", "1"])


def test_load_on_a_real_server_is_answered_and_batched(load_test, tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "load.json"
    code = load_test.main(
        [
            "--model",
            tiny_model_dir,
            "--requests",
            "48",
            "--concurrency",
            "12",
            "--baseline-requests",
            "6",
            "--classification-only",
            "--batch-window-ms",
            "20",
            "--tickets",
            "30",
            "--max-seconds",
            "120",
            "--out",
            str(out),
        ]
    )
    line = capsys.readouterr().out.strip().splitlines()[-1]
    report = json.loads(line)
    assert code == 0 and report["ok"] and report == json.loads(out.read_text())
    single, loaded = report["phases"]
    assert (single["concurrency"], single["requests"], loaded["concurrency"], loaded["requests"]) == (1, 6, 12, 48)
    assert single["statuses"] == {"200": 6} and loaded["statuses"] == {"200": 48}
    assert not loaded["truncated"] and loaded["no_answer"] == 0
    assert single["mean_batch_size"] == 1.0
    assert loaded["mean_batch_size"] > 1.5  # micro-batching at work
    assert loaded["latency_ms"]["p50"] <= loaded["latency_ms"]["p95"] <= loaded["latency_ms"]["max"]
    assert report["speedup"] is not None and report["model_version"]
