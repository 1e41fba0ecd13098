"""`triage review promote`: a retrained adapter replaces the current one only if it is not worse.

    triage review promote --candidate outputs/corrected/adapter --current models/my-adapter \\
        --data data/held_out.jsonl

Both adapters triage the same held-out labelled split (classification only) and the side-by-side
table is printed. The candidate is promoted when its `--metric` (default exact_match) is at least the
current adapter's and no enum field's accuracy drops by more than `--max-field-drop` (default 0.01):
then the current folder is kept as `<current>.previous` and the candidate's bundle takes its place
(copied to a sibling, then renamed: a reader never sees half an adapter), its `triage.json` noting
what it was promoted over and the figures. Otherwise nothing changes and the exit status is 1, with
the reason. Use a split neither adapter trained on, and not the corrections themselves.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from ticket_triage.models import ADAPTER_META
from ticket_triage.schema import TicketSchema


def add_promote_parser(commands: Any) -> argparse.ArgumentParser:
    from inference.loader import add_model_arguments

    promote = commands.add_parser("promote", help="replace the current adapter by a retrained one, if it is not worse")
    promote.add_argument("--candidate", required=True, help="the retrained adapter bundle (e.g. .../adapter)")
    promote.add_argument("--current", required=True, help="the adapter folder in use; replaced when the candidate wins")
    promote.add_argument("--data", required=True, help="held-out labelled JSONL neither adapter trained on")
    promote.add_argument("--limit", type=int, default=None, help="the first N rows only")
    promote.add_argument("--metric", default="exact_match", help="the headline metric to compare (default exact_match)")
    promote.add_argument(
        "--max-field-drop",
        type=float,
        default=0.01,
        help="refuse when any enum field's accuracy drops by more than this (default 0.01)",
    )
    promote.add_argument("--dry-run", action="store_true", help="compare and decide, but replace nothing")
    add_model_arguments(promote)  # --schema, --device, --dtype, --batch-size ... (its --model is unused)
    promote.set_defaults(run=promote_main)
    return promote


def decide(current: dict[str, Any], candidate: dict[str, Any], metric: str, max_field_drop: float) -> tuple[bool, str]:
    """(promote?, why) from the two adapters' headline metrics on the same split."""
    if metric not in current or metric not in candidate:
        return False, f"metric {metric!r} is not among the scores ({', '.join(sorted(current))})"
    if candidate[metric] < current[metric]:
        return False, f"{metric} would drop from {current[metric]} to {candidate[metric]}"
    for key in sorted(k for k in current if k.endswith("/accuracy")):
        drop = current[key] - candidate.get(key, 0.0)
        if drop > max_field_drop:
            return False, f"{key} would drop by {drop:.4f} (from {current[key]} to {candidate.get(key)})"
    return (
        True,
        f"{metric} {current[metric]} -> {candidate[metric]}, no field accuracy down by more than {max_field_drop}",
    )


def replace_adapter(candidate: Path, current: Path, note: dict[str, Any]) -> Path:
    """Put `candidate`'s bundle where `current` is; `current` is kept as `<current>.previous`."""
    staged = current.with_name(current.name + ".incoming")
    previous = current.with_name(current.name + ".previous")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(candidate, staged)
    meta_path = staged / ADAPTER_META
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    meta["promotion"] = note
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if previous.exists():
        shutil.rmtree(previous)
    current.rename(previous)
    staged.rename(current)
    return previous


def promote_main(args: argparse.Namespace, schema: TicketSchema) -> int:
    import sys

    from inference.loader import load_triager
    from inference.metrics import markdown_table, run
    from ticket_triage.dataset import read_rows

    rows = read_rows(args.data, schema, args.limit, partial_labels=True)
    columns: dict[str, dict[str, Any]] = {}
    for role, spec in (("current", args.current), ("candidate", args.candidate)):
        triager = load_triager(args, model=spec)
        print(f"[promote] {role}: {triager.name} on {len(rows)} rows of {args.data}", file=sys.stderr, flush=True)
        columns[role] = run(triager, rows, batch_size=args.batch_size)[0]
    print(markdown_table(columns))
    promoted, why = decide(columns["current"], columns["candidate"], args.metric, args.max_field_drop)
    if not promoted:
        print(f"[promote] not promoted: {why}; {args.current} is unchanged", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"[promote] would promote ({why}); --dry-run: nothing replaced", file=sys.stderr)
        return 0
    note = {
        "over": str(args.current),
        "from": str(args.candidate),
        "on": str(args.data),
        "rows": len(rows),
        "metric": args.metric,
        "current": {k: v for k, v in columns["current"].items() if isinstance(v, (int, float))},
        "candidate": {k: v for k, v in columns["candidate"].items() if isinstance(v, (int, float))},
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    previous = replace_adapter(Path(args.candidate), Path(args.current), note)
    print(
        f"[promote] promoted ({why}): {args.current} now holds the candidate; the old one is {previous}",
        file=sys.stderr,
    )
    return 0
