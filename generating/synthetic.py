"""Seeded synthetic IT-support tickets: base situations x phrasings x noise -> train/val/test JSONL.

    python -m generating.synthetic --n 5000 --seed 1 --out data/synthetic
    python -m generating.synthetic --n 50000 --seed 7 --out data/synthetic --noise-typos 0.4 --noise-short 0.1
    python -m generating.synthetic --n 2000 --seed 1 --out /tmp/clean --no-noise
    python -m generating.synthetic export --format trl data/synthetic/train.jsonl data/synthetic/train.trl.jsonl
    python -m generating.synthetic export --format alpaca --explicit-mix 0.3 IN.jsonl OUT.jsonl   # or sharegpt

How one ticket is made (the words live in generating/situations/):
1. pick a base situation (round robin over a seeded shuffle, so every situation gets the same share);
2. pick its scope (minor / one user / a team / everyone) and urgency (no rush / normal / deadline) and
   derive the priority from them with `PRIORITY`; the scope and urgency phrases go into the text, so
   the text always justifies the label (no phrase = the scope the situation implies, normal urgency);
3. compose: a layout (e-mail, chat line, portal form, agent's call log) around one of the situation's
   bodies, context (since when, where, what was tried), the scope and urgency phrases, closing and
   signature, with slot values (apps, devices, sites, error codes) drawn once per ticket;
4. apply noise, each kind with its own rate (`NoiseConfig`), recorded in `meta.noise`;
5. drop texts already written, then split by situation (stratified by category/subcategory) so
   the test split holds situations never seen in training.

The same arguments write the same bytes: all randomness comes from `random.Random(seed)`.
"""

# Its rooms: compose.py (one ticket from a situation), text_noise.py (the noise kinds and their rates),
# the words in situations/. This module makes many tickets, splits and writes them, and is the command.
from __future__ import annotations

import argparse
import json
import random
import shlex
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from generating.compose import PRIORITY, compose_ticket
from generating.situations import INSTRUCTIONS, SITUATIONS, Situation
from generating.text_noise import NoiseConfig
from ticket_triage.dataset import read_rows, write_rows
from ticket_triage.prompt import DEFAULT_INSTRUCTION, answer_text, system_prompt, training_example
from ticket_triage.schema import SchemaError, TicketSchema, add_schema_argument, load_schema

SPLITS = ("train", "val", "test")
MANIFEST = "generate.json"  # written next to the splits: the command that made them
EXPORT_FORMATS = ("trl", "alpaca", "sharegpt")


@dataclass
class GeneratorConfig:
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    val_frac: float = 0.1  # share of situations (not rows) held out per category/subcategory
    test_frac: float = 0.1


class NoSituationFits(ValueError):
    """No built-in situation has a label that validates against the schema in use."""


# ---- which situations fit the schema -----------------------------------------------------------------
def _full_label(sit: Situation, priority: str, summary: str) -> dict[str, str]:
    return {
        "category": sit.category,
        "subcategory": sit.subcategory,
        "priority": priority,
        "assignment_group": sit.assignment_group,
        "request_type": sit.request_type,
        "summary": summary,
    }


def _project(schema: TicketSchema, full: dict[str, str]) -> dict[str, str] | None:
    """The label in schema field order; None when the schema has a field the situations cannot fill."""
    if any(name not in full for name in schema.field_names):
        return None
    return {name: full[name] for name in schema.field_names}


def _misfit(schema: TicketSchema, sit: Situation) -> str:
    """Why `sit` cannot produce valid labels for `schema` ("" when it can), for every reachable priority."""
    for priority in sorted({p for (scope, _), p in PRIORITY.items() if scope in sit.impacts}):
        label = _project(schema, _full_label(sit, priority, "x"))
        if label is None:
            missing = [n for n in schema.field_names if n not in _full_label(sit, priority, "x")]
            return f"the situations have no value for field(s) {missing}"
        errors = schema.errors(label)
        if errors:
            return "; ".join(str(e) for e in errors)
    return ""


def fitting_situations(schema: TicketSchema) -> list[Situation]:
    """The built-in situations whose labels validate against `schema`; raises `NoSituationFits` if none."""
    fits, first_problem = [], ""
    for sit in SITUATIONS:
        problem = _misfit(schema, sit)
        if problem:
            first_problem = first_problem or f"situation {sit.id!r}: {problem}"
        else:
            fits.append(sit)
    if not fits:
        raise NoSituationFits(
            f"none of the {len(SITUATIONS)} built-in situations fits schema {schema.name!r} ({schema.source}); "
            f"first problem: {first_problem}. The synthetic generator writes tickets for the default ITSM "
            "taxonomy (configs/schema/itsm_default.yaml) only; a custom taxonomy needs its own labelled "
            "tickets: bring them in with `triage import`."
        )
    return fits


# ---- many tickets ------------------------------------------------------------------------------------
def _clip(text: str, max_length: int) -> str:
    """Cut at a word boundary; situations are written to fit, this guards custom max_lengths."""
    if len(text) <= max_length:
        return text
    return text[: max_length + 1].rsplit(" ", 1)[0].rstrip(",;:-") or text[:max_length]


def generate_rows(
    schema: TicketSchema,
    n: int,
    seed: int,
    config: GeneratorConfig | None = None,
    situations: list[Situation] | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """`n` rows with distinct texts, every label valid for `schema`; the same arguments give the same rows."""
    from tqdm import tqdm

    config = config or GeneratorConfig()
    situations = situations if situations is not None else fitting_situations(schema)
    summary_max = schema.get_field("summary").max_length if "summary" in schema.field_names else 120
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    queue: list[Situation] = []
    misses = 0
    bar = tqdm(total=n, disable=not progress, file=sys.stderr, unit="row", desc="generating", mininterval=0.5)
    while len(rows) < n:
        if not queue:
            queue = list(situations)
            rng.shuffle(queue)
        sit = queue.pop()
        for _ in range(8):  # a repeat of an earlier text is re-drawn, not kept
            text, priority, summary, kinds = compose_ticket(sit, rng, config.noise, situations)
            if text not in seen:
                break
        else:
            misses += 1
            if misses > 10 * len(situations) + n:
                raise RuntimeError(
                    f"generating: only {len(rows)} distinct texts after many tries; "
                    f"{len(situations)} situations cannot give {n} distinct tickets"
                )
            continue
        seen.add(text)
        label = _project(schema, _full_label(sit, priority, _clip(summary, summary_max)))
        errors = schema.errors(label)
        if errors:  # fitting_situations checked the enums; this guards the summary and a broken situation
            raise RuntimeError(f"situation {sit.id!r} produced an invalid label {label}: {errors}")
        rows.append(
            {
                "id": f"syn-{seed}-{len(rows):06d}",
                "text": text,
                "label": label,
                "instruction": rng.choice(INSTRUCTIONS),
                "meta": {"situation": sit.id, "source": "synthetic", "noise": kinds, "seed": seed},
            }
        )
        bar.update(1)
    bar.close()
    return rows


# ---- splits ------------------------------------------------------------------------------------------
def _held_out(k: int, val_frac: float, test_frac: float) -> tuple[int, int]:
    """(val, test) situations out of `k` in one stratum; training always keeps at least one."""
    if k >= 3:
        n_val = max(1, round(k * val_frac)) if val_frac > 0 else 0
        n_test = max(1, round(k * test_frac)) if test_frac > 0 else 0
    else:  # too few to honour both held-out splits; test first, it is the one reported
        n_test = 1 if k == 2 and test_frac > 0 else 0
        n_val = 1 if k == 2 and val_frac > 0 and not n_test else 0
    while n_val + n_test >= k and (n_val or n_test):
        if n_val:
            n_val -= 1
        else:
            n_test -= 1
    return n_val, n_test


def assign_situations(
    strata: dict[str, tuple[str, ...]], seed: int, val_frac: float = 0.1, test_frac: float = 0.1
) -> dict[str, str]:
    """Situation id -> split, stratified by `strata` (situation id -> e.g. (category, subcategory))."""
    if not (0 <= val_frac < 1 and 0 <= test_frac < 1 and val_frac + test_frac < 1):
        raise ValueError(f"val_frac={val_frac} and test_frac={test_frac} must be in [0, 1) and sum below 1")
    rng = random.Random(seed)
    by_stratum: dict[tuple[str, ...], list[str]] = {}
    for sid, key in strata.items():
        by_stratum.setdefault(key, []).append(sid)
    assignment = {}
    for key in sorted(by_stratum):  # sorted: independent of the order rows came in
        ids = sorted(by_stratum[key])
        rng.shuffle(ids)
        n_val, n_test = _held_out(len(ids), val_frac, test_frac)
        for i, sid in enumerate(ids):
            assignment[sid] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return assignment


def split_rows(
    rows: list[dict[str, Any]], seed: int, val_frac: float = 0.1, test_frac: float = 0.1
) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped into train/val/test by base situation: no situation is in two splits."""
    strata: dict[str, tuple[str, ...]] = {}
    for row in rows:
        label = row["label"]
        strata.setdefault(row["meta"]["situation"], (label.get("category", ""), label.get("subcategory", "")))
    assignment = assign_situations(strata, seed, val_frac, test_frac)
    splits: dict[str, list[dict[str, Any]]] = {name: [] for name in SPLITS}
    for row in rows:
        splits[assignment[row["meta"]["situation"]]].append(row)
    return splits


def write_splits(
    rows: list[dict[str, Any]], out_dir: str | Path, seed: int, config: GeneratorConfig | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Split `rows` by situation and write out_dir/{train,val,test}.jsonl; returns the splits."""
    config = config or GeneratorConfig()
    splits = split_rows(rows, seed, config.val_frac, config.test_frac)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in splits.items():
        write_rows(out / f"{name}.jsonl", part)
    return splits


def generate_command(argv: list[str]) -> str:
    """The `triage generate` command that rebuilds the same splits anywhere: `argv` without `--out`."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--out":
            skip = True
        elif not arg.startswith("--out="):
            kept.append(shlex.quote(arg))
    return " ".join(["triage generate", *kept])


def write_manifest(out_dir: str | Path, argv: list[str], schema: TicketSchema, counts: dict[str, int]) -> None:
    """OUT/generate.json: the command that made these splits, so a model trained on them can name it."""
    manifest = {
        "command": generate_command(argv),
        "schema_name": schema.name,
        "schema_fingerprint": schema.fingerprint(),
        "rows": counts,
    }
    (Path(out_dir) / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


# ---- exporters ---------------------------------------------------------------------------------------
def export_row(schema: TicketSchema, row: dict[str, Any], fmt: str, explicit: bool = True) -> dict[str, Any]:
    """One row in `fmt`: trl (prompt-completion messages), alpaca or sharegpt; explicit = schema prompt."""
    if fmt == "trl":
        return training_example(schema, row, explicit=explicit)
    instruction = system_prompt(schema) if explicit else (row.get("instruction") or DEFAULT_INSTRUCTION)
    answer = answer_text(schema, row["label"])
    if fmt == "alpaca":
        return {"instruction": instruction, "input": row["text"], "output": answer}
    if fmt == "sharegpt":
        return {
            "conversations": [
                {"from": "system", "value": instruction},
                {"from": "human", "value": row["text"]},
                {"from": "gpt", "value": answer},
            ]
        }
    raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(EXPORT_FORMATS)})")


def export_rows(
    schema: TicketSchema, rows: list[dict[str, Any]], fmt: str, explicit_mix: float = 1.0, seed: int = 0
) -> list[dict[str, Any]]:
    """Export with a seeded share `explicit_mix` of explicit (schema) prompts, the rest the row's instruction."""
    rng = random.Random(seed)
    return [export_row(schema, row, fmt, explicit=rng.random() < explicit_mix) for row in rows]


# ---- command line ------------------------------------------------------------------------------------
def _export_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="triage generate export",
        description="Convert generated rows to a training format: trl (conversational prompt-completion), "
        "alpaca (instruction/input/output) or sharegpt (conversations).",
    )
    parser.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    parser.add_argument(
        "--explicit-mix",
        type=float,
        default=1.0,
        metavar="RATIO",
        help="share of rows prompted with the full schema (as inference does); the rest use "
        "the row's short rotated instruction (default 1.0)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the explicit/implicit draw")
    add_schema_argument(parser)
    parser.add_argument("input", help="rows JSONL (e.g. data/synthetic/train.jsonl)")
    parser.add_argument("output", help="where to write the exported JSONL")
    args = parser.parse_args(argv)
    if not 0 <= args.explicit_mix <= 1:
        parser.error(f"--explicit-mix must be between 0 and 1, got {args.explicit_mix}")
    try:
        schema = load_schema(args.schema)
        rows = read_rows(args.input, schema)
    except (SchemaError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_rows(out, export_rows(schema, rows, args.format, args.explicit_mix, args.seed))
    print(f"exported {len(rows)} rows as {args.format} to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        return _export_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="triage generate",
        description="Write seeded synthetic tickets to OUT/{train,val,test}.jsonl, split by base situation. "
        "Use `python -m generating.synthetic export --help` to convert rows to trl/alpaca/sharegpt.",
    )
    parser.add_argument("--n", type=int, required=True, help="number of tickets (all splits together)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed and flags write the same bytes")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for train.jsonl, val.jsonl, test.jsonl")
    add_schema_argument(parser)
    parser.add_argument("--val-frac", type=float, default=0.1, help="share of situations held out for val")
    parser.add_argument("--test-frac", type=float, default=0.1, help="share of situations held out for test")
    noise = parser.add_argument_group("noise rates (probability per ticket)")
    for f in fields(NoiseConfig):
        noise.add_argument(
            f"--noise-{f.name.replace('_', '-')}",
            dest=f"noise_{f.name}",
            type=float,
            metavar="RATE",
            help=f"{f.metadata['help']} (default {f.default})",
        )
    noise.add_argument("--no-noise", action="store_true", help="every rate not given by a flag is 0")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n must be positive, got {args.n}")
    defaults = NoiseConfig.off() if args.no_noise else NoiseConfig()
    rates = {f.name: getattr(args, f"noise_{f.name}") for f in fields(NoiseConfig)}
    rates = {name: getattr(defaults, name) if rate is None else rate for name, rate in rates.items()}
    for name, rate in rates.items():
        if not 0 <= rate <= 1:
            parser.error(f"--noise-{name.replace('_', '-')} must be between 0 and 1, got {rate}")
    config = GeneratorConfig(NoiseConfig(**rates), args.val_frac, args.test_frac)
    try:
        assign_situations({}, 0, config.val_frac, config.test_frac)  # checks the fractions before the work
        schema = load_schema(args.schema)
        situations = fitting_situations(schema)
    except (SchemaError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if len(situations) < len(SITUATIONS):
        print(
            f"note: {len(SITUATIONS) - len(situations)} of {len(SITUATIONS)} situations skipped, their labels "
            f"do not fit schema {schema.name!r}",
            file=sys.stderr,
        )
    rows = generate_rows(schema, args.n, args.seed, config, situations, progress=args.n >= 10_000)
    splits = write_splits(rows, args.out, args.seed, config)
    write_manifest(args.out, argv, schema, {name: len(part) for name, part in splits.items()})
    counts = ", ".join(
        f"{name} {len(part)} ({len({r['meta']['situation'] for r in part})} situations)"
        for name, part in splits.items()
    )
    print(f"wrote {len(rows)} tickets to {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
