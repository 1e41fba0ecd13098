"""Peak memory of a training run, estimated before the first step; a run that cannot fit is refused.

Without this, a run too big for the machine is killed by the kernel part-way with nothing but
`Killed` (or dies with CUDA out of memory an hour in). The estimate is made once the model is loaded
and the data tokenised, so the biggest terms are read, not guessed:

    peak = memory in use now (weights, tokenised data, libraries)
         + gradients and AdamW states of the trainable (LoRA) weights
         + the activations the largest batch keeps for the backward pass

The sampler puts the batch with the longest row first, so if the estimate is wrong the run fails
at step 1, not at the end. The activation term is per token and layer, `ACTIVATION_FACTOR x (hidden
+ intermediate size) x bytes of the compute dtype`, plus the attention scores where the attention
kernel keeps them; ACTIVATION_FACTOR was measured on SmolLM2-135M with LoRA on every linear layer
(`scripts/benchmark_training.py` prints the measured and estimated peaks side by side).

    estimate = estimate_training_memory(trainer)     # after TriageSFTTrainer(...) is built
    print(estimate.describe())
    check_training_memory(estimate)                   # raises NotEnoughMemoryError with what to lower
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

GB = 1024**3
# Peak memory per token and layer of the largest batch, in units of (hidden + intermediate) x dtype
# bytes: what the backward pass keeps (inputs of the linear layers, fp32 norm inputs, MLP activations,
# keys and values) plus what the allocator holds on to between them (glibc keeps ~1.8x the live
# activations resident on CPU). Measured as peak RSS on SmolLM2-135M, LoRA r=16 on every linear
# layer, bf16, batches of 8 rows of 130 and 325 tokens on the shared prefix.
ACTIVATION_FACTOR = 12.0
CHECKPOINTED_LAYER_SHARE = 1 / 3  # of ACTIVATION_FACTOR, for a layer under activation checkpointing
ADAM_BYTES_PER_TRAINABLE = 16  # fp32 weight gradient + two fp32 AdamW moments + fp32 master copy slack
HEADROOM = 0.9  # leave a tenth of what the machine has for the allocator and everything else


class NotEnoughMemoryError(RuntimeError):
    """The run's estimated peak memory is more than the machine can give; the message says what to lower."""


@dataclass
class MemoryEstimate:
    device: str  # "cpu" (RAM) or "cuda:N"
    in_use_gb: float  # what the process holds now: weights, tokenised data, libraries
    optimizer_gb: float  # gradients and AdamW states of the trainable weights
    activations_gb: float  # what the largest batch keeps for the backward pass
    available_gb: float  # what the machine can still give this process
    largest_batch: str  # how the largest batch was counted, for the message

    @property
    def peak_gb(self) -> float:
        return self.in_use_gb + self.optimizer_gb + self.activations_gb

    @property
    def fits(self) -> bool:
        return self.optimizer_gb + self.activations_gb <= HEADROOM * self.available_gb

    def describe(self) -> str:
        where = "RAM" if self.device == "cpu" else f"{self.device} memory"
        return (
            f"estimated peak {where} {self.peak_gb:.1f} GB = {self.in_use_gb:.1f} in use now + "
            f"{self.optimizer_gb:.2f} optimizer + {self.activations_gb:.1f} activations "
            f"({self.largest_batch}); {self.available_gb:.1f} GB more available"
        )


def largest_batch_tokens(lengths: list[int], batch_size: int, shared_prefix: int) -> tuple[int, int]:
    """(tokens through the layers, longest query length) for the batch of the `batch_size` longest rows."""
    longest = sorted(lengths, reverse=True)[: max(1, batch_size)]
    rows = len(longest)
    if shared_prefix and rows > 1:
        suffix = max(longest) - shared_prefix
        return shared_prefix + rows * suffix, suffix
    return rows * max(longest), max(longest)


def estimate_training_memory(trainer: Any) -> MemoryEstimate:
    """The run's peak memory on its device, from the loaded model and the tokenised training data."""
    import torch

    from training.trainer import shared_prefix_length

    model, args = trainer.model, trainer.args
    device = next(model.parameters()).device
    config = model.config.get_text_config()
    hidden = config.hidden_size
    intermediate = getattr(config, "intermediate_size", None) or 4 * hidden
    layers = config.num_hidden_layers
    heads = config.num_attention_heads
    dtype = torch.bfloat16 if args.bf16 else torch.float16 if args.fp16 else next(model.parameters()).dtype
    act_bytes = torch.finfo(dtype).bits // 8

    lengths = [len(ids) for ids in trainer.train_dataset["input_ids"]]
    batch = args.per_device_train_batch_size
    prefix = 0
    if getattr(trainer, "share_prefix", False) and batch > 1:
        # What the explicit prompt's rows share: measured on the two longest rows of the largest group.
        order = sorted(range(len(lengths)), key=lengths.__getitem__, reverse=True)[:2]
        if len(order) == 2:
            rows = [trainer.train_dataset[i] for i in order]
            padded = trainer.data_collator([{"input_ids": r["input_ids"], "labels": r["labels"]} for r in rows])
            prefix = shared_prefix_length(padded["input_ids"], padded["labels"])
    tokens, query = largest_batch_tokens(lengths, batch, prefix)
    keys = max(lengths)
    # Layers below the lowest trainable one keep nothing for the backward pass (nothing there needs a gradient).
    trainable_layers = [
        int(m.group(1))
        for name, p in model.named_parameters()
        if p.requires_grad and (m := re.search(r"layers\.(\d+)\.", name))
    ]
    layers = layers - min(trainable_layers, default=0)
    # A checkpointed layer keeps only its input and recomputes the rest in the backward pass, but at
    # the peak it still costs about a third of a stored layer (measured on SmolLM2-135M: the recompute,
    # the autograd engine's working tensors and the allocator's slack within the step).
    every = (args.activation_checkpointing_kwargs or {}).get("every_n_layers", 1)
    checkpointed = math.ceil(layers / every) if args.activation_checkpointing else 0
    per_layer = ACTIVATION_FACTOR * (hidden + intermediate) * act_bytes
    per_token = per_layer * (layers - checkpointed + CHECKPOINTED_LAYER_SHARE * checkpointed)
    rows = min(batch, len(lengths))
    # Eager attention keeps every layer's score matrix; SDPA's flash kernels do not.
    eager = getattr(config, "_attn_implementation", "sdpa") == "eager"
    scores = rows * heads * query * keys * act_bytes * (layers - checkpointed + 1) if eager else 0
    activations = tokens * per_token + scores
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = trainable * ADAM_BYTES_PER_TRAINABLE
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        in_use = torch.cuda.memory_allocated(device)
        available = free
    else:
        import psutil

        in_use = psutil.Process().memory_info().rss
        available = psutil.virtual_memory().available
    shape = f"{rows} rows of up to {max(lengths)} tokens" + (f", {prefix} shared" if prefix else "")
    return MemoryEstimate(
        device=str(device),
        in_use_gb=in_use / GB,
        optimizer_gb=optimizer / GB,
        activations_gb=activations / GB,
        available_gb=available / GB,
        largest_batch=shape,
    )


def check_training_memory(estimate: MemoryEstimate) -> None:
    """Refuse a run whose estimate does not fit, naming the settings that lower it."""
    if estimate.fits:
        return
    need = estimate.optimizer_gb + estimate.activations_gb
    raise NotEnoughMemoryError(
        f"this run would need about {math.ceil(need * 10) / 10:.1f} GB more, but the machine has "
        f"{estimate.available_gb:.1f} GB available ({estimate.describe()}). Lower it with a smaller "
        "--per_device_train_batch_size (raise --gradient_accumulation_steps to keep the effective batch), "
        "--max_input_tokens (shorter tickets), --activation_checkpointing true, or --dtype bfloat16 "
        "where the hardware has it; or free memory. --check_memory false skips this check."
    )
