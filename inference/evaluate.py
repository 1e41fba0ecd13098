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
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ticket_triage.dataset import read_rows, write_rows
from ticket_triage.schema import TicketSchema, load_schema

THRESHOLDS = [round(0.1 * i, 1) for i in range(10)]  # review thresholds for the coverage curve
LOWER_IS_BETTER = ("latency", "rule_violation_rate", "/ece")
# Neither direction is better: a confidently wrong model sends little to review.
NO_BEST = ("review_rate",)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rule_violations(schema: TicketSchema, ticket: dict[str, Any]) -> int:
    """Cross-field rules broken by `ticket` (only where both fields hold allowed values)."""
    broken = 0
    for rule in schema.rules:
        value, dependent = ticket.get(rule.field), ticket.get(rule.constrains)
        if value in rule.allowed and dependent is not None and dependent not in rule.allowed[value]:
            broken += 1
    return broken


def field_report(gold: list[str], pred: list[str], confidence: list[float | None]) -> dict[str, Any]:
    """Everything about one enum field: headline scores, per-class scores, calibration, coverage."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    from inference.calibrate import expected_calibration_error, reliability_bins

    correct = [g == p for g, p in zip(gold, pred)]
    labels = sorted(set(gold) | set(pred))
    precision, recall, f1, support = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    report: dict[str, Any] = {
        "accuracy": round(sum(correct) / len(correct), 4),
        "macro_f1": round(f1_score(gold, pred, labels=labels, average="macro", zero_division=0), 4),
        "weighted_f1": round(f1_score(gold, pred, labels=labels, average="weighted", zero_division=0), 4),
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
                "predicted": pred.count(label),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
    }
    # The lowest recall of a class that occurs: 0 when the model never finds some class (collapse).
    report["min_recall"] = round(min(float(r) for r, s in zip(recall, support) if s), 4)
    if all(c is not None for c in confidence):
        conf = [float(c) for c in confidence]
        report["ece"] = round(expected_calibration_error(conf, correct), 4)
        report["reliability"] = [
            b | {"confidence": round(b["confidence"], 4), "accuracy": round(b["accuracy"], 4)}
            for b in reliability_bins(conf, correct)
        ]
        report["coverage"] = []
        for t in THRESHOLDS:
            kept = [k for c, k in zip(conf, correct) if c >= t]
            report["coverage"].append(
                {
                    "threshold": t,
                    "coverage": round(len(kept) / len(conf), 4),
                    "accuracy": round(sum(kept) / len(kept), 4) if kept else None,  # nothing routed: no accuracy
                }
            )
    return report


def score_details(
    schema: TicketSchema, rows: list[dict[str, Any]], results: list[Any], seconds: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(headline metrics, per-field details) of `results` (TriageResult) against the labels of `rows`.

    Headline metrics are flat numbers (what the side-by-side table and TensorBoard show); details
    hold per-class scores, reliability bins, coverage curves and the gold/predicted pairs.
    """
    metrics: dict[str, Any] = {"n": len(rows)}
    details: dict[str, Any] = {}
    exact = [True] * len(rows)
    for f in schema.enum_fields:
        labelled = [i for i, r in enumerate(rows) if f.name in r["label"]]
        if not labelled:
            continue  # imported data may leave a field unlabelled
        gold = [rows[i]["label"][f.name] for i in labelled]
        pred = [str(results[i].ticket.get(f.name, "(missing)")) for i in labelled]
        confidence = [results[i].confidence.get(f.name) for i in labelled]
        report = field_report(gold, pred, confidence)
        for key in ("accuracy", "macro_f1", "weighted_f1", "min_recall", "ece"):
            if key in report:
                metrics[f"{f.name}/{key}"] = report[key]
        details[f.name] = report | {"gold": gold, "pred": pred, "labels": list(f.values)}
        for i, g, p in zip(labelled, gold, pred):
            exact[i] = exact[i] and g == p
    metrics["exact_match"] = round(sum(exact) / len(rows), 4)
    # Classification-only results lack the text fields: every enum field must be there and valid,
    # every rule must hold, and a text field is checked when present.
    json_valid = [isinstance(res.ticket, dict) and bool(res.ticket) for res in results]
    schema_valid = [
        ok and all(f.name in res.ticket for f in schema.enum_fields) and not schema.errors(res.ticket, partial=True)
        for ok, res in zip(json_valid, results)
    ]
    metrics["json_valid_rate"] = round(sum(json_valid) / len(rows), 4)
    metrics["schema_valid_rate"] = round(sum(schema_valid) / len(rows), 4)
    metrics["rule_violation_rate"] = round(
        sum(bool(rule_violations(schema, res.ticket)) for res in results if isinstance(res.ticket, dict)) / len(rows), 4
    )
    metrics["review_rate"] = round(sum(res.status == "review" for res in results) / len(rows), 4)
    latencies = [res.timing_ms for res in results]
    metrics["latency_ms_p50"] = round(statistics.median(latencies), 1)
    metrics["latency_ms_p95"] = round(_percentile(latencies, 0.95), 1)
    metrics["tickets_per_s"] = round(len(rows) / seconds, 3) if seconds else None
    return metrics, details


def score(schema: TicketSchema, rows: list[dict[str, Any]], results: list[Any], seconds: float) -> dict[str, Any]:
    """The headline metrics of `results` against the labels of `rows`."""
    return score_details(schema, rows, results, seconds)[0]


def run(
    engine: Any, rows: list[dict[str, Any]], full: bool = False, progress: bool = True, batch_size: int = 16
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Triage `rows` with `engine` (anything with `predict_batch` and `schema`); (metrics, details)."""
    results, seconds = predict_rows(engine, rows, full=full, progress=progress, batch_size=batch_size)
    return score_details(engine.schema, rows, results, seconds)


def predict_rows(
    engine: Any, rows: list[dict[str, Any]], full: bool = False, progress: bool = True, batch_size: int = 16
) -> tuple[list[Any], float]:
    """(one result per row, in order; the seconds it took)."""
    start = time.perf_counter()
    results = engine.predict_batch(
        [r["text"] for r in rows], classification_only=not full, progress=progress, batch_size=batch_size
    )
    return results, time.perf_counter() - start


def prediction_rows(schema: TicketSchema, rows: list[dict[str, Any]], results: list[Any]) -> list[dict[str, Any]]:
    """One record per ticket for predictions.jsonl: the row's id (`row`: its 1-based position among the
    file's rows, for files without ids), its labels and `meta` (to group by), the full result, and
    which labelled enum fields the model got right."""
    records = []
    for i, (row, result) in enumerate(zip(rows, results), 1):
        gold = row["label"]
        correct = {f.name: result.ticket.get(f.name) == gold[f.name] for f in schema.enum_fields if f.name in gold}
        records.append(
            {"id": row.get("id"), "row": i, "label": gold, "meta": row.get("meta"), "correct": correct}
            | result.to_dict()
        )
    return records


def evaluate(
    engine: Any, rows: list[dict[str, Any]], full: bool = False, progress: bool = True, batch_size: int = 16
) -> dict[str, Any]:
    """The headline metrics of `engine` on `rows`."""
    return run(engine, rows, full=full, progress=progress, batch_size=batch_size)[0]


def markdown_table(columns: dict[str, dict[str, Any]]) -> str:
    """One column per model, one row per metric; the best value of each row in bold."""
    names = list(columns)
    keys: list[str] = []
    for metrics in columns.values():
        keys += [k for k in metrics if k != "n" and k not in keys]
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in keys:
        values = [columns[n].get(key) for n in names]
        numeric = [v for v in values if isinstance(v, (int, float))]
        lower = any(part in key for part in LOWER_IS_BETTER)
        best = (min if lower else max)(numeric) if len(numeric) > 1 and key not in NO_BEST else None
        cells = ["" if v is None else f"**{v}**" if v == best and best is not None else str(v) for v in values]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


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


def label_distribution(details: dict[str, Any], max_labels: int = 8) -> list[str]:
    """One line per field: how often each label is predicted against how often it is true, e.g.
    `priority: Low 84% (true 33%) · Medium 16% (33%) · High 0% (28%) · Critical 0% (6%)`; collapse onto
    frequent labels shows at a glance. Fields with many labels show the `max_labels` most frequent."""
    lines = []
    for name, d in details.items():
        n = len(d["gold"]) or 1
        classes = sorted(d["per_class"].items(), key=lambda kv: -kv[1]["support"])[:max_labels]
        parts = [
            f"{label} {c['predicted'] / n:.0%} ({'true ' if i == 0 else ''}{c['support'] / n:.0%})"
            for i, (label, c) in enumerate(classes)
        ]
        more = len(d["per_class"]) - len(classes)
        lines.append(f"{name}: " + " · ".join(parts) + (f" · {more} more" if more > 0 else ""))
    return lines


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
