"""`triage compare`: several models and baselines on one labelled dataset, one side-by-side table.

    triage compare --data data/synthetic/test.jsonl \\
        --model models/smollm2-135m-itsm --model smollm2-135m \\
        --model outputs/baselines/tfidf --model outputs/baselines/embedding --out outputs/compare

Each `--model` is anything `triage predict` takes (alias, folder, adapter bundle, hub id,
`openai:NAME`) or a baseline folder written by `triage baseline fit`. Prints the table in Markdown
(best value of each row in bold) or, with `--json`, as JSON; `--out` writes compare.md and
compare.json. `triage eval --out` gives the full per-model report with plots.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ticket_triage.dataset import read_rows
from ticket_triage.schema import load_schema


def main(argv: list[str] | None = None) -> int:
    from inference.evaluate import markdown_table, run
    from inference.predict import add_model_arguments, load_engine

    parser = argparse.ArgumentParser(
        prog="triage compare",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--data", required=True, help="labelled JSONL (e.g. data/synthetic/test.jsonl)")
    parser.add_argument("--limit", type=int, default=None, help="use the first N rows only")
    parser.add_argument("--full", action="store_true", help="decode free-text fields too (slower)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--out", help="write compare.md and compare.json to this folder")
    add_model_arguments(parser, multiple=True)
    args = parser.parse_args(argv)
    if not args.model or len(args.model) < 2:
        parser.error("give at least two --model to compare (for one, use `triage eval`)")

    schema = load_schema(args.schema)
    rows = read_rows(args.data, schema, args.limit, partial_labels=True)
    columns = {}
    for name in args.model:
        engine = load_engine(args, model=name)
        print(f"[compare] {engine.name} on {len(rows)} rows of {args.data}", file=sys.stderr, flush=True)
        columns[engine.name] = run(engine, rows, full=args.full, batch_size=args.batch_size)[0]
    table = markdown_table(columns)
    print(json.dumps(columns, indent=2) if args.json else table)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "compare.json").write_text(json.dumps({"data": str(args.data), "models": columns}, indent=2) + "\n")
        (out / "compare.md").write_text(f"# {args.data} ({len(rows)} rows)\n\n{table}\n", encoding="utf-8")
        print(f"[compare] wrote {out / 'compare.md'} and compare.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
