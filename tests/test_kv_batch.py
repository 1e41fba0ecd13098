"""The engine's batch layout (inference/kv_batch.py): the block each forward pass feeds, its tree-shaped
mask and the branch tokens' log-probabilities, on hand-made tensors."""

from __future__ import annotations

import pytest
import torch

from inference.cascade import RowsCache, SharedPrefix
from inference.kv_batch import (
    Batch,
    block_attention,
    branch_token_logprobs,
    float_logsumexp,
    pack_block,
    plan_step,
    row_logsumexp,
)


def test_pack_block_right_aligns_target_then_branches_at_one_position():
    # row 0: 2 new target tokens, branches [7] and [8, 9]; row 1: 1 new token, no branch
    block = pack_block([[1, 2], [3]], [[[7], [8, 9]], []], seen=[10, 4], pad=0)
    assert block.input_ids.tolist() == [[1, 2, 7, 8, 9], [0, 0, 0, 0, 3]]
    assert block.segment.tolist() == [[0, 0, 1, 2, 2], [-1, -1, -1, -1, 0]]
    # both branches start right after the target (position 12), as if each were alone
    assert block.positions.tolist() == [[10, 11, 12, 12, 13], [0, 0, 0, 0, 4]]
    assert block.branch_spans == [[(2, 3), (3, 5)], []]


def test_block_attention_is_causal_within_a_branch_and_never_sees_padding():
    see = block_attention(torch.tensor([[-1, 0, 1, 2, 2]]))[0].int().tolist()
    assert see == [
        [1, 0, 0, 0, 0],  # padding sees only itself (no empty mask row)
        [0, 1, 0, 0, 0],  # the target sees what precedes it
        [0, 1, 1, 0, 0],  # branch 1 sees the target and itself
        [0, 1, 0, 1, 0],  # branch 2 does not see branch 1
        [0, 1, 0, 1, 1],
    ]


def test_branch_token_logprobs_take_the_first_token_from_the_preceding_logits():
    logits = torch.randn(3, 5)  # the flat logits that came back
    logits_index = torch.tensor([[2, 0, 1]])  # block column c of row 0 is flat logits row logits_index[0, c]
    last = torch.randn(1, 5)
    # one branch of tokens [2, 4], its first fed in block column 1 (its last is never fed): token 2
    # from `last`, token 4 from column 1
    got = branch_token_logprobs(logits, logits_index, last, [[[2, 4]]], [[(1, 2)]])
    want = [torch.log_softmax(last[0], -1)[2].item(), torch.log_softmax(logits[0], -1)[4].item()]
    assert got == pytest.approx(want, abs=1e-6)


def test_a_rows_logsumexp_is_the_same_alone_as_in_a_batch():
    """Regression: with two threads torch splits a lone row's sum over a 49k vocabulary between them (with
    several rows each row is summed whole), so an option's score came out ~2e-6 apart in `predict` and
    `predict_batch`."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        torch.manual_seed(0)
        logits = (torch.randn(200, 49152) * 4).to(torch.bfloat16)
        together, each = row_logsumexp(logits.float()), [row_logsumexp(row[None].float()) for row in logits]
        assert torch.equal(torch.cat(each), together)
        assert torch.allclose(together, torch.logsumexp(logits.float(), dim=-1))
        # the slices of the branch tokens' normaliser: a last slice of one row too
        assert torch.equal(float_logsumexp(logits[:17]), together[:17])
    finally:
        torch.set_num_threads(threads)


def test_branches_of_one_token_are_scored_without_a_forward_pass():
    """Nothing of a one-token branch is fed: with no new tokens either, the logits are None."""
    last = torch.randn(2, 5)
    got = branch_token_logprobs(None, None, last, [[[1], [3]], [[0]]], [[(0, 0), (0, 0)], [(0, 0)]])
    want = torch.log_softmax(last, -1)
    assert got == pytest.approx([want[0, 1].item(), want[0, 3].item(), want[1, 0].item()], abs=1e-6)


def test_plan_step_places_each_row_after_its_own_tokens_whatever_the_batch():
    """Row 0 has 2 own tokens and sees all 3 prefix tokens; row 1 has none and sees 2 of them. Each new
    token goes to its row's next own slot (left-aligned: where the row alone would put it), only real
    tokens are fed, and only the logits that are read come back (each row's last new target token and
    its branch tokens), indexed per block column."""
    prefix = SharedPrefix(length=3)
    batch = Batch(RowsCache(rows=2), shared=[3, 2], ids=[[1, 2, 3, 4, 5], [1, 2]], last_logits=None)
    # row 0: 1 new token, branches [7] and [8, 9]; row 1: 2 new tokens, no branch
    block = pack_block([[6], [3, 6]], [[[7], [8, 9]], []], seen=[5, 2], pad=0)
    step, input_ids, keep, logits_index = plan_step(batch, block, prefix, device="cpu")
    assert input_ids.tolist() == [6, 7, 8, 9, 3, 6]  # no padding
    assert step.token_slot.tolist() == [2, 3, 4, 5, 0, 1]
    assert step.keys_len == 6
    assert step.row_spans == [(0, 4, 0, 6), (4, 2, 2, 2)]
    assert step.query_positions.tolist() == [5, 6, 6, 7, 2, 3]  # both branches start at position 6
    assert step.prefix_mask.int().tolist() == [[1, 1, 1]] * 4 + [[1, 1, 0]] * 2
    assert step.own_mask[0].int().tolist() == [
        [1, 1, 1, 0, 0, 0],  # the new token sees the row's 2 own tokens and itself
        [1, 1, 1, 1, 0, 0],  # branch [7]
        [1, 1, 1, 0, 1, 0],  # branch [8, 9] does not see branch [7]
        [1, 1, 1, 0, 1, 1],
    ]
    assert step.own_positions[0].tolist() == [3, 4, 5, 6, 6, 7]
    assert keep.tolist() == [0, 1, 2, 3, 5]  # not row 1's first new token: nothing reads its logits
    assert logits_index.tolist() == [[0, 1, 2, 3], [-1, -1, -1, 4]]


def test_block_attention_stays_on_the_device_of_its_input():
    """Regression: block_attention built its column index and identity on the CPU, so the engine failed
    at its first step on a GPU ("Expected all tensors to be on the same device"; found on an H100, where
    `pytest tests/test_cascade.py -k cuda` runs it for real). The meta device stands in for a GPU here:
    mixing it with CPU tensors fails the same way."""
    segment = torch.tensor([[-1, 0, 0, 1, 1, 2]])
    on_meta = block_attention(segment.to("meta"))
    assert on_meta.device.type == "meta"
    assert on_meta.shape == block_attention(segment).shape
