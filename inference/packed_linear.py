"""Linear layers whose weights are laid out once for oneDNN, the CPU's matmul library.

`torch.nn.functional.linear` on a CPU hands oneDNN a plain weight, which it lays out into its blocked
format for every call; a model's weights never change at inference, so that layout can be made once
(what `torch.compile`'s freezing emits for bf16 CPU linears; for fp32 it uses MKL's packing, here
oneDNN's serves both). `python -m inference.packed_linear` times one of SmolLM2's MLP products,
[M, 576] x [576, 1536], over 30 weights in turn; on this project's 2-core EPYC (Zen 4, AVX512-BF16),
plain time / packed time over three runs on a busy host:

| M (tokens in the pass) | 2 (a decoding step) | 16 | 200 (a field's options) | 3200 (reading 16 tickets) |
|---|---|---|---|---|
| bf16 | 1.14-1.59x | 1.37-1.80x | 1.02-1.22x | 1.02-1.17x |
| fp32 | 2.5-3.1x | 1.75-2.0x | 1.11-1.58x | 1.21-1.50x |

and the 49k-row output head at M = 16: 1.6-1.9x (bf16), 3.2-4.1x (fp32). On the AMX host of a lent
GPU machine (a Xeon, 2 cores, torch 2.11, one run) packing paid little and slowed the largest product:
bf16 1.08x, 1.14x, 1.05x, 0.54x; fp32 0.71x, 0.92x, 1.09x, 1.14x (docs/inference.md). In bf16 the
products are bit-identical to the plain ones; in fp32 they round differently (another kernel), and in
both dtypes a row's result is the same whatever the number of rows beside it (from 2 on; the engine
never runs a pass of one token, see `inference.cascade.ONE_TOKEN_PASS`), so the engine's answers still
do not depend on the batch (tests/test_packed_linear.py).

`TriageEngine.load` packs the model it loaded (CPU only). A packed model still runs any forward pass
and `generate`; it can no longer be trained, moved to another device or saved, so a model that is used
for anything else (the training callback's) is never packed.

    from inference.packed_linear import pack_linear_weights
    packed = pack_linear_weights(model)   # in place; how many linear layers were packed (0: left as is)
"""

from __future__ import annotations

import torch

# The row count oneDNN lays the weights out for (any row count runs). On the Zen 4 it picks the same layout
# whatever the hint (AB16b64a2b for 16, 128, 4096 or none, says ONEDNN_VERBOSE=1), so 16 ran as fast as
# any; on AMX the layout may depend on it (`main` compares 16 with 4096).
ROWS_HINT = 16


class PackedLinear(torch.nn.Module):
    """`torch.nn.Linear` for inference on a CPU, its weight in oneDNN's layout (`packed_weight`: an
    opaque tensor of the weight's shape that only oneDNN's linear reads)."""

    def __init__(self, linear: torch.nn.Linear, rows_hint: int = ROWS_HINT):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        weight = linear.weight.detach()
        packed = torch.ops.mkldnn._reorder_linear_weight(weight, rows_hint)  # see ROWS_HINT
        self.register_buffer("packed_weight", packed, persistent=False)
        self.bias = linear.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).contiguous()
        out = torch.ops.mkldnn._linear_pointwise(flat, self.packed_weight, self.bias, "none", [], "")
        return out.view(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def can_pack(model: torch.nn.Module) -> str | None:
    """Why `model`'s linear layers cannot be packed, or None when they can."""
    first = next(model.parameters(), None)
    if first is None:
        return "the model has no weights"
    if first.device.type != "cpu":
        return f"the model is on {first.device.type}, not on a CPU"
    if first.dtype not in (torch.float32, torch.bfloat16):
        return f"{first.dtype} (oneDNN's packed linear takes float32 and bfloat16)"
    if not (torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_reorder_linear_weight")):
        return "this torch has no oneDNN linear"
    if first.dtype == torch.bfloat16 and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return "oneDNN has no bf16 on this CPU"
    if model.training:
        return "the model is in training mode"
    return None


def pack_linear_weights(model: torch.nn.Module, rows_hint: int = ROWS_HINT) -> int:
    """Replace every `torch.nn.Linear` of `model` (a CPU model in eval mode, float32 or bfloat16) by a
    `PackedLinear` laid out for `rows_hint` rows, in place; returns how many were replaced, 0 where
    `can_pack` says no.

    A tied output head gets its own packed copy (the input embedding keeps the plain weight); the other
    layers' plain weights are dropped, so memory stays about the same. Quantised layers (bitsandbytes)
    are not `torch.nn.Linear` and are left as they are."""
    if can_pack(model) is not None:
        return 0
    targets = [(name, module) for name, module in model.named_modules() if type(module) is torch.nn.Linear]
    for name, module in targets:
        model.set_submodule(name, PackedLinear(module, rows_hint))
    return len(targets)


def main() -> None:
    """Time SmolLM2's MLP product plain and packed at the row counts the engine runs: 30 different
    weights in turn, as a model's layers come (one weight alone stays in cache and hides the cost).
    Packed twice: for ROWS_HINT rows (what the engine uses) and for 4096, to show whether the layout
    oneDNN picks depends on that hint on this CPU. Prints a line per (dtype, rows), then one JSON line.

    python -m inference.packed_linear
    """
    import json
    import statistics
    import time

    torch.manual_seed(0)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for dtype in (torch.float32, torch.bfloat16):
        layers = [torch.nn.Linear(576, 1536, bias=False).to(dtype).eval() for _ in range(30)]
        reason = can_pack(layers[0])
        if reason is not None:
            print(f"{dtype}: not packed ({reason})")
            continue
        stacks = {
            "plain": layers,
            "packed": [PackedLinear(layer) for layer in layers],
            "packed_4096": [PackedLinear(layer, rows_hint=4096) for layer in layers],
        }
        for rows in (2, 16, 200, 3200):
            x = torch.randn(rows, 576, dtype=dtype)
            timings = {}
            for name, stack in stacks.items():
                runs = []
                with torch.inference_mode():
                    for _ in range(5):
                        start = time.perf_counter()
                        for layer in stack:
                            layer(x)
                        runs.append((time.perf_counter() - start) / len(stack))
                timings[name] = round(statistics.median(runs) * 1e6, 1)
            results.setdefault(str(dtype).removeprefix("torch."), {})[str(rows)] = timings
            plain = timings["plain"]
            print(
                f"{dtype} rows={rows}: plain {plain:.0f} us, packed {timings['packed']:.0f} us "
                f"({plain / timings['packed']:.2f}x), packed for 4096 rows {timings['packed_4096']:.0f} us "
                f"({plain / timings['packed_4096']:.2f}x)"
            )
    amx = bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())
    print(json.dumps({"benchmark": "packed_linear", "amx": amx, "median_us": results}))


if __name__ == "__main__":
    main()
