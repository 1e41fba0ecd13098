"""Loading a model for the engine: the adapter's checks and settings, the dtype, the weights.

    resolved = resolve_model(default_model())          # ticket_triage.models: the shipped adapter
    check_adapter_schema(resolved, schema)             # an adapter trained on another taxonomy is refused
    model, tokenizer = load_model(resolved, device="cpu", dtype="auto")

`TriageEngine.load` (inference/engine.py) runs these steps and reads the adapter's calibration
(`read_calibration`: temperatures and review thresholds, from `triage calibrate`). `inference_dtype`
says why `auto` is bf16 on CPUs that are fast at it. torch, transformers and peft are imported inside the functions that
need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ticket_triage.models import ResolvedModel, cpu_has_fast_bf16, hub_error_hint, read_json_file
from ticket_triage.schema import SchemaError, TicketSchema

DTYPES = ("auto", "float32", "bfloat16", "float16")
CALIBRATION_FILE = "calibration.json"  # written by `triage calibrate` next to the adapter's weights


def check_adapter_schema(resolved: ResolvedModel, schema: TicketSchema) -> None:
    """Refuse an adapter trained on another taxonomy: its labels would silently mean other things."""
    meta = resolved.triage_meta
    trained = meta.get("schema_fingerprint")
    if trained and trained != schema.fingerprint():
        raise SchemaError(
            f"model {resolved.adapter or resolved.base} was trained on schema {meta.get('schema_name')!r} "
            f"(fingerprint {trained}), but schema {schema.name!r} from {schema.source} "
            f"(fingerprint {schema.fingerprint()}) was asked for; pass the adapter's schema with --schema "
            f"(a copy is in {resolved.adapter or resolved.base}/schema.yaml)"
        )


@dataclass(frozen=True)
class Calibration:
    """What `triage calibrate` wrote next to the weights (calibration.json); empty when it never ran."""

    temperatures: dict[str, float] = field(default_factory=dict)
    # Per-field review thresholds chosen for a promised error rate (`--target-error`), and the promise
    # itself (target, delta, coverage on the calibration split): see inference/risk_control.py.
    review_thresholds: dict[str, float] = field(default_factory=dict)
    promise: dict[str, Any] | None = None


def read_calibration(resolved: ResolvedModel, schema: TicketSchema) -> Calibration:
    """The model folder's calibration.json (`triage calibrate`), if any, for this schema."""
    path = Path(resolved.adapter or resolved.base) / CALIBRATION_FILE
    if not path.is_file():
        return Calibration()
    data = read_json_file(path)
    if data.get("schema_fingerprint") != schema.fingerprint():
        raise SchemaError(
            f"{path} was fitted for another schema (fingerprint {data.get('schema_fingerprint')}); "
            "run `triage calibrate` again"
        )
    fields = data.get("fields", {})
    return Calibration(
        temperatures={name: float(spec["temperature"]) for name, spec in fields.items()},
        review_thresholds={
            name: float(spec["review_threshold"]) for name, spec in fields.items() if "review_threshold" in spec
        },
        promise=data.get("risk_control"),
    )


def review_thresholds_with(
    calibrated: dict[str, float], given: float | dict[str, float] | None
) -> float | dict[str, float] | None:
    """The review thresholds in force: what the caller gave (`--review-threshold`) wins over the
    calibrated ones, which win over the schema's (filled in by `TicketSchema.review_thresholds`)."""
    if isinstance(given, (int, float)) or not calibrated:
        return given
    return calibrated | (given or {})


def feed_output_head_contiguous(model: Any) -> None:
    """Work around a torch CPU slowdown: a bf16 matmul on a strided input ran ~100x slower (0.68 s vs
    6 ms for SmolLM2's output head), and `logits_to_keep` (as `generate` and the engine use it) hands
    the output head a strided slice of the hidden states. Idempotent; a no-op on contiguous input."""
    head = model.get_output_embeddings()
    if head is not None and not getattr(head, "_triage_contiguous", False):
        head.register_forward_pre_hook(lambda module, args: (args[0].contiguous(), *args[1:]))
        head._triage_contiguous = True


def decoder_weight_count(model: Any) -> int:
    """How many weights each token is multiplied by in the decoder layers (the work per token is twice
    that); a packed linear layer (inference/packed_linear.py) keeps its weight as a buffer."""
    weights = [p for n, p in model.named_parameters() if ".layers." in n]
    weights += [b for n, b in model.named_buffers() if ".layers." in n and n.endswith(".packed_weight")]
    return sum(w.numel() for w in weights)


def output_rows(model: Any) -> int:
    """Rows of the model's output head, one logit each (a packed head has no plain `weight`)."""
    head = model.get_output_embeddings()
    return getattr(head, "out_features", None) or head.weight.shape[0]


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse instead of handing it back to the kernel.

    Every forward pass allocates and frees tensors of a few MB (scores, activations, logits); by default
    glibc returns such blocks to the kernel (mmap threshold and heap trimming), so the next pass
    page-faults them back in, zeroed. Measured on the 40-ticket benchmark (2-core CPU, classification
    only): ~300,000 minor page faults and 0.6 s of kernel time per run before, 42,000 and 0.12 s after,
    same peak RSS. The allocation-heavy CPU path of the engine calls this; process-wide (what LD_PRELOAD
    of tcmalloc/jemalloc does for other CPU inference servers); a no-op where malloc is not glibc's.
    Returns whether it took effect."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return False
    if mallopt is None:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    # 32 MB is the largest mmap threshold glibc takes (larger blocks are still mapped and unmapped);
    # setting it also stops glibc from moving it; 1 GB of free heap top is kept before trimming.
    return bool(mallopt(m_mmap_threshold, 32 << 20)) and bool(mallopt(m_trim_threshold, 1 << 30))


def inference_dtype(device: str, dtype: str = "auto") -> Any:
    """The torch dtype to run in. `auto`: bf16 on GPUs that compute it natively (Ampere on), fp16 on
    older GPUs (T4); on a CPU, bf16 where it has AMX or AVX512-BF16, fp32 elsewhere.

    bf16 on a CPU is the default because the engine is batch-invariant there: each row attends with
    the shapes it would have alone (inference/cascade.py), and bf16 matmuls round each row the same
    whatever the number of rows (a one-token pass runs as two). On the benchmark's 40 tickets, every
    ticket and option score came out the same in a batch of 16 or 32 as alone, bit for bit. Before, 7
    of 40 tickets changed, and fp32 was the default. bf16 matmul is 4x fp32 on the 2-core
    AVX512-BF16 machine this was measured on.
    """
    import torch

    if dtype != "auto":
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        return getattr(torch, dtype)
    if device.startswith("cuda"):
        try:
            native_bf16 = torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # older torch has no such argument
            native_bf16 = torch.cuda.is_bf16_supported()
        return torch.bfloat16 if native_bf16 else torch.float16
    return torch.bfloat16 if device == "cpu" and cpu_has_fast_bf16() else torch.float32


def load_model(
    resolved: ResolvedModel, device: str | None = None, load_in_4bit: bool = False, dtype: str = "auto"
) -> tuple[Any, Any]:
    """Load base model (+ merged adapter) and tokenizer for inference."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    kwargs: dict[str, Any] = {"dtype": inference_dtype(device, dtype)}
    if load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=kwargs["dtype"]
        )
    try:
        # A bundle may leave the tokenizer out (the shipped one does): it is the base model's.
        has_tokenizer = resolved.adapter and (Path(resolved.adapter) / "tokenizer_config.json").is_file()
        tokenizer = AutoTokenizer.from_pretrained(resolved.adapter if has_tokenizer else resolved.base)
        lm = AutoModelForCausalLM.from_pretrained(resolved.base, **kwargs)
    except OSError as e:
        raise hub_error_hint(resolved.base, e) from e
    if not load_in_4bit:
        lm = lm.to(device)
    if resolved.adapter:
        from peft import PeftModel

        lm = PeftModel.from_pretrained(lm, resolved.adapter)
        if not load_in_4bit:
            lm = lm.merge_and_unload()  # LoRA folded into the weights: no adapter cost per token
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    feed_output_head_contiguous(lm)
    return lm, tokenizer
