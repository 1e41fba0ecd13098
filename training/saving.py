"""What a training run writes to disk: checkpoints (flushed, and checked before a run resumes from one)
and the adapter bundle.

    callbacks = [flush_checkpoints_callback()]            # each checkpoint fsync'd once the Trainer wrote it
    resume_from = last_complete_checkpoint(output_dir)    # damaged or unfinished checkpoints are skipped
    write_bundle(trainer, tokenizer, schema, output_dir, meta)   # -> output_dir/adapter, written atomically

The bundle (`ADAPTER_DIR`) holds the PEFT adapter, the tokenizer, a copy of the schema, `triage.json`
(the run's metadata: schema fingerprint, data source and fingerprint, settings, metrics) and a model
card. training/train.py builds the metadata and calls these; inference refuses a bundle whose schema
fingerprint is not the one asked for.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from ticket_triage.models import ADAPTER_META, atomic_folder, fsync_tree, safetensors_problem
from ticket_triage.schema import TicketSchema

ADAPTER_DIR = "adapter"


def flush_checkpoints_callback() -> Any:
    """A TrainerCallback that flushes each checkpoint to disk once the Trainer has written it."""
    from transformers import TrainerCallback

    class FlushCheckpoints(TrainerCallback):
        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if checkpoint.is_dir():
                fsync_tree(checkpoint)

    return FlushCheckpoints()


def checkpoint_problem(checkpoint: Path) -> str | None:
    """Why a checkpoint folder cannot be resumed from, or None: what it must hold is read, not assumed.

    The Trainer writes `trainer_state.json` last, but nothing is flushed to disk: after a crash or
    power loss the state file can be whole while the weights beside it are cut off, and resuming
    from that folder then failed on every re-run.
    """
    try:
        json.loads((checkpoint / "trainer_state.json").read_text())
    except (OSError, ValueError):
        return "trainer_state.json missing or cut off"
    weights = sorted(checkpoint.glob("*.safetensors"))
    if not weights:
        return "no weights (*.safetensors)"
    for path in weights:
        if problem := safetensors_problem(path):
            return problem
    for path in sorted(checkpoint.glob("*.pt")) + sorted(checkpoint.glob("*.pth")):
        try:  # torch.save writes a zip, whose index is at the end: a cut-off file has none
            with zipfile.ZipFile(path):
                pass
        except (OSError, zipfile.BadZipFile):
            return f"{path.name}: cut off or not a torch file"
    return None


def last_complete_checkpoint(out_dir: Path) -> str | None:
    """The newest checkpoint a run can resume from; damaged or unfinished ones are skipped, saying why."""
    checkpoints = sorted(out_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]), reverse=True)
    for checkpoint in checkpoints:
        problem = checkpoint_problem(checkpoint)
        if problem is None:
            return str(checkpoint)
        print(f"[train] skipping incomplete {checkpoint}: {problem} (killed while saving?)", flush=True)
    return None


def data_source(train_file: str | Path) -> str:
    """Where the training rows came from: the `triage generate` command when the generator made them
    (its generate.json sits next to the splits), else the file path."""
    manifest = Path(train_file).parent / "generate.json"
    if Path(train_file).name == "train.jsonl" and manifest.is_file():
        try:
            command = json.loads(manifest.read_text(encoding="utf-8"))["command"]
            return f"train split of `{command}`"
        except (OSError, ValueError, KeyError):
            pass  # an unreadable manifest is no reason to fail after training: fall back to the path
    return str(train_file)


def file_fingerprint(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def write_bundle(
    trainer: Any,
    tokenizer: Any,
    schema: TicketSchema,
    out_dir: Path,
    meta: dict[str, Any],
) -> Path:
    """Save adapter + tokenizer + schema + metadata + card atomically to `out_dir/adapter`."""
    target = out_dir / ADAPTER_DIR
    with atomic_folder(target) as tmp:
        trainer.model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if Path(schema.source).is_file():
            shutil.copyfile(schema.source, tmp / "schema.yaml")
        (tmp / ADAPTER_META).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        (tmp / "README.md").write_text(model_card(meta))
    return target


def model_card(meta: dict[str, Any]) -> str:
    metrics = meta.get("metrics") or {}
    rows = "\n".join(f"| {k} | {v} |" for k, v in metrics.items()) or "| (none recorded) | |"
    source = meta["train_file"] if "`" in meta["train_file"] else f"`{meta['train_file']}`"
    return f"""# ticket-triage adapter

LoRA adapter that triages IT-support text into schema-valid JSON tickets.

- base model: `{meta["base_model"]}`
- schema: `{meta["schema_name"]}` (fingerprint `{meta["schema_fingerprint"]}`, copy in `schema.yaml`)
- prompt contract version: {meta["prompt_version"]}
- training data: {source} ({meta["train_rows"]} rows, sha256 prefix `{meta["data_fingerprint"]}`)
- profile: `{meta.get("profile") or "command line"}`, {meta["train_seconds"]:.0f} s of training

## Final training metrics

| metric | value |
|---|---|
{rows}

## Use

```bash
triage predict --model <this folder> "VPN drops every ten minutes"
triage eval --model <this folder> --data data/synthetic/test.jsonl
```
"""


def lora_shape(model: Any, model_args: Any) -> dict[str, Any]:
    """The LoRA the run trained: read from the model (a continued adapter keeps its own), else the flags."""
    config = getattr(model, "peft_config", {}).get("default")
    if config is not None:
        modules = config.target_modules
        return {
            "r": config.r,
            "alpha": config.lora_alpha,
            "dropout": config.lora_dropout,
            "target_modules": sorted(modules) if isinstance(modules, (set, list)) else modules,
        }
    return {
        "r": model_args.lora_r,
        "alpha": model_args.lora_alpha,
        "dropout": model_args.lora_dropout,
        "target_modules": model_args.lora_target_modules,
    }
