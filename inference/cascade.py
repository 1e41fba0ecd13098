"""Attention for the engine: the shared system prompt's keys and values kept once, each row's own tokens
in a preallocated KV cache written in place, grouped-query attention without expanding heads, no
padding through the model's matrix multiplies.

Every ticket's prompt starts with the same ~400-token system prompt (the schema). Copying its keys and
values into each row's cache, growing that cache by `torch.cat` on every pass and attending over it
with padding masks was half of the engine's time. Here:

- the shared prefix: the keys and values of the system prompt, one copy (batch 1), computed once per
  engine and never stored per row;
- each row's own tokens (ticket, answer, options): a [rows, kv_heads, capacity, head_dim] buffer
  allocated once per batch and written in place; it doubles when full, so it is copied O(log n) times,
  not once per forward pass as a cache grown by concatenation is;
- the query heads that share a KV head are folded into the query length (no head expanded).

The model runs on the real tokens only: the rows' new tokens are flattened into one sequence of
batch 1 (no padding through the linear layers); the attention function finds each token's row.

On a CPU each query attends over the keys it would have alone: one softmax over [prefix | its row's
own keys]; short rows with the same own key slots share a call, their queries padded (the number of
queries in a matmul does not change a query's result; the number of keys in a softmax does). A
ticket's scores then do not depend on the tickets batched with it (which made bf16 the CPU default).
On GPUs all rows attend in one call: the prefix part is one matmul over every row's queries (the
prefix read once per pass, the "cascade" of FlashInfer and Hydragen), the own part over the rows'
padded buffers.

It plugs into transformers at its seam: `enable(model)` registers `cascade_attention` as an attention
implementation; a forward pass with `cascade=` a `CascadeStep` uses it, any other forward pass of the
same model runs the model's own attention as before. The engine (inference/engine.py) builds the
steps; tests/test_engine.py and tests/test_cascade.py check its scores against plain forward passes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

IMPLEMENTATION = "triage_cascade"
# A pass of one token is fed as two copies of it: in bf16 on a CPU a one-row matmul takes another
# kernel path whose rounding differs (measured: 3 of 20 random 1536x576 products), which would make a
# ticket's last decoding steps depend on whether other rows were still decoding.
ONE_TOKEN_PASS = 2
# On a CPU, rows of at most SHORT_ROW new tokens attend in groups with the same own key slots, in
# blocks of KEY_BUCKET (those a row does not see are hidden), see `_short_row_groups`.
SHORT_ROW = 48
KEY_BUCKET = 128
_INITIAL_CAPACITY = 512  # a multiple of KEY_BUCKET


@dataclass
class SharedPrefix:
    """Keys and values of the system prompt, per layer, batch 1: [1, kv_heads, prefix_len, head_dim]."""

    keys: dict[int, Any] = field(default_factory=dict)
    values: dict[int, Any] = field(default_factory=dict)
    length: int = 0


@dataclass
class RowsCache:
    """Each row's own keys and values after the prefix, per layer: [rows, kv_heads, capacity, head_dim],
    left-aligned per row (inference/kv_batch.py keeps the bookkeeping)."""

    rows: int
    keys: dict[int, Any] = field(default_factory=dict)
    values: dict[int, Any] = field(default_factory=dict)

    def write(self, layer: int, token_row: Any, slot: Any, key: Any, value: Any, end: int) -> tuple[Any, Any]:
        """Write one layer's new keys and values ([tokens, kv_heads, head_dim]) at (row, slot), in place;
        returns the layer's buffers up to slot `end` (views, no copy)."""
        import torch

        held = self.keys.get(layer)
        if held is None or held.shape[2] < end:
            capacity = max(_INITIAL_CAPACITY, end, 2 * (held.shape[2] if held is not None else 0))
            capacity = -(-capacity // KEY_BUCKET) * KEY_BUCKET
            shape = (self.rows, key.shape[1], capacity, key.shape[2])
            keys = torch.zeros(shape, dtype=key.dtype, device=key.device)
            values = torch.zeros(shape, dtype=value.dtype, device=value.device)
            if held is not None:  # the buffer is full: double it (rare, not once per pass)
                keys[:, :, : held.shape[2]] = held
                values[:, :, : held.shape[2]] = self.values[layer]
            self.keys[layer], self.values[layer] = keys, values
        self.keys[layer][token_row, :, slot] = key
        self.values[layer][token_row, :, slot] = value
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]

    def move(self, moves: list[tuple[int, int, int, int]]) -> None:
        """Copy `tokens` slots of `row` from slot `source` to slot `target`, in every layer (a kept
        branch goes right after its row's target, where a lone ticket would have it)."""
        import torch

        moves = [m for m in moves if m[1] != m[2]]
        if not moves or not self.keys:
            return
        device = next(iter(self.keys.values())).device
        row = torch.tensor([r for r, _, _, n in moves for _ in range(n)], device=device)
        source = torch.tensor([s + i for _, s, _, n in moves for i in range(n)], device=device)
        target = torch.tensor([t + i for _, _, t, n in moves for i in range(n)], device=device)
        for layer in self.keys:
            self.keys[layer][row, :, target] = self.keys[layer][row, :, source]
            self.values[layer][row, :, target] = self.values[layer][row, :, source]


@dataclass
class CascadeStep:
    """One forward pass of the engine: where each new token goes and who sees whom.

    The model gets the new tokens flattened (real tokens only, batch 1). `token_row`/`token_col` place
    each one in its row's block (queries, [rows, width]); `token_slot` is where its key and value go in
    its row's own slots.
    """

    rows: RowsCache
    prefix: SharedPrefix | None
    token_row: Any  # long [tokens]
    token_col: Any  # long [tokens]
    token_slot: Any  # long [tokens]
    keys_len: int  # own slots attended this pass (the longest row's)
    own_mask: Any  # bool [rows, width, keys_len]: what each block column sees of its row's own slots
    prefix_mask: Any  # bool [tokens, prefix_len]: what each new token sees of the prefix
    query_positions: Any  # long [tokens]
    block_positions: Any  # long [rows, width]: positions of the block's columns (for sliding windows)
    own_positions: Any  # long [rows, keys_len]: positions of the own slots (for sliding windows)
    row_spans: list[tuple[int, int, int, int]]  # per row: first flat token, tokens, first block column, own slots seen
    masks: dict[tuple[int | None, str], Any] = field(default_factory=dict)  # per (window, what): built once


@dataclass
class PrefixStep:
    """The one forward pass that encodes the system prompt (batch 1) into `prefix`."""

    prefix: SharedPrefix


def enable(model: Any) -> None:
    """Let `model` run cascade steps; every other forward pass keeps the model's own attention."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface

    AttentionInterface.register(IMPLEMENTATION, cascade_attention)
    # Plain passes need the masks of the model's own attention (a cascade pass ignores them).
    AttentionMaskInterface.register(IMPLEMENTATION, _plain_mask)
    config = model.config
    if config._attn_implementation != IMPLEMENTATION:
        # Read back by the attention modules (they hold the same config object) for plain passes.
        config.triage_plain_attention = config._attn_implementation or "eager"
        model.set_attn_implementation(IMPLEMENTATION)


def cascade_attention(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    scaling: float | None = None,
    dropout: float = 0.0,
    cascade: CascadeStep | PrefixStep | None = None,
    sliding_window: int | None = None,
    softcap: float | None = None,
    s_aux: Any = None,
    **kwargs: Any,
) -> tuple[Any, None]:
    """The attention function transformers calls in every layer (query [1, heads, tokens, head_dim],
    key/value [1, kv_heads, tokens, head_dim], RoPE applied); returns [1, tokens, heads, head_dim]."""
    if cascade is None:
        return _plain_attention(module)(
            module, query, key, value, attention_mask, scaling=scaling, dropout=dropout,
            sliding_window=sliding_window, softcap=softcap, s_aux=s_aux, **kwargs,
        )  # fmt: skip
    import torch

    layer = module.layer_idx
    scale = scaling if scaling is not None else query.shape[-1] ** -0.5
    heads, kv_heads = query.shape[1], key.shape[1]
    group = heads // kv_heads
    attend = _Attend(group, scale, softcap, s_aux)
    if isinstance(cascade, PrefixStep):
        # Kept contiguous: as the projections' views (heads strided), every later matmul over them
        # copied them first (in a decoding step of 16 rows, 9 of its ~110 ms on the 2-core Zen 4).
        cascade.prefix.keys[layer], cascade.prefix.values[layer] = key.contiguous(), value.contiguous()
        cascade.prefix.length = tokens = query.shape[2]
        positions = torch.arange(tokens, device=query.device)
        see = positions[:, None] >= positions[None, :]
        if sliding_window:
            see &= positions[:, None] - positions[None, :] < sliding_window
        out = attend.row(_fold(query, group), None, None, key[0], value[0], ~see)
        return _unfold(out, group)[None], None

    step = cascade
    copies = query.shape[2] - len(step.token_row)  # a lone token comes twice (see `ONE_TOKEN_PASS`)
    if copies:
        query, key, value = query[:, :, :-copies], key[:, :, :-copies], value[:, :, :-copies]
    own_keys, own_values = step.rows.write(
        layer, step.token_row, step.token_slot, key[0].transpose(0, 1), value[0].transpose(0, 1), step.keys_len
    )
    prefix = None
    if step.prefix is not None and layer in step.prefix.keys:
        prefix = (step.prefix.keys[layer][0], step.prefix.values[layer][0])
    if (sliding_window, "own") not in step.masks:  # the same in every layer with this window
        step.masks[sliding_window, "prefix"] = _prefix_hidden(step, sliding_window)
        step.masks[sliding_window, "own"] = _own_hidden(step, sliding_window)
    prefix_hidden, own_hidden = step.masks[sliding_window, "prefix"], step.masks[sliding_window, "own"]
    q = _fold(query, group)
    if _rows_alone(query.device):
        # Every row with key shapes that depend on the row only (short rows in groups by key slots,
        # long ones alone): a ticket's answer must not depend on the tickets batched with it, and the
        # CPU kernels' rounding depends on the shapes they are given (measured: a softmax over a row
        # padded with -inf to the batch's longest row differs in the last bit).
        out = torch.empty_like(q)
        if (sliding_window, "short") not in step.masks:
            step.masks[sliding_window, "short"] = _short_row_groups(step, prefix_hidden, own_hidden)
        short = step.masks[sliding_window, "short"]
        if short is not None:
            attend.short_rows(short, q, out, prefix, step.rows.keys[layer], step.rows.values[layer])
        for r, (first, count, _, seen) in enumerate(step.row_spans):
            if count <= SHORT_ROW:  # none, or attended in its group above
                continue
            tokens = slice(first * group, (first + count) * group)
            out[:, tokens] = attend.row(
                q[:, tokens],
                prefix,
                None if prefix_hidden is None else prefix_hidden[first : first + count],
                own_keys[r, :, :seen],
                own_values[r, :, :seen],
                own_hidden[first : first + count, :seen],
            )
    else:
        out = attend.all_rows(step, q, prefix, prefix_hidden, own_keys, own_values, own_hidden)
    out = _unfold(out, group)
    if copies:
        out = torch.cat([out, out[-1:].expand(copies, -1, -1)])
    return out[None], None


def _rows_alone(device: Any) -> bool:
    """Attend with each row's own shapes (batch-invariant; on CPUs) or all rows in one call (GPUs)."""
    return device.type == "cpu"


@dataclass
class _RowGroup:
    """Short rows attended in one call on a CPU: the same number of own key slots (`keys`, a multiple of
    KEY_BUCKET; the slots a row does not see are hidden), queries padded to the group's longest row."""

    rows: Any  # long [rows], or a slice where they are consecutive (their keys are then a view, not a copy)
    start: int  # where its rows' queries begin in `_ShortRows.tokens`
    keys: int
    hidden: Any  # bool [rows, count, keys]: which own key slots each token does not see
    prefix_hidden: Any  # bool [rows, count, prefix_len] likewise for the prefix (sliding windows), or None


@dataclass
class _ShortRows:
    """The short rows of a pass, in groups; the queries of every group one after another, group by group
    and row by row (each row `count` of them, its last token repeated), so each group's are a slice."""

    groups: list[_RowGroup]
    tokens: Any  # long [queries]: the flat token of each query
    real_at: Any  # long: which of `tokens` are not repeats; None: all
    real_tokens: Any  # long: `tokens[real_at]`, where the results go


def _short_row_groups(step: CascadeStep, prefix_hidden: Any, own_hidden: Any) -> _ShortRows | None:
    """Group the short rows of a pass (at most SHORT_ROW new tokens: the options of a field, a decoding
    step) by their own slots seen, rounded up to KEY_BUCKET; a row with fewer new tokens than the
    group's longest repeats its last token (extra queries whose results are dropped).

    The keys a query sees, and so every softmax and every sum over keys, have shapes that depend on the
    row only; in bf16 the number of queries in a matmul does not change a query's result (checked bit for
    bit, groups against each row alone: `tests/test_cascade.py`, and on the 40-ticket benchmark, a batch
    of 16 against one ticket at a time; in fp32 a product over 3 queries rounds apart from one over more),
    so a ticket's answer does not depend on its batch. Row by row, an option pass of 16 rows ran 7 small
    operations per row and layer (~60 of its ~150 ms); grouped by (new tokens, key slots) it still made
    4-8 groups per layer, by key slots alone 1-2. Longer rows (reading a ticket) attend one by one with
    their exact shapes: padding their keys would cost more than the calls it saves."""
    import torch

    device = step.token_row.device
    # Rows of one new token (decoding steps) group apart: padded to more queries, their fp32 matmuls
    # take another path that rounds differently (measured: 5 of 309 random rows off by 2e-7).
    by_keys: dict[tuple[int, bool], list[int]] = {}
    for r, (_, count, _, seen) in enumerate(step.row_spans):
        if 0 < count <= SHORT_ROW:
            by_keys.setdefault((-(-seen // KEY_BUCKET) * KEY_BUCKET, count == 1), []).append(r)
    groups, all_tokens, all_real, start = [], [], [], 0
    for (keys, _), rows in sorted(by_keys.items()):
        spans = [step.row_spans[r][:2] for r in rows]
        width = max(count for _, count in spans)
        tokens = torch.tensor([[first + min(i, count - 1) for i in range(width)] for first, count in spans])
        real = torch.tensor([[i < count for i in range(width)] for _, count in spans])
        tokens, real = tokens.to(device), real.to(device)
        hidden = torch.ones((len(rows), width, keys), dtype=torch.bool, device=device)
        seen = min(keys, own_hidden.shape[1])
        hidden[..., :seen] = own_hidden[tokens][..., :seen]
        prefix_part = None if prefix_hidden is None else prefix_hidden[tokens]
        consecutive = rows == list(range(rows[0], rows[-1] + 1))
        members = slice(rows[0], rows[-1] + 1) if consecutive else torch.tensor(rows, device=device)
        groups.append(_RowGroup(members, start, keys, hidden, prefix_part))
        all_tokens.append(tokens.flatten())
        all_real.append(real.flatten())
        start += tokens.numel()
    if not groups:
        return None
    tokens, real = torch.cat(all_tokens), torch.cat(all_real)
    real_at = None if bool(real.all()) else real.nonzero().squeeze(1)
    return _ShortRows(groups, tokens, real_at, tokens[real])


def _fold(query: Any, group: int) -> Any:
    """[1, heads, tokens, dim] -> [kv_heads, tokens * group, dim]: the query heads that share a KV head
    folded into the query length, token-major, so one token's (or one row's) queries are contiguous and
    no KV head is expanded."""
    _, heads, tokens, dim = query.shape
    return query[0].view(heads // group, group, tokens, dim).transpose(1, 2).reshape(heads // group, -1, dim)


def _unfold(out: Any, group: int) -> Any:
    """[kv_heads, tokens * group, dim] -> [tokens, heads, dim]."""
    kv_heads, _, dim = out.shape
    return out.view(kv_heads, -1, group, dim).transpose(0, 1).reshape(-1, kv_heads * group, dim)


def _prefix_hidden(step: CascadeStep, window: int | None) -> Any:
    """bool [tokens, prefix_len]: what each flat token does not see of the shared prefix; None: it sees all."""
    import torch

    see = step.prefix_mask
    if window:
        see = see & (step.query_positions[:, None] - torch.arange(see.shape[1], device=see.device) < window)
    return None if bool(see.all()) else ~see


def _own_hidden(step: CascadeStep, window: int | None) -> Any:
    """bool [tokens, keys_len]: what each flat token does not see of its row's own slots."""
    see = step.own_mask[step.token_row, step.token_col]
    if window:
        see = see & (step.query_positions[:, None] - step.own_positions[step.token_row] < window)
    return ~see


@dataclass
class _Attend:
    """Softmax attention over [sink | shared prefix | own keys], one softmax per query: scores by a
    matmul in the model's dtype (scaled inside it), masked, normalised (in fp32 inside the softmax
    kernel), times the values. A GPT-OSS sink (a learned logit per head, no value) is one more column.

    Why not torch's fused CPU flash-attention kernel (the first version): it computes bf16 at fp32 speed
    (1.70 ms for 900 queries x 408 keys, in either dtype), where a bf16 matmul, a softmax and a bf16
    matmul take 0.59 ms. The scores are rounded to bf16 (as eager attention does): the shipped adapter's
    accuracy did not move (docs/inference.md)."""

    group: int
    scale: float
    softcap: float | None
    sinks: Any  # [heads] or None

    def _scores(self, q: Any, keys: Any) -> Any:
        """(q @ keys^T) * scale, [kv_heads, queries, keys]."""
        import torch

        scores = torch.baddbmm(q.new_zeros(()), q, keys.transpose(1, 2), beta=0, alpha=self.scale)
        if self.softcap:
            scores = self.softcap * torch.tanh(scores / self.softcap)
        return scores

    def _hide(self, scores: Any, hidden: Any) -> None:
        """-inf where a token does not see a key; `hidden` is [tokens, keys], `scores` [kv_heads,
        tokens * group, keys] (each token's group of query heads shares its row of the mask)."""
        import torch

        kv_heads, _, keys = scores.shape
        scores.view(kv_heads, -1, self.group, keys).masked_fill_(hidden[None, :, None, :], -torch.inf)

    def _softmax(self, scores: Any) -> Any:
        """Softmax over the keys of scores [..., kv_heads, queries, keys], the sink one more term."""
        import torch

        if self.sinks is None:
            return torch.softmax(scores, dim=-1)
        *_, kv_heads, queries, _ = scores.shape
        sink = self.sinks.to(scores.dtype).view(kv_heads, 1, self.group).expand(-1, queries // self.group, -1)
        sink = sink.reshape(kv_heads, queries, 1).expand(*scores.shape[:-1], 1)
        return torch.softmax(torch.cat([sink, scores], dim=-1), dim=-1)[..., 1:].contiguous()

    def row(self, q: Any, prefix: Any, prefix_hidden: Any, keys: Any, values: Any, hidden: Any) -> Any:
        """One row's queries q [kv_heads, tokens * group, dim] over the prefix (keys and values [kv_heads,
        prefix_len, dim], or None; `prefix_hidden` None: all of it seen) and its own keys and values
        [kv_heads, seen, dim]. Returns [kv_heads, tokens * group, dim].

        The prefix and the row's own keys are concatenated for this one call (a transient copy, ~150 KB
        per layer for SmolLM2, never kept): on a CPU, matmuls and a softmax over contiguous operands
        were 10-20% faster than writing both parts into slices of one score matrix (median of 7, bf16:
        441 vs 490 us for a row of 100 tokens, 1.85 vs 2.22 ms for 280)."""
        import torch

        prefix_len = 0
        if prefix is not None:
            prefix_len = prefix[0].shape[1]
            keys, values = torch.cat([prefix[0], keys], dim=1), torch.cat([prefix[1], values], dim=1)
        scores = self._scores(q, keys)
        if prefix_hidden is not None:
            self._hide(scores[..., :prefix_len], prefix_hidden)
        self._hide(scores[..., prefix_len:], hidden)
        return torch.bmm(self._softmax(scores), values)

    def short_rows(self, short: _ShortRows, q: Any, out: Any, prefix: Any, keys: Any, values: Any) -> None:
        """The short rows of a pass (CPU), one call per group of rows with the same key slots: queries from
        q [kv_heads, tokens * group, dim] (flat, token-major), results into `out` (the same layout);
        keys/values: the rows' whole own buffers [rows, kv_heads, capacity, dim]; the shared prefix or None.

        The prefix is neither copied per row nor read per group: its scores are one matmul over every
        group's queries, its values one more after the groups' softmaxes (in bf16 a row's results do not
        depend on how many queries share a matmul). Copied into each row's keys it took 8 of a decoding
        step's 44 ms; read once per group, 2 of the 9 matmuls per layer of a 3-group step."""
        import torch

        kv_heads, _, dim = q.shape
        # index_select and index_copy_, not advanced indexing: the same copies, 2-3x faster for these
        # shapes on a CPU (a decoding step gathers each group's keys and values in every layer).
        queries = q.view(kv_heads, -1, self.group, dim).index_select(1, short.tokens).view(kv_heads, -1, dim)
        results = torch.empty_like(queries)
        prefix_scores = prefix_weights = None
        if prefix is not None:
            prefix_scores = self._scores(queries, prefix[0])  # [kv_heads, queries, prefix_len]
            prefix_weights = torch.empty_like(prefix_scores)
        for rows in short.groups:
            members, length = rows.hidden.shape[:2]
            per_row = length * self.group
            span = slice(rows.start * self.group, rows.start * self.group + members * per_row)
            by_row = queries[:, span].view(kv_heads, members, per_row, dim).transpose(0, 1)
            own_keys, own_values = keys[:, :, : rows.keys], values[:, :, : rows.keys]
            if isinstance(rows.rows, slice):
                own_keys, own_values = own_keys[rows.rows], own_values[rows.rows]
            else:
                own_keys, own_values = own_keys.index_select(0, rows.rows), own_values.index_select(0, rows.rows)
            scores = self._scores(by_row.reshape(members * kv_heads, per_row, dim), own_keys.flatten(0, 1))
            scores = scores.view(members, kv_heads, per_row, rows.keys)
            # Masks go on each part before they are joined: the own part is small and the prefix part is
            # only masked for a sliding window (masking the joined scores took 150 us a group and layer).
            by_token = (members, kv_heads, length, self.group, -1)  # a token's query heads share its mask row
            scores.view(by_token).masked_fill_(rows.hidden[:, None, :, None], -torch.inf)
            prefix_len = 0
            if prefix_scores is not None:
                part = prefix_scores[:, span].view(kv_heads, members, per_row, -1).transpose(0, 1)
                if rows.prefix_hidden is not None:
                    part.view(by_token).masked_fill_(rows.prefix_hidden[:, None, :, None], -torch.inf)
                prefix_len = part.shape[-1]
                scores = torch.cat([part, scores], dim=-1)
            weights = self._softmax(scores)
            result = torch.matmul(weights[..., prefix_len:], own_values)  # [members, kv_heads, per_row, dim]
            results[:, span].view(kv_heads, members, per_row, dim).copy_(result.transpose(0, 1))
            if prefix_weights is not None:
                prefix_weights[:, span].view(kv_heads, members, per_row, -1).copy_(
                    weights[..., :prefix_len].transpose(0, 1)
                )
        if prefix is not None:
            results = torch.baddbmm(results, prefix_weights, prefix[1])
        results = results.view(kv_heads, -1, self.group, dim)
        if short.real_at is not None:
            results = results.index_select(1, short.real_at)
        out.view(kv_heads, -1, self.group, dim).index_copy_(1, short.real_tokens, results)

    def all_rows(
        self, step: CascadeStep, q: Any, prefix: Any, prefix_hidden: Any, keys: Any, values: Any, hidden: Any
    ) -> Any:
        """Every row's queries in one call (on GPUs one call beats a loop of small ones): the prefix part
        one matmul over all queries, the prefix read once; the own part with the queries scattered to
        their rows' block columns (keys and values [rows, kv_heads, keys_len, dim]) and gathered back."""
        import torch

        kv_heads, queries, _ = q.shape
        rows, width = step.own_mask.shape[:2]

        def to_rows(flat: Any) -> Any:  # [kv_heads, tokens * group, n] -> [rows, kv_heads, width * group, n]
            n = flat.shape[-1]
            blocks = flat.new_zeros((rows, width, kv_heads, self.group, n))
            blocks[step.token_row, step.token_col] = flat.view(kv_heads, -1, self.group, n).transpose(0, 1)
            return blocks.permute(0, 2, 1, 3, 4).reshape(rows, kv_heads, width * self.group, n)

        def to_flat(blocks: Any) -> Any:  # the inverse of to_rows
            n = blocks.shape[-1]
            picked = blocks.view(rows, kv_heads, width, self.group, n)[step.token_row, :, step.token_col]
            return picked.transpose(0, 1).reshape(kv_heads, queries, n)

        rows_q = to_rows(q)
        own = self._scores(rows_q.flatten(0, 1), keys.flatten(0, 1)).view(*rows_q.shape[:-1], keys.shape[2])
        own = to_flat(own)
        self._hide(own, hidden)
        if prefix is None:
            return to_flat(torch.matmul(to_rows(self._softmax(own)), values))
        scores = self._scores(q, prefix[0])
        if prefix_hidden is not None:
            self._hide(scores, prefix_hidden)
        prefix_len = scores.shape[-1]
        weights = self._softmax(torch.cat([scores, own], dim=-1))
        out = to_flat(torch.matmul(to_rows(weights[..., prefix_len:]), values))
        return torch.baddbmm(out, weights[..., :prefix_len], prefix[1])


def _plain_mask(**kwargs: Any) -> Any:
    from transformers.masking_utils import AttentionMaskInterface

    name = getattr(kwargs["config"], "triage_plain_attention", "eager")
    mask_function = AttentionMaskInterface._global_mapping.get(name, AttentionMaskInterface._global_mapping["eager"])
    return mask_function(**kwargs)


def _plain_attention(module: Any) -> Any:
    """The model's own attention, for forward passes that are not engine steps."""
    from transformers import AttentionInterface

    name = getattr(module.config, "triage_plain_attention", "eager")
    if name != "eager" and name in AttentionInterface._global_mapping:
        return AttentionInterface._global_mapping[name]
    return sys.modules[type(module).__module__].eager_attention_forward
