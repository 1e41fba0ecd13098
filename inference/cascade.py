"""Cascade attention for the engine: the shared system prompt attended once, each row's own tokens in a
preallocated KV cache written in place, grouped-query attention without expanding heads, no padding
through the model's matrix multiplies.

Every ticket's prompt starts with the same ~400-token system prompt (the schema). Copying its keys and
values into each row of a batch, and attending to them row by row, was a third of the engine's time.
Here attention is split in two and merged by log-sum-exp (the "cascade" of FlashInfer, Ye et al.
2024, and Hydragen, Juravsky et al. 2024):

- the shared prefix: the keys and values of the system prompt, one copy, batch 1, never copied per
  row. The query heads that share a KV head are folded into the query length (no head expanded);
- each row's own tokens (ticket, answer, options): a [rows, kv_heads, capacity, head_dim] buffer
  allocated once per batch and written in place; it doubles when full, so it is copied O(log n) times,
  not once per forward pass as a cache grown by concatenation is.

The model runs on the real tokens only: the rows' new tokens are flattened into one sequence of
batch 1 (no padding through the linear layers). The attention function scatters them to the rows'
columns, attends, and gathers them back.

On a CPU each row attends alone, with the shapes it would have alone, so a ticket's scores do not
depend on the tickets batched with it (that made bf16 the CPU default); on GPUs all rows attend in
one call per part.

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
_INITIAL_CAPACITY = 512


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
    masks: dict[tuple[str, int | None], Any] = field(default_factory=dict)  # built by the first layer, reused


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
    heads, kv_heads, dim = query.shape[1], key.shape[1], query.shape[-1]
    group = heads // kv_heads
    tokens = query.shape[2]
    if isinstance(cascade, PrefixStep):
        cascade.prefix.keys[layer], cascade.prefix.values[layer] = key, value
        cascade.prefix.length = tokens
        positions = torch.arange(tokens, device=query.device)
        see = positions[:, None] >= positions[None, :]
        if sliding_window:
            see &= positions[:, None] - positions[None, :] < sliding_window
        q = query.reshape(1, kv_heads, group, tokens, dim)
        out, lse = _attend(q, key, value, _mask(see[None], group, query.dtype), scale, softcap)
        parts = [(out[0], lse[0])]
        return _merge(parts, s_aux, kv_heads, group, tokens).to(query.dtype)[None], None

    step = cascade
    copies = tokens - len(step.token_row)  # a lone token comes twice (see `ONE_TOKEN_PASS`)
    if copies:
        query, key, value = query[:, :, :-copies], key[:, :, :-copies], value[:, :, :-copies]
        tokens -= copies
    own_keys, own_values = step.rows.write(
        layer, step.token_row, step.token_slot, key[0].transpose(0, 1), value[0].transpose(0, 1), step.keys_len
    )
    prefix_keys = step.prefix.keys.get(layer) if step.prefix is not None else None

    def masked(name: str, make: Any, *args: Any) -> _Mask:  # the same in every layer with this window
        if (name, sliding_window) not in step.masks:
            step.masks[name, sliding_window] = _mask(make(step, sliding_window, *args), group, query.dtype)
        return step.masks[name, sliding_window]

    parts = []
    if _rows_alone(query.device):
        # Row by row, each exactly as it would run alone (the same shapes, the same keys): the fused
        # CPU kernel's rounding depends on the shapes it is given (measured: one of 40 tickets' scores
        # moved by 0.25 when its prefix queries were folded with other rows'), and a ticket's answer
        # must not depend on the tickets batched with it.
        prefix_parts, own_parts = [], []
        for r, (first, count, start, seen) in enumerate(step.row_spans):
            if not count:
                continue
            q = query[:, :, first : first + count].reshape(1, kv_heads, group, count, dim)
            if prefix_keys is not None:
                mask = masked(f"prefix {r}", _prefix_see, first, count)
                prefix_parts.append(_attend(q, prefix_keys, step.prefix.values[layer], mask, scale, softcap))
            mask = masked(f"own {r}", _own_see, r, start, seen)
            keys, values = own_keys[r : r + 1, :, :seen], own_values[r : r + 1, :, :seen]
            own_parts.append(_attend(q, keys, values, mask, scale, softcap))
        for row_parts in (prefix_parts, own_parts):
            if row_parts:
                parts.append(tuple(torch.cat([p[i] for p in row_parts], dim=3)[0] for i in (0, 1)))
    else:
        # One call for all rows (on GPUs one call beats a loop of small ones): the prefix with every
        # row's queries folded into one matrix per KV head, the own tokens scattered to their rows.
        if prefix_keys is not None:
            q = query.reshape(1, kv_heads, group, tokens, dim)
            mask = masked("prefix", _prefix_see, 0, tokens)
            out, lse = _attend(q, prefix_keys, step.prefix.values[layer], mask, scale, softcap)
            parts.append((out[0], lse[0]))
        mask = masked("own", _own_see, slice(None), 0, step.keys_len)
        parts.append(_own_rows_padded(step, query, own_keys, own_values, group, scale, mask, softcap))
    out = _merge(parts, s_aux, kv_heads, group, tokens).to(query.dtype)
    if copies:
        out = torch.cat([out, out[-1:].expand(copies, -1, -1)])
    return out[None], None


def _rows_alone(device: Any) -> bool:
    """Attend row by row (batch-invariant; on CPUs) or all rows in one call (GPUs)."""
    return device.type == "cpu"


def _fused(device: Any) -> bool:
    """torch's fused CPU flash-attention kernel, which returns the log-sum-exp, or the plain math."""
    return device.type == "cpu"


def _prefix_see(step: CascadeStep, window: int | None, first: int, count: int) -> Any:
    """bool [1, count, prefix_len]: what flat tokens first..first+count see of the shared prefix."""
    import torch

    see = step.prefix_mask[first : first + count]
    if window:
        distance = step.query_positions[first : first + count, None] - torch.arange(see.shape[1], device=see.device)
        see = see & (distance < window)
    return see[None]


def _own_see(step: CascadeStep, window: int | None, row: int | slice, start: int, seen: int) -> Any:
    """bool [rows, block columns from `start`, seen]: what a row's block columns (or every row's: `row`
    a slice) see of its own slots."""
    rows = slice(row, row + 1) if isinstance(row, int) else row
    see = step.own_mask[rows, start:, :seen]
    if window:
        distance = step.block_positions[rows, start:, None] - step.own_positions[rows, None, :seen]
        see = see & (distance < window)
    return see


def _own_rows_padded(
    step: CascadeStep, query: Any, keys: Any, values: Any, group: int, scale: float, mask: _Mask, softcap: Any
) -> tuple[Any, Any]:
    """Attention over each row's own tokens, all rows in one call: the flat tokens scattered to their
    row's block columns, attended, gathered back."""
    kv_heads, dim = keys.shape[1], keys.shape[-1]
    rows, width = step.own_mask.shape[:2]
    q_rows = query.new_zeros((rows, kv_heads * group, width, dim))
    q_rows[step.token_row, :, step.token_col] = query[0].transpose(0, 1)
    out, lse = _attend(q_rows.view(rows, kv_heads, group, width, dim), keys, values, mask, scale, softcap)
    # [rows, kv_heads, group, width, ...] -> the flat tokens, as [kv_heads, group, tokens, ...]
    out = out[step.token_row, :, :, step.token_col].permute(1, 2, 0, 3)
    lse = lse[step.token_row, :, :, step.token_col].permute(1, 2, 0)
    return out, lse


@dataclass
class _Mask:
    """Who sees whom in one attention call, as the kernels take it; built once per forward pass and
    reused by every layer with the same window."""

    see: Any  # bool [batch or 1, 1, group * tokens, keys]
    bias: Any  # the same as an additive mask in the model's dtype; None when every query sees every key
    blind: Any  # bool [batch or 1, 1, group * tokens]: queries that see nothing


def _mask(see: Any, group: int, dtype: Any) -> _Mask:
    """From bool [batch or 1, tokens, keys]: each query's row repeated for the `group` query heads
    that share a KV head (they are folded into the query length)."""
    import torch

    batch, tokens, keys = see.shape
    see = see[:, None, None].expand(-1, 1, group, tokens, keys).reshape(batch, 1, group * tokens, keys)
    bias = None
    if not bool(see.all()):
        bias = torch.zeros(see.shape, dtype=dtype, device=see.device).masked_fill(~see, -torch.inf)
    return _Mask(see, bias, ~see.any(-1))


def _attend(q: Any, k: Any, v: Any, mask: _Mask, scale: float, softcap: float | None) -> tuple[Any, Any]:
    """Softmax attention of q [batch, kv_heads, group, tokens, dim] over k/v [batch, kv_heads, keys, dim]
    where `mask` allows, with its log-sum-exp, so that parts over different keys can be merged. The
    group of query heads that share a KV head is folded into the query length: one matmul per KV head,
    no head expanded. A query that sees nothing gets lse = -inf.

    On a CPU this is torch's fused flash-attention kernel (it returns the log-sum-exp); the plain
    computation took 2x longer there, in its elementwise softmax passes."""
    import torch

    batch, kv_heads, group, tokens, dim = q.shape
    q = q.reshape(batch, kv_heads, group * tokens, dim)
    if _fused(q.device) and not softcap:
        flash = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
        out, lse = flash(q, k, v, 0.0, False, attn_mask=mask.bias, scale=scale)
        lse = lse.masked_fill(mask.blind, -torch.inf)  # the kernel says 0 for a query that sees nothing
    else:
        scores = torch.matmul(q, k.transpose(-1, -2)).float() * scale
        if softcap:
            scores = softcap * torch.tanh(scores / softcap)
        scores = scores.masked_fill(~mask.see, -torch.inf)
        lse = torch.logsumexp(scores, dim=-1)
        weights = torch.exp(scores - lse.nan_to_num(neginf=0.0)[..., None])
        out = torch.matmul(weights.to(v.dtype), v)
    return out.float().view(batch, kv_heads, group, tokens, dim), lse.view(batch, kv_heads, group, tokens)


def _merge(parts: list[tuple[Any, Any]], sinks: Any, kv_heads: int, group: int, tokens: int) -> Any:
    """Combine attention over disjoint sets of keys, each part weighted by exp(its lse - total lse).
    Parts are [kv_heads, group, tokens, dim] and [kv_heads, group, tokens]. `sinks` (GPT-OSS: a learned
    logit per head) is one more term of every softmax, with no value. Returns [tokens, heads, dim]."""
    import torch

    lses = [lse for _, lse in parts]
    if sinks is not None:
        lses.append(sinks.float().reshape(kv_heads, group, 1).expand(-1, -1, tokens))
    total = torch.logsumexp(torch.stack(lses), dim=0)
    out = sum(torch.exp(lse - total)[..., None] * o for o, lse in parts)
    return out.flatten(0, 1).transpose(0, 1)


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
