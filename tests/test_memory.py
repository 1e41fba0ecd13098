"""The memory estimate: the largest batch is counted as the trainer will run it; a run that cannot fit is refused."""

from __future__ import annotations

import pytest

from training.memory import MemoryEstimate, NotEnoughMemoryError, check_training_memory, largest_batch_tokens


def test_largest_batch_counts_the_shared_prefix_once():
    lengths = [500, 450, 600, 520, 100]
    assert largest_batch_tokens(lengths, 2, shared_prefix=0) == (2 * 600, 600)
    # two longest rows (600, 520) padded to 600: prefix 400 once, then two suffixes of 200
    assert largest_batch_tokens(lengths, 2, shared_prefix=400) == (400 + 2 * 200, 200)
    assert largest_batch_tokens(lengths, 1, shared_prefix=400) == (600, 600)  # one row shares nothing


def estimate(available: float) -> MemoryEstimate:
    return MemoryEstimate(
        device="cpu",
        in_use_gb=1.0,
        optimizer_gb=0.1,
        activations_gb=2.5,
        available_gb=available,
        largest_batch="8 rows of up to 700 tokens, 408 shared",
    )


def test_a_run_that_fits_passes_and_one_that_does_not_names_what_to_lower():
    check_training_memory(estimate(available=8.0))
    assert estimate(8.0).peak_gb == pytest.approx(3.6)
    with pytest.raises(NotEnoughMemoryError) as e:
        check_training_memory(estimate(available=2.5))  # 2.6 GB needed, 90% of 2.5 allowed
    message = str(e.value)
    assert "need about 2.6 GB more" in message and "2.5 GB available" in message
    for flag in (
        "--per_device_train_batch_size",
        "--max_input_tokens",
        "--activation_checkpointing",
        "--check_memory false",
    ):
        assert flag in message
