"""`triage`: one console script, one subcommand per stage.

Each subcommand is the `main(argv)` of its stage module, imported only when that subcommand runs, so
`triage --help` answers instantly (no torch or transformers on that path).

    triage --help
    triage schema
    triage generate --n 2000 --seed 1 --out data/synthetic
    triage train --config configs/train/cpu_smollm2.yaml
    triage predict "VPN drops every ten minutes"
"""

from __future__ import annotations

import importlib
import logging
import sys

# subcommand -> (module whose main(argv) runs it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("triage.demo", "the whole job end to end on the offline model: generate, train, eval, predict"),
    "schema": ("ticket_triage.schema", "print the JSON Schema in force (or the prompt text, or validate a ticket)"),
    "generate": ("generating.synthetic", "write synthetic train/val/test JSONL from the schema"),
    "import": ("generating.importer", "bring a CSV/JSONL ITSM export into the JSONL format"),
    "data": ("generating.stats", "inspect datasets: `triage data stats DIR`, `triage data rebalance ...`"),
    "train": ("training.train", "fine-tune a LoRA/QLoRA adapter from a YAML profile"),
    "merge": ("training.merge", "fold an adapter into its base model for serving engines"),
    "predict": ("inference.predict", "triage tickets to schema-valid JSON"),
    "eval": ("inference.evaluate", "score models on a labelled JSONL split: metrics, report, plots, side by side"),
    "baseline": ("inference.baselines", "classic baselines: TF-IDF or MiniLM embeddings + logistic regression"),
    "calibrate": ("inference.calibrate", "fit confidence temperatures; review thresholds for a promised error rate"),
    "serve": ("inference.service", "the triage API and a web page (FastAPI): micro-batched, metrics, drift"),
    "review": ("feedback.review", "review queue to Label Studio/Argilla/CSV, corrections back, label-noise suspects"),
    "drift": ("inference.drift", "PSI of predicted labels, confidences and review rate: reference vs new predictions"),
    "export": ("integrations.export", "prediction results -> ServiceNow, Jira, Zoho Desk or SDP create/update calls"),
    "outbox": ("integrations.outbox", "list or replay the write-back calls of `triage serve --integration`"),
    "model": ("ticket_triage.models", "resolve a model name (converts the offline default once)"),
}


# Commands that were folded into others: one command per job.
MOVED = {
    "compare": "`triage eval --data FILE --model A --model B` prints the side-by-side table (--json, --out)",
}


def usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    return (
        "usage: triage <command> [options]\n\n"
        "Turn raw IT-support text into a strict, schema-valid JSON ticket.\n\n"
        "commands:\n" + "\n".join(lines) + "\n\n`triage <command> --help` shows a command's options."
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command in MOVED:
        print(f"triage: `triage {command}` is gone: {MOVED[command]}", file=sys.stderr)
        return 2
    if command not in COMMANDS:
        print(f"triage: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    if command == "data" and rest and rest[0] == "stats":
        rest = rest[1:]  # `triage data stats X` is the stats module's default action
    # bitsandbytes warns on every CPU import that an optional hub-downloaded kernel is missing; its
    # pure-PyTorch 4-bit path works (the QLoRA test runs it), so the warning only adds noise.
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
    from ticket_triage.dataset import DataError
    from ticket_triage.models import ModelNotFoundError
    from ticket_triage.schema import SchemaError
    from training.memory import NotEnoughMemoryError

    module = importlib.import_module(COMMANDS[command][0])
    try:
        return int(module.main(rest) or 0)
    except (SchemaError, DataError, ModelNotFoundError, NotEnoughMemoryError) as e:
        # Bad input or a run too big for the machine, not a bug: the message names the file, line, field or
        # setting to change; a traceback adds nothing.
        print(f"triage {command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
