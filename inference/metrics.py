"""How good a model's results are, in numbers: the scoring library behind `triage eval`, `triage calibrate`,
the training's task-metric callback, the demo and the benchmarks.

    from inference.metrics import run
    metrics, details = run(triager, rows)          # rows of a labelled JSONL split (ticket_triage.dataset)
    print(metrics["category/macro_f1"], metrics["exact_match"])

Per enum field: accuracy, macro- and weighted-F1, the lowest per-class recall, per-class scores and
predicted counts, expected calibration error with its reliability bins, and accuracy at each review
threshold. Per ticket: exact match, JSON-valid, schema-valid and rule-violation rates, review rate,
latency p50/p95 and tickets/s.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from inference.engine import DEFAULT_BATCH_SIZE  # light: no torch until a model loads
from ticket_triage.schema import TicketSchema

ECE_BINS = 10


def reliability_bins(confidences: list[float], correct: list[bool], bins: int = ECE_BINS) -> list[dict[str, float]]:
    """The non-empty equal-width confidence bins: their range, size, mean confidence and accuracy."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if lo < c <= hi or (b == 0 and c == 0.0)]
        if members:
            out.append(
                {
                    "from": lo,
                    "to": hi,
                    "n": len(members),
                    "confidence": sum(confidences[i] for i in members) / len(members),
                    "accuracy": sum(correct[i] for i in members) / len(members),
                }
            )
    return out


def expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = ECE_BINS) -> float:
    """Sum over equal-width confidence bins of |accuracy - mean confidence|, weighted by bin size."""
    if not confidences:
        return 0.0
    return sum(
        b["n"] / len(confidences) * abs(b["accuracy"] - b["confidence"])
        for b in reliability_bins(confidences, correct, bins)
    )


THRESHOLDS = [round(0.1 * i, 1) for i in range(10)]  # review thresholds for the coverage curve
LOWER_IS_BETTER = ("latency", "rule_violation_rate", "/ece")
# Neither direction is better: a confidently wrong model sends little to review, and a model that
# sends everything to review makes no auto-routing error.
NO_BEST = ("review_rate", "auto_error", "promise/")


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
    # The promise a review threshold makes (`triage calibrate --target-error`): of the tickets routed
    # without a person, how many have a labelled enum field wrong.
    auto = [ok for ok, res in zip(exact, results) if res.status == "auto"]
    metrics["auto_error"] = round(1 - sum(auto) / len(auto), 4) if auto else None
    latencies = [res.timing_ms for res in results]
    metrics["latency_ms_p50"] = round(statistics.median(latencies), 1)
    metrics["latency_ms_p95"] = round(_percentile(latencies, 0.95), 1)
    metrics["tickets_per_s"] = round(len(rows) / seconds, 3) if seconds else None
    return metrics, details


def promise_check(rows: list[dict[str, Any]], results: list[Any], promise: dict[str, Any]) -> dict[str, Any]:
    """A calibrated promise (`triage calibrate --target-error`) against labelled tickets it was not fitted
    on: the share auto-routed and how many of those have a promised field wrong, beside the target."""
    fields = promise.get("fields") or []
    labelled = [(row, res) for row, res in zip(rows, results) if all(name in row["label"] for name in fields)]
    auto = [
        all(res.ticket.get(name) == row["label"][name] for name in fields)
        for row, res in labelled
        if res.status == "auto"
    ]
    error = round(1 - sum(auto) / len(auto), 4) if auto else None
    return {
        "fields": fields,
        "target": promise.get("target"),
        "delta": promise.get("delta"),
        "n": len(labelled),
        "auto": len(auto),
        "coverage": round(len(auto) / len(labelled), 4) if labelled else None,
        "auto_error": error,
        "met": error is None or error <= promise.get("target", 1.0),
    }


def score(schema: TicketSchema, rows: list[dict[str, Any]], results: list[Any], seconds: float) -> dict[str, Any]:
    """The headline metrics of `results` against the labels of `rows`."""
    return score_details(schema, rows, results, seconds)[0]


def run(
    engine: Any,
    rows: list[dict[str, Any]],
    full: bool = False,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Triage `rows` with `engine` (anything with `predict_batch` and `schema`); (metrics, details)."""
    results, seconds = predict_rows(engine, rows, full=full, progress=progress, batch_size=batch_size)
    return score_details(engine.schema, rows, results, seconds)


def predict_rows(
    engine: Any,
    rows: list[dict[str, Any]],
    full: bool = False,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
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
    engine: Any,
    rows: list[dict[str, Any]],
    full: bool = False,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
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
        best = (
            (min if lower else max)(numeric) if len(numeric) > 1 and not any(part in key for part in NO_BEST) else None
        )
        cells = ["" if v is None else f"**{v}**" if v == best and best is not None else str(v) for v in values]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
