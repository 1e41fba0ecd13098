"""Does the promise hold? Risk-controlled review thresholds, chosen on one split, checked on another.

For each target error rate, what `triage calibrate --target-error` would choose (temperatures on the
even rows of --data, the threshold tested on the odd rows), then the error and coverage of auto-routed
tickets on --test, beside the schema's fixed per-field thresholds. The model runs once per split;
every target reuses its scores. Prints one JSON line (and a table on stderr).

    python scripts/benchmark_risk_control.py --data data/synthetic/val.jsonl --test data/synthetic/test.jsonl
    python scripts/benchmark_risk_control.py --data val.jsonl --test test.jsonl --exchangeable   # pooled, halved
    python scripts/benchmark_risk_control.py --model outputs/real/adapter --schema outputs/real/data/schema.yaml \
        --data cal.jsonl --test held_out.jsonl --targets 0.05,0.10 --target-fields topic
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    from inference.calibrate import field_samples, fit_temperature, held_out_check, risk_controlled_threshold
    from inference.loader import add_model_arguments, load_triager
    from inference.risk_control import TargetNotReachable
    from ticket_triage.dataset import read_rows
    from ticket_triage.schema import load_schema

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="labelled calibration JSONL")
    parser.add_argument("--test", required=True, help="labelled held-out JSONL the promise is checked on")
    parser.add_argument("--limit", type=int, default=None, help="first N rows of each file")
    parser.add_argument(
        "--exchangeable",
        action="store_true",
        help="pool --data and --test, shuffle (seed 0) and split in halves: calibration and held-out tickets drawn "
        "alike, as the guarantee assumes (synthetic val and test hold different situations by design)",
    )
    parser.add_argument("--targets", default="0.05,0.10", help="comma-separated target error rates")
    parser.add_argument("--delta", type=float, default=0.1)
    parser.add_argument(
        "--target-fields",
        help="comma-separated enum fields the promise covers (default: all); several sets separated by ';'",
    )
    add_model_arguments(parser)
    args = parser.parse_args(argv)

    schema = load_schema(args.schema)
    every = [f.name for f in schema.enum_fields]
    field_sets = [part.split(",") for part in args.target_fields.split(";")] if args.target_fields else [every]
    cal = read_rows(args.data, schema, limit=args.limit, partial_labels=True)
    test = read_rows(args.test, schema, limit=args.limit, partial_labels=True)
    if args.exchangeable:
        pooled = cal + test
        random.Random(0).shuffle(pooled)
        cal, test = pooled[: len(pooled) // 2], pooled[len(pooled) // 2 :]
    triager = load_triager(args, args.model)
    triager.temperatures = dict.fromkeys(triager.temperatures, 1.0)  # fit from the raw scores
    start = time.perf_counter()
    cal_results, test_results = (
        triager.predict_batch(
            [r["text"] for r in rows], classification_only=True, progress=True, batch_size=args.batch_size
        )
        for rows in (cal, test)
    )
    seconds = time.perf_counter() - start
    temperatures = {
        n: fit_temperature(s["fit"]) for n, s in field_samples(schema, cal[0::2], cal_results[0::2]).items()
    }
    halves = [(cal[i::2], cal_results[i::2]) for i in (0, 1)]
    runs = []
    for fields in field_sets:
        for target in (float(t) for t in args.targets.split(",")):
            run = {"fields": fields, "target": target}
            try:
                control = risk_controlled_threshold(schema, *halves, temperatures, fields, target, args.delta)
            except TargetNotReachable as e:
                runs.append(run | {"refused": str(e)})
                continue
            check = held_out_check(schema, test, test_results, temperatures, fields, control.threshold)
            error = check["chosen_threshold"]["auto_error"]
            runs.append(
                run
                | {
                    "threshold": control.threshold,
                    "calibration": control.to_dict(),
                    "held_out": check,
                    "kept": error is None or error <= target,
                }
            )
    for run in runs:
        print(f"{','.join(run['fields'])}:", end=" ", file=sys.stderr)
        if "refused" in run:
            print(f"target {run['target']}: refused: {run['refused']}", file=sys.stderr)
            continue
        chosen, fixed = run["held_out"]["chosen_threshold"], run["held_out"]["schema_thresholds"]
        print(
            f"target {run['target']:.2f}: threshold {run['threshold']} -> held out: coverage {chosen['coverage']:.3f}, "
            f"auto error {chosen['auto_error']} ({'kept' if run['kept'] else 'NOT KEPT'}); schema thresholds: "
            f"coverage {fixed['coverage']:.3f}, auto error {fixed['auto_error']}",
            file=sys.stderr,
        )
    print(
        json.dumps(
            {
                "model": triager.name,
                "data": args.data,
                "test": args.test,
                "n_calibration": len(cal),
                "n_test": len(test),
                "exchangeable": args.exchangeable,
                "delta": args.delta,
                "temperatures": temperatures,
                "runs": runs,
                "model_seconds": round(seconds, 1),
                "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
