"""Loading a model for the engine (inference/model_loading.py): an adapter trained on another taxonomy is
refused; calibration.json's review thresholds and promise are read, and an explicit threshold wins;
the dtype; freed memory kept for reuse. (The calibration temperatures are tested with the engine, in
tests/test_engine.py.)"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import pytest

from inference.model_loading import (
    check_adapter_schema,
    read_calibration,
    review_thresholds_with,
)
from ticket_triage.models import ResolvedModel


def test_adapter_trained_on_another_schema_is_refused(tmp_path, schema):
    (tmp_path / "triage.json").write_text(json.dumps({"schema_fingerprint": "0000", "schema_name": "other"}))
    with pytest.raises(ValueError, match="trained on schema 'other'"):
        check_adapter_schema(ResolvedModel(base="x", adapter=str(tmp_path)), schema)
    with pytest.raises(ValueError, match="trained on schema 'other'"):  # a merged model folder too
        check_adapter_schema(ResolvedModel(base=str(tmp_path)), schema)
    (tmp_path / "triage.json").write_text(json.dumps({"schema_fingerprint": schema.fingerprint()}))
    check_adapter_schema(ResolvedModel(base="x", adapter=str(tmp_path)), schema)


def test_calibrated_review_thresholds_and_their_promise_are_read(tmp_path, schema):
    promise = {"threshold": 0.93, "target": 0.05, "delta": 0.1, "coverage": 0.71}
    fields = {"category": {"temperature": 1.5, "review_threshold": 0.93}, "priority": {"temperature": 0.8}}
    (tmp_path / "calibration.json").write_text(
        json.dumps({"schema_fingerprint": schema.fingerprint(), "fields": fields, "risk_control": promise})
    )
    calibration = read_calibration(ResolvedModel(base=str(tmp_path)), schema)
    assert calibration.temperatures == {"category": 1.5, "priority": 0.8}
    assert calibration.review_thresholds == {"category": 0.93} and calibration.promise == promise
    assert read_calibration(ResolvedModel(base=str(tmp_path / "none")), schema).promise is None


def test_an_explicit_review_threshold_wins_over_the_calibrated_one():
    calibrated = {"category": 0.93, "priority": 0.93}
    assert review_thresholds_with(calibrated, None) == calibrated
    assert review_thresholds_with(calibrated, {"priority": 0.5}) == {"category": 0.93, "priority": 0.5}
    assert review_thresholds_with(calibrated, 0.2) == 0.2  # one number for every field
    assert review_thresholds_with({}, None) is None  # the schema's thresholds, filled in by the engine


def test_auto_dtype_on_a_cpu_is_bf16_only_where_the_cpu_is_fast_at_it(monkeypatch):
    """bf16 is the CPU default where it is batch-invariant and fast (AMX or AVX512-BF16); elsewhere bf16
    is emulated and slower than fp32."""
    import torch

    import inference.model_loading as model_loading

    monkeypatch.setattr(model_loading, "cpu_has_fast_bf16", lambda: True)
    assert model_loading.inference_dtype("cpu") is torch.bfloat16
    assert model_loading.inference_dtype("cpu", "float32") is torch.float32  # an explicit dtype wins
    monkeypatch.setattr(model_loading, "cpu_has_fast_bf16", lambda: False)
    assert model_loading.inference_dtype("cpu") is torch.float32


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"), reason="glibc's malloc only"
)
def test_freed_memory_is_kept_for_the_next_pass():
    """Regression: each engine pass holds tensors of a few MB at once and frees them; glibc handed the
    freed heap back to the kernel, and the next pass page-faulted it in again, zeroed (300k faults per
    40 tickets). The same pattern in two fresh processes, without and with the call: 41k against 5k
    faults here alone, 153k against 0 on another day. The count depends on the machine's state (15.6k
    with the call inside a full test run once, 25.6k in a fresh process under load), so the test
    compares the two processes rather than a fixed number."""
    import subprocess
    import textwrap

    def faults(keep: bool) -> int:
        child = textwrap.dedent(
            f"""
            import resource
            import torch
            from inference.model_loading import keep_freed_memory

            def one_pass():
                held = [torch.ones(5 << 20) for _ in range(6)]  # 6 x 20 MB alive at once, then freed
                del held

            if {keep}:
                assert keep_freed_memory() is True
            one_pass()
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for _ in range(5):
                one_pass()
            print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", child], capture_output=True, text=True, cwd=Path(__file__).parents[1]
        )
        assert done.returncode == 0, done.stderr
        return int(done.stdout.split()[-1])

    without, kept = faults(keep=False), faults(keep=True)
    assert kept * 1.5 < without, (kept, without)
