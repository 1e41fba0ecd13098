"""`triage calibrate`: make confidences mean what they say, and store the fix with the adapter.

    triage calibrate --data data/synthetic/val.jsonl --test data/synthetic/test.jsonl
    triage calibrate --model outputs/cpu-smollm2/adapter --data val.jsonl --dry-run   # report only

A fine-tuned model's option probabilities are usually over-confident. Temperature scaling (Guo et
al., 2017) fits one number per enum field on a validation split: the temperature T that minimises
the negative log-likelihood of the right option under softmax(scores / T). It never changes which
option wins, only how sure the engine says it is, so the review thresholds in the schema config
mean the same on every adapter. The temperatures go to `<model folder>/calibration.json`, which
`TriageEngine.load` reads. The calibrated model's predictions on `--data` go next to it as
`drift_reference.jsonl` (labels, confidences and status only, no text): the reference distribution
that `triage serve` compares its live predictions with.

The report (a table; `--json` for the numbers) gives the expected calibration error (ECE, 10
equal-width bins) of every enum field before and after, never on the tickets a temperature was fitted
on: on `--test` when given, else cross-fitted on `--data` (temperatures fitted on one half of it are
scored on the other, and the other way round; the temperatures written are fitted on all of it). A
temperature at the edge of its range (0.05 to 20) is warned about: the scores of that field carry
almost no information (or are wildly over-confident), and the fit did not converge inside the range.

With `--target-error RATE` it also chooses the review threshold that keeps a promise: tickets routed
automatically are wrong (any promised field wrong) at most RATE of the time, with probability at least
1 - `--delta` (Learn-then-Test, see inference/risk_control.py). The temperatures are then fitted on the
even rows of `--data` and the threshold tested on the odd rows, so the test sees a fixed model. The
threshold goes into calibration.json beside the temperatures (predict, eval and serve use it; an
explicit `--review-threshold` still wins); with `--test` the report measures the error and coverage
of auto-routed tickets there, beside the schema's fixed thresholds. No threshold meeting the target
is a clear refusal, and nothing is written.

    triage calibrate --data val.jsonl --test test.jsonl --target-error 0.05 --delta 0.1
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from inference.metrics import expected_calibration_error
from inference.risk_control import (
    RiskControl,
    TargetNotReachable,
    choose_threshold,
    measured,
    starting_threshold,
    ticket_scores,
)
from ticket_triage.dataset import read_rows
from ticket_triage.schema import TicketSchema

TEMPERATURE_RANGE = (0.05, 20.0)


def _softmax(scores: list[float], temperature: float) -> list[float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def negative_log_likelihood(samples: list[tuple[list[float], int]], temperature: float) -> float:
    """Mean NLL of the gold option (its index) under softmax(scores / temperature)."""
    nll = 0.0
    for scores, gold in samples:
        top = max(scores)
        log_total = math.log(sum(math.exp((s - top) / temperature) for s in scores))
        nll -= (scores[gold] - top) / temperature - log_total
    return nll / len(samples)


def fit_temperature(samples: list[tuple[list[float], int]]) -> float:
    """The temperature with the lowest NLL: golden-section search over log T (NLL is unimodal in T)."""
    if not samples:
        return 1.0
    lo, hi = math.log(TEMPERATURE_RANGE[0]), math.log(TEMPERATURE_RANGE[1])
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = negative_log_likelihood(samples, math.exp(a)), negative_log_likelihood(samples, math.exp(b))
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = negative_log_likelihood(samples, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = negative_log_likelihood(samples, math.exp(b))
    return round(math.exp((lo + hi) / 2), 4)


def field_samples(schema: TicketSchema, rows: list[dict[str, Any]], results: list[Any]) -> dict[str, dict[str, list]]:
    """Per enum field: the raw option scores, the gold option's index and whether the pick was right.

    A gold value that was not among the allowed options (the category was already wrong, so the
    subcategory could not be right) counts for the ECE but cannot be used to fit a temperature.
    """
    out: dict[str, dict[str, list]] = {}
    for f in schema.enum_fields:
        fit, scores_all, correct = [], [], []
        for row, result in zip(rows, results):
            gold = row["label"].get(f.name)
            scored = result.option_scores.get(f.name)
            if gold is None or not scored:
                continue
            options, scores = list(scored), list(scored.values())
            scores_all.append(scores)
            correct.append(result.ticket.get(f.name) == gold)
            if gold in options:
                fit.append((scores, options.index(gold)))
        out[f.name] = {"fit": fit, "scores": scores_all, "correct": correct}
    return out


def calibration_report(
    parts: list[tuple[dict[str, dict[str, list]], dict[str, float]]], temperatures: dict[str, float]
) -> dict[str, Any]:
    """ECE and mean confidence per field, before (T=1) and after calibration.

    `parts` pairs the samples scored with the temperatures to score them with (fitted elsewhere);
    `temperatures` are the ones written, which the report shows.
    """
    report: dict[str, Any] = {}
    for name in parts[0][0]:
        before, after, correct = [], [], []
        for samples, scoring in parts:
            s = samples[name]
            before += [max(_softmax(x, 1.0)) for x in s["scores"]]
            after += [max(_softmax(x, scoring.get(name, 1.0))) for x in s["scores"]]
            correct += s["correct"]
        n = len(correct)
        report[name] = {
            "n": n,
            "accuracy": round(sum(correct) / n, 4) if n else None,
            "temperature": temperatures.get(name, 1.0),
            "mean_confidence_before": round(sum(before) / n, 4) if n else None,
            "mean_confidence_after": round(sum(after) / n, 4) if n else None,
            "ece_before": round(expected_calibration_error(before, correct), 4),
            "ece_after": round(expected_calibration_error(after, correct), 4),
        }
    return report


def at_bound(temperature: float) -> bool:
    low, high = TEMPERATURE_RANGE
    return temperature <= low * 1.01 or temperature >= high * 0.99


def promised_fields(parser: argparse.ArgumentParser, args: argparse.Namespace, schema: TicketSchema) -> list[str]:
    """The enum fields `--target-error` covers ([] without it); bad values are a usage error."""
    if args.target_error is None:
        if args.target_fields:
            parser.error("--target-fields needs --target-error")
        return []
    if not 0 < args.target_error < 1 or not 0 < args.delta < 1:
        parser.error(f"--target-error and --delta must be between 0 and 1, got {args.target_error} and {args.delta}")
    names = [f.name for f in schema.enum_fields]
    if not args.target_fields:
        return names
    fields = [name.strip() for name in args.target_fields.split(",") if name.strip()]
    unknown = [name for name in fields if name not in names]
    if unknown or not fields:
        parser.error(f"--target-fields: {', '.join(unknown) or 'none given'}: the enum fields are {', '.join(names)}")
    return fields


def report_table(report: dict[str, Any]) -> str:
    lines = [
        f"calibration of {report['model']}: temperatures fitted on {report['fitted_on']}, "
        f"ECE measured on {report['reported_on']}",
        "| field | n | accuracy | temperature | mean confidence before → after | ECE before → after |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in report["fields"].items():
        lines.append(
            f"| {name} | {f['n']} | {f['accuracy']} | {f['temperature']} | "
            f"{f['mean_confidence_before']} → {f['mean_confidence_after']} | {f['ece_before']} → {f['ece_after']} |"
        )
    control = report.get("risk_control")
    if control:
        lines += [
            "",
            f"review threshold {control['threshold']} on {', '.join(control['fields'])}: auto-routed tickets wrong "
            f"at most {control['target']:.0%} with probability {1 - control['delta']:.0%} (tested on "
            f"{control['tested_on']}: {control['auto']} of {control['n']} auto-routed, {control['errors']} wrong, "
            f"p = {control['p_value']:.3g})",
        ]
        held_out = control.get("held_out")
        if held_out:
            lines += [
                "",
                f"held out on {held_out['on']}:",
                "| rule | coverage | error of auto-routed |",
                "|---|---|---|",
            ]
            for rule in ("chosen_threshold", "schema_thresholds"):
                m = held_out[rule]
                error = "-" if m["auto_error"] is None else f"{m['auto_error']:.4f}"
                lines.append(f"| {rule.replace('_', ' ')} | {m['coverage']:.4f} ({m['auto']} of {m['n']}) | {error} |")
    return "\n".join(lines)


def calibrated_outcomes(
    schema: TicketSchema,
    rows: list[dict[str, Any]],
    results: list[Any],
    temperatures: dict[str, float],
) -> tuple[list[dict[str, float]], list[dict[str, bool]]]:
    """Per labelled ticket: every enum field's calibrated confidence (softmax of its raw option scores
    over the temperature, at the value chosen) and whether the field is right. Tickets missing a gold
    value or a score for any enum field are left out: a promise is about whole tickets."""
    names = [f.name for f in schema.enum_fields]
    confidences, correct = [], []
    for row, result in zip(rows, results):
        gold = row["label"]
        if any(gold.get(name) is None or not result.option_scores.get(name) for name in names):
            continue
        confidence = {}
        for name in names:
            options = list(result.option_scores[name])
            probs = _softmax(list(result.option_scores[name].values()), temperatures.get(name, 1.0))
            confidence[name] = probs[options.index(result.ticket[name])]
        confidences.append(confidence)
        correct.append({name: result.ticket[name] == gold[name] for name in names})
    return confidences, correct


def risk_controlled_threshold(
    schema: TicketSchema,
    start_on: tuple[list[dict[str, Any]], list[Any]],
    test_on: tuple[list[dict[str, Any]], list[Any]],
    temperatures: dict[str, float],
    fields: list[str],
    target: float,
    delta: float,
) -> RiskControl:
    """The review threshold for `fields` that keeps `target` with probability 1 - `delta`: the sequence
    starts where `start_on` shows the strongest evidence and is tested on `test_on` (independent
    tickets). The other enum fields keep the schema's thresholds. Raises TargetNotReachable."""
    fixed = {name: t for name, t in schema.review_thresholds().items() if name not in fields}
    start = starting_threshold(
        *ticket_scores(*calibrated_outcomes(schema, *start_on, temperatures), fields, fixed), target=target
    )
    scores, wrong = ticket_scores(*calibrated_outcomes(schema, *test_on, temperatures), fields, fixed)
    return choose_threshold(scores, wrong, target, delta, start=start)


def held_out_check(
    schema: TicketSchema,
    rows: list[dict[str, Any]],
    results: list[Any],
    temperatures: dict[str, float],
    fields: list[str],
    threshold: float,
) -> dict[str, Any]:
    """Coverage and error of auto-routed tickets on held-out rows: at the chosen threshold, and at the
    schema's fixed per-field thresholds for comparison (errors counted on the same `fields`)."""
    confidences, correct = calibrated_outcomes(schema, rows, results, temperatures)
    schema_thresholds = schema.review_thresholds()
    fixed = {name: t for name, t in schema_thresholds.items() if name not in fields}
    chosen = measured(*ticket_scores(confidences, correct, fields, fixed), threshold)
    # The schema's own rule holds every enum field at its own threshold: a ticket it sends to review
    # scores -1, every other one a confidence (>= 0), so threshold 0 routes exactly the latter.
    schema_rule = measured(*ticket_scores(confidences, correct, fields, schema_thresholds), 0.0)
    return {"chosen_threshold": chosen, "schema_thresholds": schema_rule}


def main(argv: list[str] | None = None) -> int:
    from inference.loader import add_model_arguments, load_triager

    parser = argparse.ArgumentParser(
        prog="triage calibrate",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--data", required=True, help="labelled validation JSONL to fit the temperatures on")
    parser.add_argument("--test", help="labelled JSONL to report ECE on (default: --data)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N rows of each file")
    parser.add_argument("--dry-run", action="store_true", help="report, but do not write calibration.json")
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    promise = parser.add_argument_group("a guaranteed error rate for auto-routed tickets")
    promise.add_argument(
        "--target-error",
        type=float,
        metavar="RATE",
        help="choose the review threshold so auto-routed tickets are wrong at most RATE of the time (e.g. 0.05)",
    )
    promise.add_argument(
        "--delta", type=float, default=0.1, help="the promise may fail with at most this probability (default 0.1)"
    )
    promise.add_argument(
        "--target-fields",
        help="comma-separated enum fields the promise covers (default: all; the others keep the schema's thresholds)",
    )
    add_model_arguments(parser)
    args = parser.parse_args(argv)

    from ticket_triage.models import default_model, resolve_model
    from ticket_triage.schema import load_schema

    schema = load_schema(args.schema)
    promised = promised_fields(parser, args, schema)
    fit_rows = read_rows(args.data, schema, limit=args.limit, partial_labels=True)
    test_rows = read_rows(args.test, schema, limit=args.limit, partial_labels=True) if args.test else fit_rows
    resolved = resolve_model(args.model or default_model())
    engine = load_triager(args, args.model)
    engine.temperatures = dict.fromkeys(engine.temperatures, 1.0)  # fit from the raw scores

    def run(rows: list[dict[str, Any]]) -> list[Any]:
        return engine.predict_batch(
            [r["text"] for r in rows], classification_only=True, progress=True, batch_size=args.batch_size
        )

    fit_results = run(fit_rows)
    fitted_on = str(args.data)
    if promised:  # temperatures on the even rows, the threshold tested on the odd ones (a fixed model)
        fit_samples = field_samples(schema, fit_rows[0::2], fit_results[0::2])
        fitted_on += " (even rows; the review threshold is tested on the odd rows)"
    else:
        fit_samples = field_samples(schema, fit_rows, fit_results)
    temperatures = {name: fit_temperature(s["fit"]) for name, s in fit_samples.items()}
    test_results = run(test_rows) if args.test else []
    if args.test:
        parts = [(field_samples(schema, test_rows, test_results), temperatures)]
        reported_on = str(args.test)
    else:  # cross-fitting: each half is scored with the temperatures fitted on the other
        halves = [field_samples(schema, fit_rows[i::2], fit_results[i::2]) for i in (0, 1)]
        fitted = [{name: fit_temperature(s["fit"]) for name, s in half.items()} for half in halves]
        parts = [(halves[0], fitted[1]), (halves[1], fitted[0])]
        reported_on = f"{args.data}, cross-fitted (no --test given)"
    report = {
        "model": engine.name,
        "fitted_on": fitted_on,
        "reported_on": reported_on,
        "fields": calibration_report(parts, temperatures),
    }
    control = None
    if promised:
        halves = [(fit_rows[i::2], fit_results[i::2]) for i in (0, 1)]
        try:
            control = risk_controlled_threshold(
                schema, halves[0], halves[1], temperatures, promised, args.target_error, args.delta
            )
        except TargetNotReachable as e:
            print(f"error: {e}; nothing written", file=sys.stderr)
            return 2
        report["risk_control"] = control.to_dict() | {"fields": promised, "tested_on": f"{args.data} (odd rows)"}
        if args.test:
            report["risk_control"]["held_out"] = held_out_check(
                schema, test_rows, test_results, temperatures, promised, control.threshold
            ) | {"on": str(args.test)}
    print(json.dumps(report, indent=2) if args.json else report_table(report))
    for name, t in temperatures.items():
        if at_bound(t):
            print(
                f"warning: {name}: temperature {t} is at the edge of its range {TEMPERATURE_RANGE}: the "
                "model's scores for this field barely predict the right value; check its accuracy first",
                file=sys.stderr,
            )
    if not args.dry_run:
        folder = Path(resolved.adapter or resolved.base)
        if not folder.is_dir():
            print(f"error: {folder} is not a local folder; nothing written (use --dry-run)", file=sys.stderr)
            return 2
        from inference.drift import DRIFT_REFERENCE_FILE, write_reference
        from inference.model_loading import CALIBRATION_FILE

        path = folder / CALIBRATION_FILE
        payload: dict[str, Any] = {
            "schema_fingerprint": schema.fingerprint(),
            "fitted_on": fitted_on,
            "n": len(fit_rows),
            "fields": {name: {"temperature": t} for name, t in temperatures.items()},
        }
        if control is not None:
            for name in promised:
                payload["fields"][name]["review_threshold"] = control.threshold
            payload["risk_control"] = {k: v for k, v in report["risk_control"].items() if k != "held_out"}
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        # The calibrated model's predictions on the validation split are its reference distribution:
        # `triage serve` compares its live predictions with them (PSI) in /metrics and /v1/drift.
        engine.temperatures = dict(temperatures)
        # The reference's statuses follow the thresholds just written (a recalibration without
        # --target-error drops earlier ones: they were chosen for the old temperatures).
        written = {
            name: spec["review_threshold"] for name, spec in payload["fields"].items() if "review_threshold" in spec
        }
        engine.review_thresholds = schema.review_thresholds(written or None)
        reference = folder / DRIFT_REFERENCE_FILE
        write_reference(reference, [r.to_dict() for r in run(fit_rows)], schema)
        print(f"wrote {path} and {reference}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
