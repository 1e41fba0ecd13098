"""Fine-tune a LoRA (or QLoRA) adapter for ticket triage with TRL's SFTTrainer.

Rows are rendered through the shared prompt contract as conversational prompt-completion pairs,
so the loss covers the JSON answer only (TRL's `completion_only_loss`). The YAML profile's keys are
the fields of three dataclasses: `TriageTrainArguments` below, TRL's `SFTConfig` and TRL's
`ModelConfig`; unknown keys fail, and any key can be overridden on the command line.

    triage train --config configs/train/cpu_smollm2.yaml
    triage train --config configs/train/cpu_smollm2.yaml --train_file data/synthetic/train.jsonl \
        --output_dir outputs/try --max_steps 3

The finished adapter bundle lands in `<output_dir>/adapter` (PEFT adapter, tokenizer, schema copy,
`triage.json` metadata, model card). Re-running the same command after a crash or kill resumes from
the last checkpoint in `<output_dir>`. TensorBoard: `tensorboard --logdir <output_dir>/runs`.
"""

# What the run writes (checkpoints, the adapter bundle) is training/saving.py; the trainer itself,
# training/trainer.py; the memory check, training/memory.py.
from __future__ import annotations

import math
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ticket_triage.dataset import DataError, read_rows
from ticket_triage.models import DEFAULT_MODEL, cpu_has_fast_bf16, resolve_model
from ticket_triage.prompt import (
    DEFAULT_MAX_INPUT_TOKENS,
    PROMPT_VERSION,
    answer_text,
    build_messages,
    render_ticket,
    training_examples,
)
from ticket_triage.schema import TicketSchema, load_schema
from training.continued import continued_adapter, sample_replay
from training.saving import (
    data_source,
    file_fingerprint,
    flush_checkpoints_callback,
    last_complete_checkpoint,
    lora_shape,
    write_bundle,
)


@dataclass
class TriageTrainArguments:
    """What the toolkit adds to TRL's SFTConfig and ModelConfig."""

    schema: str | None = field(default=None, metadata={"help": "taxonomy YAML (default: the shipped ITSM taxonomy)"})
    train_file: str = field(default="data/synthetic/train.jsonl", metadata={"help": "training rows (JSONL)"})
    val_file: str | None = field(default=None, metadata={"help": "validation rows (JSONL) for eval loss"})
    explicit_ratio: float = field(
        default=1.0,
        metadata={
            "help": "share of rows trained with the explicit schema prompt that inference shows; the rest use "
            "their short rotated instruction (cheaper without a shared prefix, but not what inference sees)"
        },
    )
    shared_prefix: bool = field(
        default=True,
        metadata={
            "help": "encode the system prompt that a batch's rows share once per batch instead of once per "
            "row (same loss and gradients, with or without activation checkpointing); 3.2x faster on a 2-core "
            "CPU, but slower per step on a big GPU, where it only saves memory (docs/training.md)"
        },
    )
    answer_only_head: bool = field(
        default=True,
        metadata={"help": "run the output head only where the answer is predicted (false: TRL's own loss path)"},
    )
    label_balance: float = field(
        default=0.0,
        metadata={
            "help": "draw rows with rare labels more often: a row's weight is (count of its field's most "
            "common value / count of its value) ** label_balance, for its rarest label; 0 draws uniformly, "
            "0.5 draws a 10x rarer label about 3x as often"
        },
    )
    check_memory: bool = field(
        default=True,
        metadata={
            "help": "estimate the run's peak memory before training and refuse to start when the machine "
            "cannot hold it (instead of being killed half-way)"
        },
    )
    max_input_tokens: int = field(
        default=DEFAULT_MAX_INPUT_TOKENS,
        metadata={"help": "cut ticket texts to this many tokens, as inference does (keeps the answer in max_length)"},
    )
    dequantize_mxfp4: bool = field(
        default=False,
        metadata={"help": "load MXFP4 checkpoints (gpt-oss) dequantised to `dtype`, as their LoRA recipe does"},
    )
    task_eval_samples: int = field(
        default=64,
        metadata={
            "help": "at each evaluation, triage this many validation rows through the inference engine "
            "and log per-field accuracy, macro-F1 and schema-valid rate (0 turns it off)"
        },
    )
    early_stopping_patience: int | None = field(
        default=None,
        metadata={
            "help": "stop after this many evaluations without improvement of metric_for_best_model "
            "(which may be a task metric such as eval_category/accuracy)"
        },
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "use only the first N training rows"})
    max_eval_samples: int | None = field(default=None, metadata={"help": "use only the first N validation rows"})
    resume: str = field(
        default="auto", metadata={"help": "'auto' resumes from the last checkpoint in output_dir, 'never', or a path"}
    )
    init_adapter: str | None = field(
        default=None,
        metadata={
            "help": "continue training this adapter bundle (e.g. on corrections) instead of a new LoRA; its base "
            "model and LoRA shape are used, and it must have been trained on the same schema"
        },
    )
    replay_file: str | None = field(
        default=None,
        metadata={
            "help": "rows of the original training data mixed in (replay), so continued training does not forget"
        },
    )
    replay_ratio: float = field(
        default=1.0, metadata={"help": "replay rows drawn per training row (seeded; all of replay_file if fewer)"}
    )


def fit_to_length(
    tokenizer: Any, schema: TicketSchema, rows: list[dict[str, Any]], max_length: int | None, max_input_tokens: int
) -> list[dict[str, Any]]:
    """Render ticket texts as inference does (`render_ticket`: cut to `max_input_tokens`, control tokens
    escaped) and check the answer still fits.

    TRL truncates a too-long sequence from the end, which would cut the JSON answer: the one part
    the loss is on. So the ticket is cut instead, and a `max_length` too short even for that fails
    here, before any training.
    """
    fitted, longest_text = [], 0
    for row in rows:
        text, length = render_ticket(tokenizer, row["text"], max_input_tokens)
        if text != row["text"]:
            row = {**row, "text": text}
            # decode then encode can shift a token at the cut, so count what will really be trained on
            length = len(tokenizer(text, add_special_tokens=False)["input_ids"])
        fitted.append(row)
        longest_text = max(longest_text, length)
    if not max_length:
        return fitted
    prompt = tokenizer.apply_chat_template(build_messages(schema, ""), tokenize=False, add_generation_prompt=True)
    overhead = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    longest_answer = max(len(tokenizer(answer_text(schema, r["label"]))["input_ids"]) for r in fitted)
    needed = overhead + longest_text + longest_answer + 8  # + end-of-turn tokens
    if needed > max_length:
        raise DataError(
            f"max_length={max_length} is too short: the explicit schema prompt takes {overhead} tokens, the longest "
            f"ticket {longest_text} (max_input_tokens={max_input_tokens}) and the longest answer {longest_answer}; "
            f"raise max_length to {needed} or lower max_input_tokens"
        )
    return fitted


def row_weights(schema: TicketSchema, rows: list[dict[str, Any]], strength: float) -> list[float]:
    """Per row, how much more often it is drawn: (count of the most common value / count of its value) ** strength,
    for the rarest of the row's enum labels. With strength 0 every row weighs 1."""
    counts = {f.name: Counter(r["label"][f.name] for r in rows if f.name in r["label"]) for f in schema.enum_fields}
    weights = []
    for row in rows:
        ratios = [
            max(counts[name].values()) / counts[name][value] for name, value in row["label"].items() if name in counts
        ]
        weights.append(max(ratios, default=1.0) ** strength)
    return weights


def resolve_precision(model_args: Any, sft_args: Any) -> tuple[Any, str]:
    """Resolve `dtype: auto` into weights dtype + mixed precision for this machine; returns (sft_args, what).

    - GPU: bf16 where the GPU computes it natively (Ampere on), fp16 otherwise (T4), with autocast;
    - CPU with AMX or AVX512-BF16: bf16 weights and bf16 autocast (LoRA weights stay fp32);
    - other CPUs: fp32.
    An explicit `dtype` is left as the profile sets it, with its own bf16/fp16 flags.
    """
    import dataclasses

    import torch

    if model_args.dtype != "auto":
        mixed = "bf16 autocast" if sft_args.bf16 else "fp16 autocast" if sft_args.fp16 else "no autocast"
        return sft_args, f"{model_args.dtype} weights, {mixed} (as set)"
    if torch.cuda.is_available():
        bf16 = torch.cuda.is_bf16_supported()
        model_args.dtype = "bfloat16" if bf16 else "float16"
        return dataclasses.replace(sft_args, bf16=bf16, fp16=not bf16), f"{model_args.dtype} on the GPU (dtype auto)"
    if cpu_has_fast_bf16():
        model_args.dtype = "bfloat16"
        # `replace` re-runs the checks of TrainingArguments, which want use_cpu for bf16 without a GPU.
        return (
            dataclasses.replace(sft_args, bf16=True, fp16=False, use_cpu=True),
            "bf16 weights and autocast: this CPU has AMX or AVX512-BF16 (dtype auto)",
        )
    model_args.dtype = "float32"
    return (dataclasses.replace(sft_args, bf16=False, fp16=False), "float32: this CPU has no fast bf16 (dtype auto)")


def total_optimizer_steps(sft_args: Any, rows: int) -> int:
    if sft_args.max_steps and sft_args.max_steps > 0:
        return sft_args.max_steps
    per_step = sft_args.per_device_train_batch_size * sft_args.gradient_accumulation_steps * max(1, sft_args.world_size)
    return max(1, math.ceil(rows / per_step) * math.ceil(sft_args.num_train_epochs))


def fit_warmup(sft_args: Any, steps: int) -> str:
    """Keep the warm-up inside a tenth of the run, so a short run is not spent at a learning rate near 0.

    A linear warm-up starts at 0: with `warmup_steps: 10`, a one-step run never changes the adapter.
    Returns what was changed ("" when nothing was).
    """
    asked = sft_args.get_warmup_steps(steps)
    allowed = steps // 10
    if asked <= allowed:
        return ""
    sft_args.warmup_steps = allowed
    return (
        f"warmup of {asked} step(s) is more than a tenth of this {steps}-step run: using {allowed}, so "
        "the first steps already learn"
    )


def build_model(model_args: Any, base: str, dequantize_mxfp4: bool = False) -> Any:
    """Base model, 4-bit when the profile says so (QLoRA), MXFP4 dequantised when asked (gpt-oss)."""
    import torch
    from transformers import AutoModelForCausalLM
    from trl import get_quantization_config

    dtype = model_args.dtype if model_args.dtype in ("auto", None) else getattr(torch, model_args.dtype)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if model_args.attn_implementation:
        kwargs["attn_implementation"] = model_args.attn_implementation
    quantization_config = get_quantization_config(model_args)
    if dequantize_mxfp4:
        from transformers import Mxfp4Config

        quantization_config = Mxfp4Config(dequantize=True)
        kwargs["use_cache"] = False  # the cache is useless in training and gpt-oss warns without this
    if quantization_config is not None:
        kwargs["quantization_config"] = quantization_config
        if torch.cuda.is_available() and model_args.load_in_4bit:
            kwargs["device_map"] = {"": torch.cuda.current_device()}  # one copy per process (DDP)
    return AutoModelForCausalLM.from_pretrained(base, **kwargs)


def task_metrics_callback(
    schema: TicketSchema, rows: list[dict[str, Any]], tokenizer: Any, max_input_tokens: int
) -> Any:
    """A TrainerCallback that scores the model as it will be used: through the inference engine.

    Loss says little about routing; at each evaluation this triages `rows` (classification only)
    with the model being trained and adds per-field accuracy, macro-F1, exact match and the
    schema-valid rate to the evaluation metrics, so TensorBoard shows them next to the loss and
    `metric_for_best_model` / early stopping can use them (e.g. `eval_category/accuracy`).
    """
    from transformers import TrainerCallback

    from inference.engine import TriageEngine
    from inference.metrics import evaluate

    class TaskMetrics(TrainerCallback):
        trainer: Any = None  # set after the trainer exists: its log() feeds TensorBoard

        def on_evaluate(
            self,
            args: Any,
            state: Any,
            control: Any,
            model: Any = None,
            metrics: dict[str, float] | None = None,
            **kwargs: Any,
        ) -> None:
            engine = TriageEngine(model, tokenizer, schema, max_input_tokens=max_input_tokens)
            scores = evaluate(engine, rows, progress=False)
            model.train()  # the engine switched it to eval mode
            task = {
                f"eval_{k}": v
                for k, v in scores.items()
                if k not in ("n", "tickets_per_s") and not k.startswith("latency")
            }
            if metrics is not None:
                metrics.update(task)  # best-checkpoint selection and early stopping read this dict
            if self.trainer is not None:
                self.trainer.log(task)

    return TaskMetrics()


def check_profile(path: Path, known: set[str]) -> None:
    """A training profile is a YAML mapping of known keys; anything else is a DataError that says where.

    TRL's parser would otherwise answer a missing file or a YAML slip with a traceback, and take a
    misspelt key (`lerning_rate`) without a word, training with the default instead.
    """
    import difflib

    import yaml

    if not path.is_file():
        raise DataError(f"{path}: no such training profile (the shipped ones are in configs/train/)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise DataError(f"{where}: not valid YAML ({getattr(e, 'problem', None) or e})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: a training profile is a mapping of settings (key: value)")
    unknown = [key for key in data if key not in known]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, 1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise DataError(f"{path}: unknown setting(s) {', '.join(hints)}")


def parse_args(argv: list[str] | None) -> tuple[TriageTrainArguments, Any, Any, str | None]:
    import dataclasses

    from trl import ModelConfig, SFTConfig, TrlParser

    argv = list(sys.argv[1:] if argv is None else argv)
    profile = argv[argv.index("--config") + 1] if "--config" in argv[:-1] else None
    classes = (TriageTrainArguments, SFTConfig, ModelConfig)
    if profile is not None:
        check_profile(Path(profile), {f.name for c in classes for f in dataclasses.fields(c)})
    parser = TrlParser(classes, prog="triage train")
    parser.set_defaults(
        model_name_or_path=DEFAULT_MODEL, use_peft=True, report_to="tensorboard", output_dir="outputs/adapter-run"
    )
    try:
        triage_args, sft_args, model_args = parser.parse_args_and_config(argv)
    except ValueError as e:  # transformers' checks of a setting's value, e.g. bf16 on a machine without it
        hint = " (a GPU profile: on a CPU use configs/train/cpu_smollm2.yaml)" if "bf16/gpu" in str(e) else ""
        raise DataError(f"{profile or 'triage train'}: {e}{hint}") from None
    return triage_args, sft_args, model_args, profile


def main(argv: list[str] | None = None, callbacks: list[Any] | None = None) -> int:
    """Train from command-line arguments; `callbacks` adds TrainerCallbacks (benchmarks time steps with one)."""
    triage_args, sft_args, model_args, profile = parse_args(argv)
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import get_peft_config

    from training.memory import check_training_memory, estimate_training_memory
    from training.trainer import TriageSFTTrainer, with_sampling_columns

    # 1. Schema and data, checked before anything heavy is loaded.
    schema = load_schema(triage_args.schema)
    rows = read_rows(triage_args.train_file, schema, triage_args.max_train_samples)
    val_rows = read_rows(triage_args.val_file, schema, triage_args.max_eval_samples) if triage_args.val_file else None
    print(f"[train] {len(rows)} training rows from {triage_args.train_file}, schema {schema.name!r}", flush=True)

    replay: list[dict[str, Any]] = []
    if triage_args.replay_file:
        replay = sample_replay(
            read_rows(triage_args.replay_file, schema), len(rows), triage_args.replay_ratio, sft_args.seed
        )
        print(f"[train] + {len(replay)} replay rows from {triage_args.replay_file}", flush=True)
        rows = rows + replay

    # 2. Model and tokenizer (aliases such as smollm2-135m resolve to a local folder); a continued
    #    adapter brings its own base.
    if triage_args.init_adapter:
        continued = continued_adapter(triage_args.init_adapter, schema)
        model_args.model_name_or_path = continued.triage_meta.get("base_model") or continued.base
    resolved = resolve_model(model_args.model_name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(resolved.base)
    if not tokenizer.chat_template:
        raise DataError(
            f"{model_args.model_name_or_path}: the tokenizer has no chat template; the prompt contract "
            "renders chat messages, so use an instruct/chat model (or add a template to its tokenizer)"
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = fit_to_length(tokenizer, schema, rows, sft_args.max_length, triage_args.max_input_tokens)
    if val_rows:
        val_rows = fit_to_length(tokenizer, schema, val_rows, sft_args.max_length, triage_args.max_input_tokens)
    sft_args, precision = resolve_precision(model_args, sft_args)
    print(f"[train] precision: {precision}", flush=True)
    model = build_model(model_args, resolved.base, triage_args.dequantize_mxfp4)

    # 3. Rows -> prompt-completion through the one prompt contract (loss on the completion only), with
    #    the columns the sampler groups (system prompt) and balances (label rarity) by.
    sft_args.completion_only_loss = True
    examples = training_examples(schema, rows, triage_args.explicit_ratio, seed=sft_args.seed)
    weights = row_weights(schema, rows, triage_args.label_balance) if triage_args.label_balance else None
    train_ds = Dataset.from_list(with_sampling_columns(examples, weights))
    eval_ds = (
        Dataset.from_list(training_examples(schema, val_rows, explicit_ratio=1.0, seed=sft_args.seed))
        if val_rows
        else None
    )

    # 4. Train (resuming from the last checkpoint of an interrupted run), if the machine can hold the run.
    steps = total_optimizer_steps(sft_args, len(rows))
    warmup_note = fit_warmup(sft_args, steps)
    if warmup_note:
        print(f"[train] {warmup_note}", flush=True)
    callbacks = [*(callbacks or []), flush_checkpoints_callback()]
    if val_rows and triage_args.task_eval_samples:
        callbacks.append(
            task_metrics_callback(
                schema, val_rows[: triage_args.task_eval_samples], tokenizer, triage_args.max_input_tokens
            )
        )
    if triage_args.early_stopping_patience:
        from transformers import EarlyStoppingCallback

        # After the task metrics callback, so it sees them in the evaluation metrics.
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=triage_args.early_stopping_patience))
    peft_config = get_peft_config(model_args)
    if triage_args.init_adapter:
        from peft import PeftModel

        # The adapter's own LoRA weights, trainable: TRL trains a PeftModel as it is (no new LoRA).
        model = PeftModel.from_pretrained(model, continued.adapter, is_trainable=True)
        peft_config = None
    trainer = TriageSFTTrainer(
        model=model,
        args=sft_args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
        share_prefix=triage_args.shared_prefix,
        answer_only_head=triage_args.answer_only_head,
    )
    memory = estimate_training_memory(trainer)
    print(f"[train] {steps} optimizer steps; {memory.describe()}", flush=True)
    if triage_args.check_memory:
        check_training_memory(memory)
    for callback in callbacks:
        if hasattr(callback, "trainer"):
            callback.trainer = trainer
    out_dir = Path(sft_args.output_dir)
    resume_from = None
    if triage_args.resume == "auto" and out_dir.is_dir():
        resume_from = last_complete_checkpoint(out_dir)
    elif triage_args.resume not in ("auto", "never"):
        resume_from = triage_args.resume
    if resume_from:
        print(f"[train] resuming from {resume_from}", flush=True)
    start = time.time()
    result = trainer.train(resume_from_checkpoint=resume_from)
    seconds = time.time() - start

    # 5. The adapter bundle: everything inference needs to refuse a mismatched schema.
    metrics = {k: round(v, 4) if isinstance(v, float) else v for k, v in result.metrics.items()}
    if eval_ds is not None:
        metrics.update({k: round(v, 4) for k, v in trainer.evaluate().items() if isinstance(v, float)})
    meta = {
        "base_model": model_args.model_name_or_path,
        "schema_name": schema.name,
        "schema_fingerprint": schema.fingerprint(),
        "prompt_version": PROMPT_VERSION,
        "train_file": (f"first {len(rows)} rows of " if triage_args.max_train_samples else "")
        + data_source(triage_args.train_file),
        "train_rows": len(rows),
        "data_fingerprint": file_fingerprint(triage_args.train_file),
        "profile": profile,
        "train_seconds": seconds,
        # a resumed run's seconds cover only this call; say so rather than under-report silently
        **({"resumed_from": str(resume_from)} if resume_from else {}),
        **({"continued_from": str(triage_args.init_adapter)} if triage_args.init_adapter else {}),
        **({"replay": {"file": data_source(triage_args.replay_file), "rows": len(replay)}} if replay else {}),
        "precision": precision,
        "memory_estimate_gb": round(memory.peak_gb, 2),
        "triage_args": asdict(triage_args),
        "lora": {
            **lora_shape(model, model_args),
            # read from the model, not the flag: proof the base really was quantised
            "load_in_4bit": bool(getattr(model, "is_loaded_in_4bit", False)),
        },
        "metrics": metrics,
    }
    bundle = write_bundle(trainer, tokenizer, schema, out_dir, meta)
    print(f"[train] adapter bundle written to {bundle} ({seconds:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
