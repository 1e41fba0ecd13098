"""`triage eval`: how good a model is on a labelled JSONL split, in numbers and pictures.

    triage eval --data data/synthetic/test.jsonl --out outputs/eval          # the shipped adapter
    triage eval --data data/synthetic/test.jsonl --model smollm2-135m \\
        --model outputs/cpu-smollm2/adapter --limit 100 --out outputs/eval   # several, side by side

Per enum field: accuracy, macro- and weighted-F1, the lowest per-class recall (0 when a class is never
found), per-class precision/recall/F1 and how often each label is predicted, expected
calibration error (ECE) with a reliability diagram, and accuracy at each review threshold (how
much of the queue can be routed automatically at what accuracy). Per ticket: exact match over all
enum fields, JSON-valid, schema-valid and rule-violation rates, review rate, latency p50/p95 and
tickets/s. `--out DIR` writes metrics.json, a readable report.md, PNG confusion matrices and
plots, and predictions.jsonl: one line per ticket with its id, labels, `meta`, the model's result
and which fields it got right, for per-group metrics without a second inference pass (one folder per
model when there are several, plus the side-by-side table). By default the
free-text summary is skipped (`--full` decodes it too): it dominates CPU time and has no single
right answer. Several `--model`s (any mix of adapters, base models, baseline folders and
`openai:NAME`) give one side-by-side table, the best value of each row in bold; `--json` prints it
as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from inference.metrics import (
    label_distribution,
    markdown_table,
    predict_rows,
    prediction_rows,
    promise_check,
    score_details,
)
from ticket_triage.dataset import read_rows, write_rows
from ticket_triage.schema import load_schema


# ---- the report ---------------------------------------------------------------------------
def _plots(details: dict[str, Any], out: Path, title: str) -> list[str]:
    """Confusion matrices, reliability diagram and coverage curve as PNGs; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    files = []
    for name, d in details.items():
        labels = [v for v in d["labels"] if v in set(d["gold"]) | set(d["pred"])]
        labels += sorted(set(d["pred"]) - set(labels))  # e.g. "(missing)"
        matrix = confusion_matrix(d["gold"], d["pred"], labels=labels)
        row_sums = matrix.sum(axis=1, keepdims=True)
        share = matrix / row_sums.clip(min=1)
        size = max(4.5, 0.55 * len(labels) + 2.5)
        fig, ax = plt.subplots(figsize=(size + 1, size))
        image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), [f"{lab} ({n})" for lab, n in zip(labels, row_sums[:, 0])], fontsize=8)
        for i in range(len(labels)):
            for j in range(len(labels)):
                if matrix[i, j]:
                    ax.text(
                        j,
                        i,
                        str(matrix[i, j]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if share[i, j] > 0.5 else "black",
                    )
        ax.set_xlabel("predicted")
        ax.set_ylabel("true (count)")
        ax.set_title(f"{name}: accuracy {d['accuracy']}, macro-F1 {d['macro_f1']}\n{title}", fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.046, label="share of the true class")
        fig.tight_layout()
        files.append(f"confusion_{name}.png")
        fig.savefig(out / files[-1], dpi=110)
        plt.close(fig)
    calibrated = {name: d for name, d in details.items() if "reliability" in d}
    if calibrated:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
        left.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect calibration")
        for name, d in calibrated.items():
            bins = d["reliability"]
            left.plot(
                [b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", label=f"{name} (ECE {d['ece']})"
            )
            points = [c for c in d["coverage"] if c["accuracy"] is not None]
            right.plot([c["coverage"] for c in points], [c["accuracy"] for c in points], "o-", label=name)
        left.set(
            xlabel="mean confidence in bin",
            ylabel="accuracy in bin",
            xlim=(0, 1),
            ylim=(0, 1),
            title="Reliability: points under the line are over-confident",
        )
        right.set(
            xlabel="coverage (share of tickets at or above the threshold)",
            ylabel="accuracy on those",
            xlim=(0, 1.02),
            ylim=(0, 1.02),
            title="Routing more automatically costs accuracy",
        )
        for c in [c for c in next(iter(calibrated.values()))["coverage"][1::2] if c["accuracy"] is not None]:
            right.annotate(
                f"≥{c['threshold']}",
                (c["coverage"], c["accuracy"]),
                fontsize=7,
                textcoords="offset points",
                xytext=(3, 3),
            )
        left.legend(fontsize=7)
        right.legend(fontsize=7)
        fig.suptitle(title, fontsize=9)
        fig.tight_layout()
        files.append("calibration_and_coverage.png")
        fig.savefig(out / files[-1], dpi=110)
        plt.close(fig)
    return files


def write_report(
    out: Path,
    title: str,
    metrics: dict[str, Any],
    details: dict[str, Any],
    predictions: list[dict[str, Any]] | None = None,
) -> None:
    """metrics.json (everything), report.md (readable), the PNGs and predictions.jsonl, in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    if predictions is not None:
        write_rows(out / "predictions.jsonl", predictions)
    slim = {name: {k: v for k, v in d.items() if k not in ("gold", "pred", "labels")} for name, d in details.items()}
    (out / "metrics.json").write_text(json.dumps({"metrics": metrics, "fields": slim}, indent=2) + "\n")
    images = _plots(details, out, title)
    lines = [f"# {title}", "", markdown_table({"value": metrics}).replace("| metric | value |", "| metric | |"), ""]
    for name, d in details.items():
        lines += [
            f"## {name}",
            "",
            f"accuracy {d['accuracy']}, macro-F1 {d['macro_f1']}, "
            f"weighted-F1 {d['weighted_f1']}" + (f", ECE {d['ece']}" if "ece" in d else ""),
            "",
            "| class | precision | recall | F1 | support | predicted |",
            "|---|---|---|---|---|---|",
        ]
        for label, c in sorted(d["per_class"].items(), key=lambda kv: -kv[1]["support"]):
            lines.append(
                f"| {label} | {c['precision']} | {c['recall']} | {c['f1']} | {c['support']} | {c['predicted']} |"
            )
        if "coverage" in d:
            lines += ["", "| review threshold | coverage (routed automatically) | accuracy on those |", "|---|---|---|"]
            lines += [
                f"| {c['threshold']} | {c['coverage']} | {'—' if c['accuracy'] is None else c['accuracy']} |"
                for c in d["coverage"]
            ]
        if f"confusion_{name}.png" in images:
            lines += ["", f"![confusion matrix of {name}](confusion_{name}.png)"]
        lines.append("")
    if "calibration_and_coverage.png" in images:
        lines += ["## Calibration and coverage", "", "![reliability and coverage](calibration_and_coverage.png)", ""]
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip("/")).strip("_")[-80:] or "model"


def main(argv: list[str] | None = None) -> int:
    from inference.loader import add_model_arguments, load_triager

    parser = argparse.ArgumentParser(
        prog="triage eval",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--data", required=True, help="labelled JSONL (e.g. data/synthetic/test.jsonl)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate the first N rows only")
    parser.add_argument("--full", action="store_true", help="decode free-text fields too (slower)")
    parser.add_argument("--out", help="write metrics.json, report.md, predictions.jsonl and PNG plots to this folder")
    parser.add_argument("--json", action="store_true", help="print the metrics table as JSON instead of Markdown")
    add_model_arguments(parser, multiple=True)
    args = parser.parse_args(argv)

    schema = load_schema(args.schema)
    # Imported data may label only some fields; those are scored where present.
    rows = read_rows(args.data, schema, args.limit, partial_labels=True)  # `triage` reports a DataError
    columns = {}
    models = args.model or [None]
    for name in models:
        engine = load_triager(args, model=name)
        print(f"[eval] {engine.name} on {len(rows)} rows of {args.data}", file=sys.stderr, flush=True)
        results, seconds = predict_rows(engine, rows, full=args.full, batch_size=args.batch_size)
        metrics, details = score_details(engine.schema, rows, results, seconds)
        columns[engine.name] = metrics
        print(
            "\n".join(
                [
                    f"[eval] {engine.name}: predicted labels (true share in brackets)",
                    *(f"  {line}" for line in label_distribution(details)),
                ]
            ),
            file=sys.stderr,
        )
        promise = getattr(engine, "promise", None)
        if promise:
            check = promise_check(rows, results, promise)
            metrics["promise/target"], metrics["promise/auto_error"] = check["target"], check["auto_error"]
            error = "-" if check["auto_error"] is None else f"{check['auto_error']:.2%}"
            print(
                f"[eval] {engine.name}: promised at most {check['target']:.0%} wrong among auto-routed tickets "
                f"({', '.join(check['fields'])}; calibrated with delta {check['delta']}): here {error} wrong, "
                f"{check['auto']} of {check['n']} auto-routed ({check['coverage']:.0%}) -> "
                + ("kept" if check["met"] else "NOT KEPT (is this split drawn like the calibration split?)"),
                file=sys.stderr,
            )
        if args.out:
            out = Path(args.out) / slug(engine.name) if len(models) > 1 else Path(args.out)
            title = f"{engine.name} on {args.data} ({len(rows)} rows)"
            write_report(out, title, metrics, details, prediction_rows(engine.schema, rows, results))
            print(f"[eval] wrote {out / 'report.md'}, metrics.json, predictions.jsonl and plots", file=sys.stderr)
    table = markdown_table(columns)
    print(json.dumps(columns, indent=2) if args.json else table)
    if args.out and len(models) > 1:
        out = Path(args.out)
        (out / "compare.json").write_text(json.dumps(columns, indent=2) + "\n")
        (out / "compare.md").write_text(f"# {args.data} ({len(rows)} rows)\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
