"""The engine's batch layout (inference/kv_batch.py): the block each forward pass feeds, its tree-shaped
mask and the branch tokens' log-probabilities, on hand-made tensors."""

from __future__ import annotations

import pytest
import torch

from inference.kv_batch import block_attention, branch_token_logprobs, pack_block


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
    logits = torch.randn(1, 3, 5)
    last = torch.randn(1, 5)
    # one branch of tokens [2, 4] in block columns 1-2 (offset 0): token 2 from `last`, token 4 from column 1
    got = branch_token_logprobs(logits, last, [[[2, 4]]], [[(1, 3)]], offset=0)
    want = [torch.log_softmax(last[0], -1)[2].item(), torch.log_softmax(logits[0, 1], -1)[4].item()]
    assert got == pytest.approx(want, abs=1e-6)
