"""`triage eval`: how well a model triages a labelled JSONL split, side by side for several models.

    triage eval --data data/synthetic/test.jsonl                         # the default model
    triage eval --data data/synthetic/test.jsonl --model smollm2-135m \\
        --model outputs/cpu-smollm2/adapter --limit 100 --out outputs/eval   # side by side

Reports per-field accuracy and macro-F1 over the enum fields, exact match (all enum fields right),
the schema-valid rate, the review rate, and tickets/s. By default the free-text summary is skipped
(`--full` decodes it too) because it dominates CPU time and has no single right answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ticket_triage.dataset import read_rows
from ticket_triage.schema import TicketSchema, load_schema


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Macro-F1 over the classes present in gold or predictions."""
    classes = sorted(set(gold) | set(pred))
    scores = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def score(schema: TicketSchema, rows: list[dict[str, Any]], results: list[Any], seconds: float) -> dict[str, Any]:
    """Metrics of `results` (TriageResult) against the labels of `rows`."""
    metrics: dict[str, Any] = {"n": len(rows)}
    exact = [True] * len(rows)
    for f in schema.enum_fields:
        pairs = [(r["label"][f.name], res.ticket.get(f.name)) for r, res in zip(rows, results) if f.name in r["label"]]
        if not pairs:
            continue  # imported data may leave a field unlabelled
        gold, pred = zip(*pairs)
        metrics[f"{f.name}/accuracy"] = round(sum(g == p for g, p in pairs) / len(pairs), 4)
        metrics[f"{f.name}/macro_f1"] = round(macro_f1(list(gold), list(pred)), 4)
        for i, (r, res) in enumerate(zip(rows, results)):
            if f.name in r["label"] and r["label"][f.name] != res.ticket.get(f.name):
                exact[i] = False
    metrics["exact_match"] = round(sum(exact) / len(rows), 4)
    # Classification-only results lack the text fields; validity is judged on what was decoded.
    text_fields = {f.name for f in schema.text_fields}
    valid = [
        not [e for e in schema.errors(res.ticket) if not (e.field in text_fields and e.message == "missing")]
        for res in results
    ]
    metrics["schema_valid_rate"] = round(sum(valid) / len(rows), 4)
    metrics["review_rate"] = round(sum(res.status == "review" for res in results) / len(rows), 4)
    latencies = [res.timing_ms for res in results]
    metrics["latency_ms_p50"] = round(statistics.median(latencies), 1)
    metrics["tickets_per_s"] = round(len(rows) / seconds, 3) if seconds else None
    return metrics


def evaluate(
    engine: Any, rows: list[dict[str, Any]], full: bool = False, progress: bool = True, batch_size: int = 16
) -> dict[str, Any]:
    start = time.perf_counter()
    results = engine.predict_batch([r["text"] for r in rows], classification_only=not full, progress=progress,
                                   batch_size=batch_size)
    return score(engine.schema, rows, results, time.perf_counter() - start)


def markdown_table(columns: dict[str, dict[str, Any]]) -> str:
    """One column per model, one row per metric; the best value of each row in bold."""
    names = list(columns)
    keys = [k for k in next(iter(columns.values())) if k != "n"]
    lower_is_better = {"latency_ms_p50", "review_rate"}
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in keys:
        values = [columns[n].get(key) for n in names]
        numeric = [v for v in values if isinstance(v, (int, float))]
        best = (min if key in lower_is_better else max)(numeric) if len(numeric) > 1 else None
        cells = [f"**{v}**" if v == best and best is not None else str(v) for v in values]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from inference.predict import add_model_arguments, load_engine

    parser = argparse.ArgumentParser(prog="triage eval", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--data", required=True, help="labelled JSONL (e.g. data/synthetic/test.jsonl)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate the first N rows only")
    parser.add_argument("--full", action="store_true", help="decode free-text fields too (slower)")
    parser.add_argument("--out", help="write metrics.json (and report.md) to this folder")
    add_model_arguments(parser, multiple=True)
    args = parser.parse_args(argv)

    schema = load_schema(args.schema)
    # Imported data may label only some fields; those are scored where present.
    rows = read_rows(args.data, schema, args.limit, partial_labels=True)  # `triage` reports a DataError
    columns = {}
    for name in args.model or [None]:
        engine = load_engine(args, model=name)
        print(f"[eval] {engine.name} on {len(rows)} rows of {args.data}", file=sys.stderr, flush=True)
        columns[engine.name] = evaluate(engine, rows, full=args.full, batch_size=args.batch_size)
    table = markdown_table(columns)
    print(table)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(columns, indent=2) + "\n")
        (out / "report.md").write_text(f"# Evaluation on {args.data} ({len(rows)} rows)\n\n{table}\n")
        print(f"wrote {out / 'metrics.json'} and {out / 'report.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
