"""The batch the engine decodes: one row per ticket over the shared system prompt and its own cached
tokens, and the block of new tokens each forward pass adds to it.

A `Batch` keeps, per row, how much of the shared prompt it sees and the token ids it has; its own
keys and values sit left-aligned in the cache, where the row alone would have them. A forward pass
feeds a block: each row's new target tokens, then every option to score as a branch of that row,
all but its last token (`pack_block`), all branches starting at the same position;
`block_attention` is the tree-shaped mask (causal, each branch sees the target but not the other
branches); `plan_step` turns the block into the cascade step the attention runs
(inference/cascade.py): the real tokens flattened, each one's slot, who sees whom; and
`branch_token_logprobs` reads every branch token's log-probability from the logits at once. The
engine's `_advance` (inference/engine.py) puts them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inference.cascade import CascadeStep, SharedPrefix


@dataclass
class Batch:
    """Decoding state of a batch: one row per ticket over the shared system prompt and its own tokens.

    A row's own keys and values sit left-aligned in `cache` (slot s holds its token number
    `shared + s`), whatever else is in the batch: a ticket's numbers do not depend on its company."""

    cache: Any  # inference.cascade.RowsCache
    shared: list[int]  # per row: how many tokens of the shared prefix it sees
    ids: list[list[int]]  # per row: the token ids it sees, in order (prefix part, then own slots)
    last_logits: Any  # float [rows, vocab]: what follows each row's last visible token

    def own_lengths(self) -> list[int]:
        return [len(ids) - shared for ids, shared in zip(self.ids, self.shared)]


@dataclass
class _Block:
    """The new tokens of one `_advance` call, right-aligned in a (rows, width) block."""

    input_ids: Any  # token ids, padding where a row is shorter
    positions: Any  # each token's position in its row's sequence (branches all start at the same one)
    segment: Any  # -1 padding, 0 the target's new tokens, k > 0 the k-th branch
    branch_spans: list[list[tuple[int, int]]]  # per row, the block columns [start, end) of each branch


def pack_block(news: list[list[int]], branches: list[list[list[int]]], seen: list[int], pad: int) -> _Block:
    """Lay out each row's new target tokens and then its branches, right-aligned, so that every row's
    last token is in the last column and the logits every row needs are in the last few columns.
    `seen[r]` is how many tokens row r already has visible: its new tokens' positions continue from it."""
    import torch

    contents = [new + [t for b in bs for t in b] for new, bs in zip(news, branches)]
    rows, width = len(contents), max(len(c) for c in contents)
    input_ids = torch.full((rows, width), pad, dtype=torch.long)
    positions = torch.zeros((rows, width), dtype=torch.long)
    segment = torch.full((rows, width), -1, dtype=torch.long)
    branch_spans: list[list[tuple[int, int]]] = []
    for r, (new, content) in enumerate(zip(news, contents)):
        start = width - len(content)
        input_ids[r, start:] = torch.tensor(content, dtype=torch.long)
        positions[r, start : start + len(new)] = torch.arange(seen[r], seen[r] + len(new))
        segment[r, start : start + len(new)] = 0
        spans = []
        at = start + len(new)
        for k, b in enumerate(branches[r], 1):
            # Every branch starts at the same position: each is read as if it were the only one.
            positions[r, at : at + len(b)] = torch.arange(seen[r] + len(new), seen[r] + len(new) + len(b))
            segment[r, at : at + len(b)] = k
            spans.append((at, at + len(b)))
            at += len(b)
        branch_spans.append(spans)
    return _Block(input_ids, positions, segment, branch_spans)


def plan_step(batch: Batch, block: _Block, prefix: SharedPrefix, device: Any) -> tuple[CascadeStep, Any, Any, Any]:
    """The cascade step (inference/cascade.py) that feeds `block` on top of `batch`: the real tokens
    flattened, each placed in its row's own slots after what the row already has, and who sees whom.
    Also returns the flat input ids, the flat indices of the tokens whose logits must come back (each
    row's last new target token and every branch token: nothing else is read, and the output head
    over a 49k vocabulary is the costliest matmul of an option pass), and `logits_index` [rows, width]:
    where in those logits each block column is (-1: not computed)."""
    import torch

    segment, positions = block.segment.to(device), block.positions.to(device)
    rows, width = segment.shape
    real = segment >= 0
    token_row, token_col = real.nonzero(as_tuple=True)  # the model runs on real tokens only
    lengths = real.sum(dim=1).tolist()
    own = batch.own_lengths()
    # Row r's block column c goes to own slot own[r] + c - start[r] (its content is right-aligned).
    slot_shift = torch.tensor([own[r] - (width - lengths[r]) for r in range(rows)], device=device)
    token_slot = token_col + slot_shift[token_row]
    keys_len = max(o + n for o, n in zip(own, lengths))
    see_new = block_attention(segment)
    own_mask = torch.zeros((rows, width, keys_len), dtype=torch.bool, device=device)
    own_positions = torch.arange(keys_len, device=device) + torch.tensor(batch.shared, device=device)[:, None]
    for r in range(rows):
        own_mask[r, :, : own[r]] = True
        own_mask[r, :, own[r] : own[r] + lengths[r]] = see_new[r, :, width - lengths[r] :]
    query_positions = positions[token_row, token_col]
    own_positions[token_row, token_slot] = query_positions  # branches share positions, not slots
    shared = torch.tensor(batch.shared, device=device)
    prefix_mask = torch.arange(prefix.length, device=device) < shared[token_row, None]
    target = segment == 0
    last_target = target & ~torch.nn.functional.pad(target[:, 1:], (0, 1), value=False)
    keep = ((segment > 0) | last_target)[token_row, token_col].nonzero(as_tuple=True)[0]
    logits_index = torch.full((rows, width), -1, dtype=torch.long, device=device)
    logits_index[token_row[keep], token_col[keep]] = torch.arange(len(keep), device=device)
    step = CascadeStep(
        rows=batch.cache,
        prefix=prefix,
        token_row=token_row,
        token_col=token_col,
        token_slot=token_slot,
        keys_len=keys_len,
        own_mask=own_mask,
        prefix_mask=prefix_mask,
        query_positions=query_positions,
        block_positions=positions,
        own_positions=own_positions,
        row_spans=[(sum(lengths[:r]), lengths[r], width - lengths[r], own[r] + lengths[r]) for r in range(rows)],
    )
    return step, block.input_ids.to(device)[token_row, token_col], keep, logits_index


def block_attention(segment: Any) -> Any:
    """(rows, width, width) which block column each column sees: causal, within its own branch or the
    target, never padding; a padding column sees itself, so no row of the mask is empty."""
    import torch

    width = segment.shape[1]
    real = segment >= 0
    column = torch.arange(width, device=segment.device)
    causal = column[None, :, None] >= column[None, None, :]
    same_branch = (segment[:, None, :] == 0) | (segment[:, None, :] == segment[:, :, None])
    see = causal & same_branch & real[:, :, None] & real[:, None, :]
    return see | (torch.eye(width, dtype=torch.bool, device=segment.device) & ~real[:, :, None])


def branch_token_logprobs(
    logits: Any,
    logits_index: Any,
    last_logits: Any,
    branches: list[list[list[int]]],
    spans: list[list[tuple[int, int]]],
) -> list[float]:
    """The log-probability of every branch token, row by row and branch by branch. A branch's tokens
    but its last were fed in block columns `spans[r][k]` = [s, s + len(branch) - 1): its first token
    is read from the logits of what precedes it (`last_logits`), token i from its fed token i - 1, in
    block column s + i - 1 (block column c of row r is `logits[logits_index[r, c]]`; `logits` None:
    nothing was fed). Gathered at once."""
    import torch

    where, tokens = [], []  # (row, block column, or -1 for last_logits), token
    for r in range(len(branches)):
        for b, (s, _) in zip(branches[r], spans[r]):
            where.extend([(r, -1)] + [(r, s + i) for i in range(len(b) - 1)])
            tokens.extend(b)
    device = last_logits.device
    rows_index = torch.tensor([w[0] for w in where], device=device)
    token_index = torch.tensor(tokens, device=device)
    from_last = last_logits[rows_index, token_index] - row_logsumexp(last_logits)[rows_index]
    if logits is None:
        return from_last.tolist()
    cols_index = torch.tensor([max(w[1], 0) for w in where], device=device)
    flat_index = logits_index[rows_index, cols_index].clamp(min=0)
    from_block = logits[flat_index, token_index].float() - float_logsumexp(logits)[flat_index]
    is_first = torch.tensor([w[1] < 0 for w in where], device=device)
    return torch.where(is_first, from_last, from_block).tolist()


def float_logsumexp(logits: Any, rows_at_once: int = 16) -> Any:
    """logsumexp over the vocabulary in fp32, `rows_at_once` rows at a time. The whole block in fp32 is
    ~45 MB for 230 rows of a 49k vocabulary: glibc maps an allocation that large afresh each time (page
    faults) and no cache holds it; 16 rows at a time stay in cache. Measured on this project's 2-core
    EPYC for 232 bf16 rows: 29 ms whole (12 ms of it the fp32 copy) against 6-9 ms in slices, the same
    values (bf16 to fp32 is exact)."""
    import torch

    return torch.cat([row_logsumexp(part.float()) for part in logits.split(rows_at_once)])


def row_logsumexp(x: Any) -> Any:
    """logsumexp over the last dimension of x [rows, n], each row reduced the same way whatever the
    number of rows. On a CPU torch splits a lone row's sum between its threads (another order of
    additions; with several rows, each row is summed whole by one thread): 3 of 200 random rows of a 49k
    vocabulary came out a bit apart alone, and a ticket's option scores moved by 2e-6 between
    `predict` and `predict_batch`. A lone row is reduced as two copies of itself."""
    import torch

    if x.shape[0] == 1:
        return torch.logsumexp(x.expand(2, -1).contiguous(), dim=-1)[:1]
    return torch.logsumexp(x, dim=-1)


def common_prefix_length(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n
