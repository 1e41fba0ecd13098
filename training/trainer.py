"""TRL's SFTTrainer, extended at its seams for triage rows: the same loss and gradients for less work.

Every explicit-prompt row starts with the same ~400-token schema prompt, and the loss covers only
the ~60-token JSON answer. TRL's own path re-encodes that prompt for every row and, on devices
without Triton (CPUs), runs the 49k-vocabulary output head over every position. This trainer:

- **shares the prefix** (`compute_loss`): the tokens every row of a batch starts with are encoded
  once, with gradients, so LoRA on the prefix's keys and values still learns; its KV cache is
  repeated for the rows, and each row's ticket and answer run on top of it. Loss and gradients are
  those of the full sequences (tests/test_trainer.py checks it) because every row attends to the
  same prefix keys and values either way. With LoRA dropout, the prefix draws one dropout mask for
  the batch instead of one per row: the same expectation, a little more variance;
- **runs the output head on answer positions only**, on every device (TRL's chunked log-softmax
  kernel, fed only the positions whose label is not -100);
- **batches rows that share a system prompt** (`_get_train_sampler`): rows are grouped by prompt
  style, then by length, so explicit-prompt rows meet in the same batches and little padding is
  computed; optionally rows with rare labels are drawn more often (`sample_weight`), and the batch
  holding the longest row comes first, so a run that cannot fit fails at step 1, not an hour in.

Everything else is TRL's: the dataset preparation, gradient accumulation (`num_items_in_batch`),
resume, callbacks, logging. Where the savings cannot apply the trainer says why once and falls back
to TRL's own `compute_loss`: packing or padding-free batches, MoE router losses, FSDP/DeepSpeed-
sharded heads, losses other than the token NLL, and models whose head rescales its logits in ways the
kernel is not told about. Activation checkpointing works with both savings.

    trainer = TriageSFTTrainer(model=model, args=sft_config, train_dataset=ds, processing_class=tok,
                               peft_config=peft_config)  # ds may carry `prompt_group` / `sample_weight`
"""

from __future__ import annotations

import functools
import os
import random
import types
from typing import Any

import torch
from peft.helpers import disable_input_dtype_casting
from torch.utils.data import Sampler
from transformers import TrainerCallback
from transformers.cache_utils import Cache, DynamicLayer
from trl import SFTTrainer
from trl.kernels import ChunkedLogProbFunction
from trl.trainer.utils import FusedCausalLMOutput

PROMPT_GROUP_COLUMN = "prompt_group"  # rows with the same value share their system prompt
SAMPLE_WEIGHT_COLUMN = "sample_weight"  # relative chance of a row being drawn (label balancing)
# A prefix shorter than this is not worth a second pass through the model.
MIN_SHARED_PREFIX = 16
MEGABATCH = 50  # batches sorted by length together, as transformers' LengthGroupedSampler does
HEAD_CHUNK = 32768  # vocabulary columns per output-head tile, as TRL's fused head uses
# Output rescalings the chunked kernel is not given: a model with one of these keeps TRL's path.
UNSUPPORTED_LOGIT_SCALINGS = ("output_multiplier", "lm_head_multiplier", "logits_scaling")


def shared_prefix_length(input_ids: torch.Tensor, labels: torch.Tensor) -> int:
    """How many leading tokens every row of the batch has in common and may be encoded once.

    It stops one token before the first label of any row: the hidden state that predicts a label
    must be computed in the row's own pass. A batch of one row shares nothing (there is no saving).
    """
    rows = input_ids.shape[0]
    if rows < 2:
        return 0
    differs = (input_ids != input_ids[:1]).any(dim=0)
    common = int(differs.nonzero()[0]) if differs.any() else input_ids.shape[1]
    has_label = (labels != -100).any(dim=0)
    first_label = int(has_label.nonzero()[0]) if has_label.any() else input_ids.shape[1]
    length = min(common, first_label - 1)
    return length if length >= MIN_SHARED_PREFIX else 0


class _PrefixCaptureLayer(DynamicLayer):
    """Takes the prefix's keys and values; replaces rather than appends, so that a checkpointed layer's
    recompute in the backward pass stores the same again instead of doubling the prefix."""

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        self.keys, self.values = key_states, value_states
        return key_states, value_states


class _PrefixReadLayer(DynamicLayer):
    """Puts the prefix's keys and values (one row) in front of every row's own, and stores nothing, so a
    checkpointed layer's recompute reads exactly what its first run read."""

    def __init__(self, keys: torch.Tensor, values: torch.Tensor):
        super().__init__()
        self.lazy_initialization(keys, values)
        self.keys, self.values = keys, values

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        rows = key_states.shape[0]
        keys = torch.cat([self.keys.expand(rows, -1, -1, -1), key_states], dim=-2)
        values = torch.cat([self.values.expand(rows, -1, -1, -1), value_states], dim=-2)
        return keys, values


def add_answer_loss(model: Any) -> None:
    """Let `model(..., labels=..., shared_prefix=P)` compute the answer loss with a shared prefix.

    Patches the causal LM's forward on the instance (TRL's `add_fused_lm_head` seam, which the
    patched forward falls back to when `shared_prefix` is not passed). One forward call does
    everything, so a DDP wrapper sees one forward per backward. Returns TRL's `FusedCausalLMOutput`.

    The prefix's keys and values go from one pass to the other through two caches that never
    append (`_PrefixCaptureLayer`, `_PrefixReadLayer`): a recompute reads and writes what the first
    run did. That is the condition transformers puts on keeping a cache under activation
    checkpointing (`_can_checkpoint_with_cache`), so the decoder layers are told it holds.
    """
    original_forward = model.forward
    config = model.config.get_text_config()
    softcap = getattr(config, "final_logit_softcapping", None)
    logit_scale = getattr(config, "logit_scale", None) or 1.0
    for module in model.modules():
        if hasattr(module, "_can_checkpoint_with_cache"):
            module._can_checkpoint_with_cache = True  # only our idempotent caches reach them in training

    @functools.wraps(type(model).forward)
    def forward(self: Any, *args: Any, shared_prefix: int | None = None, **kwargs: Any) -> Any:
        if shared_prefix is None:
            return original_forward(*args, **kwargs)
        input_ids, attention_mask = kwargs["input_ids"], kwargs.get("attention_mask")
        labels, num_items_in_batch = kwargs["labels"], kwargs.get("num_items_in_batch")
        backbone = self.base_model
        if shared_prefix:
            # The prefix once, with gradients; every row's ticket and answer on top of its keys and values.
            # Full-length cache layers: sliding windows are applied by the attention mask.
            capture = Cache(layer_class_to_replicate=_PrefixCaptureLayer)
            backbone(input_ids=input_ids[:1, :shared_prefix], cache=capture, use_cache=True)
            prefix = Cache(layers=[_PrefixReadLayer(layer.keys, layer.values) for layer in capture.layers])
            hidden = backbone(
                input_ids=input_ids[:, shared_prefix:], attention_mask=attention_mask, cache=prefix, use_cache=True
            ).last_hidden_state
            labels = labels[:, shared_prefix:]  # no label sits in the prefix (shared_prefix_length)
        else:
            hidden = backbone(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
        # Position t predicts token t + 1; only positions that predict an answer token reach the head.
        targets = labels[:, 1:]
        mask = targets != -100
        head = self.get_output_embeddings()
        log_probs, entropy, _, _, is_top1 = ChunkedLogProbFunction.apply(
            hidden[:, :-1][mask].to(head.weight.device),
            head.weight,
            head.bias,
            targets[mask].to(head.weight.device),
            1.0,
            HEAD_CHUNK,
            softcap,
            logit_scale,
            ("entropy", "is_top1"),
        )
        count = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
        return FusedCausalLMOutput(
            loss=-log_probs.sum() / count, log_probs=log_probs, entropy=entropy, is_top1=is_top1, label_mask=mask
        )

    model.forward = types.MethodType(forward, model)


def with_sampling_columns(examples: list[dict[str, Any]], weights: list[float] | None) -> list[dict[str, Any]]:
    """Add the columns the trainer's sampler reads: which system prompt a row has, and its draw weight."""
    groups: dict[str, int] = {}
    out = []
    for i, example in enumerate(examples):
        system = example["prompt"][0]["content"]
        extra = {PROMPT_GROUP_COLUMN: groups.setdefault(system, len(groups))}
        if weights is not None:
            extra[SAMPLE_WEIGHT_COLUMN] = weights[i]
        out.append(example | extra)
    return out


class PromptGroupedSampler(Sampler[int]):
    """Row order for training: rows sharing a system prompt and of similar length in the same batches.

    Each pass shuffles the rows (or, with `weights`, draws as many rows with replacement, in
    proportion to the weights), cuts them into megabatches of `MEGABATCH` batches, sorts each
    megabatch by (prompt group, length), shuffles the batches within it, and moves the batch that
    holds the longest row to the front. Randomness comes from torch's global generator, which the
    Trainer seeds and restores on resume, as its own samplers do.
    """

    def __init__(self, lengths: list[int], groups: list[int], batch_size: int, weights: list[float] | None = None):
        self.lengths, self.groups, self.batch_size = lengths, groups, max(1, batch_size)
        self.weights = torch.tensor(weights, dtype=torch.double) if weights is not None else None

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Any:
        n = len(self.lengths)
        if self.weights is not None:
            order = torch.multinomial(self.weights, n, replacement=True).tolist()
        else:
            order = torch.randperm(n).tolist()
        rng = random.Random(int(torch.randint(0, 2**31, (1,))))
        size = self.batch_size * MEGABATCH
        batches = []
        for start in range(0, n, size):
            mega = sorted(order[start : start + size], key=lambda i: (self.groups[i], -self.lengths[i]))
            chunk = [mega[i : i + self.batch_size] for i in range(0, len(mega), self.batch_size)]
            rng.shuffle(chunk)
            batches += chunk
        longest = max(range(len(batches)), key=lambda b: max(self.lengths[i] for i in batches[b]))
        batches[0], batches[longest] = batches[longest], batches[0]
        return iter([i for batch in batches for i in batch])


class ReturnFreedMemory(TrainerCallback):
    """Hand the memory freed by each step back to the OS (glibc's `malloc_trim`), on CPUs.

    Batches of different lengths free tensors of different sizes, and glibc keeps the holes: in 40
    steps of the CPU profile, RSS grew from 2.8 to 4.5 GB while no step needed more than the first.
    Trimming after every step keeps RSS near the step's own peak, for about 10% more time per step.
    """

    def __init__(self, malloc_trim: Any) -> None:
        self.malloc_trim = malloc_trim  # from glibc_malloc_trim()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.malloc_trim(0)


def glibc_malloc_trim() -> Any:
    """glibc's `malloc_trim`, or None where the C library has none (macOS, musl)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


def keep_trainable_fp32(model: Any) -> int:
    """Cast trainable weights that are not fp32 back to fp32; returns how many were cast.

    TRL casts a quantised model's LoRA weights to bf16 (the QLoRA paper's advice), whatever the run's
    precision. fp16 mixed precision, the only kind a T4 or a 4 GB Turing card has, keeps fp32 master
    weights for its loss scaler, which cannot unscale bf16 gradients: every fp16 QLoRA profile failed
    at its first optimizer step ("_amp_foreach_non_finite_check_and_unscale_cuda" not implemented for
    'BFloat16'; found by scripts/check_gpu_paths.py on an H200).
    """
    cast = 0
    for param in model.parameters():
        if param.requires_grad and param.dtype != torch.float32:
            param.data = param.data.float()
            cast += 1
    return cast


class TriageSFTTrainer(SFTTrainer):
    """SFTTrainer with a shared prompt prefix, an answer-only output head and prompt-grouped batches."""

    def __init__(self, *args: Any, share_prefix: bool = True, answer_only_head: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        args_ = self.args
        if args_.fp16:
            keep_trainable_fp32(self.model)
        config = self.model.config.get_text_config()
        fallback = ""
        if not answer_only_head:
            fallback = "asked for (answer_only_head false)"
        elif args_.packing or args_.padding_free:
            fallback = "packed or padding-free batches"
        elif self.aux_loss_enabled:
            fallback = "the model's MoE router loss"
        elif self.is_fsdp_enabled or self.is_deepspeed_enabled:
            fallback = "a sharded output head (FSDP/DeepSpeed)"
        elif self.label_smoother is not None or args_.loss_type != "nll" or self.compute_loss_func is not None:
            fallback = "a loss other than the plain token NLL"
        elif any(getattr(config, name, None) is not None for name in UNSUPPORTED_LOGIT_SCALINGS):
            fallback = "a model whose head rescales its logits"
        self.answer_loss = not fallback
        self.share_prefix = share_prefix and self.answer_loss
        if fallback:
            print(
                f"[train] TRL's own loss path ({fallback}): no shared prefix, output head on every position", flush=True
            )
        else:
            add_answer_loss(self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model)
        self.shared_tokens = 0  # prompt tokens encoded once instead of once per row, for the benchmark
        if next(self.model.parameters()).device.type == "cpu":
            # Let SDPA repeat the 3 key/value heads itself instead of keeping 9-head copies for the
            # backward pass: 0.5 GB less at the largest CPU batch, no slower. (Not on GPUs: with a mask
            # their SDPA would fall back to the math kernel, which is why transformers leaves it off.)
            os.environ.setdefault("TRANSFORMERS_SDPA_FORCE_GQA", "1")
            malloc_trim = glibc_malloc_trim()
            if malloc_trim is not None:
                self.add_callback(ReturnFreedMemory(malloc_trim))

    def _get_train_sampler(self, train_dataset: Any = None) -> Sampler | None:
        dataset = self.train_dataset
        columns = getattr(dataset, "column_names", None) or []
        if PROMPT_GROUP_COLUMN not in columns:
            return super()._get_train_sampler(train_dataset)
        weights = dataset[SAMPLE_WEIGHT_COLUMN] if SAMPLE_WEIGHT_COLUMN in columns else None
        return PromptGroupedSampler(
            [len(ids) for ids in dataset["input_ids"]],
            dataset[PROMPT_GROUP_COLUMN],
            self.args.per_device_train_batch_size,
            weights,
        )

    def compute_loss(
        self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None
    ) -> Any:
        if return_outputs or not self.answer_loss or "attention_mask" not in inputs:
            return super().compute_loss(
                model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch
            )
        mode = "train" if self.model.training else "eval"
        input_ids, labels = inputs["input_ids"], inputs["labels"]
        prefix = shared_prefix_length(input_ids, labels) if self.share_prefix else 0
        self.shared_tokens += prefix * (input_ids.shape[0] - 1)
        # Under autocast, PEFT would copy every LoRA input to the adapter's fp32 and autocast back to
        # bf16, and keep the copy for the backward pass (~1 GB at the largest CPU batch): autocast casts
        # the small LoRA weights instead.
        mixed = self.args.bf16 or self.args.fp16
        with disable_input_dtype_casting(model, active=mixed):
            outputs = model(
                input_ids=input_ids,
                attention_mask=inputs["attention_mask"],
                labels=labels,
                num_items_in_batch=num_items_in_batch,
                shared_prefix=prefix,
            )
        loss = outputs.loss
        # As TRL's compute_loss: `num_items_in_batch` counts every rank's tokens and DDP averages gradients.
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * (self.accelerator.num_processes // self.get_tp_size())

        # The metrics TRL logs, from the answer positions that were scored.
        gather = self.accelerator.gather_for_metrics
        num_valid = gather(outputs.label_mask.sum()).sum()
        entropy_sum = gather(outputs.entropy.detach().sum()).sum()
        num_correct = gather(outputs.is_top1.sum()).sum()
        self._metrics[mode]["entropy"].append((entropy_sum / num_valid).item() if num_valid > 0 else 0.0)
        self._metrics[mode]["mean_token_accuracy"].append((num_correct / num_valid).item() if num_valid > 0 else 0.0)
        if mode == "train":
            self._total_train_tokens += gather(inputs["attention_mask"].sum()).sum().item() // self._tp_size
        self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
        return loss
