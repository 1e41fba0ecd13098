"""The review loop, simulated: route a stream, correct the review queue, retrain, promote, repeat.

Each round takes the next `--per-round` tickets of `--stream` (labelled), routes them with the current
adapter, and "corrects" the tickets it sent to review from their gold labels (as a person would,
through the corrections store of feedback/store.py). The adapter is then continued on every correction
so far, mixed with replay of `--replay` (`triage train --init_adapter ... --replay_file ...`), and the
candidate replaces the current adapter only if it is not worse on `--test` (feedback/promote.py).
Prints one JSON line: per round, the stream's coverage (share auto-routed) and the error of the
auto-routed tickets, the corrections, and the test split's scores after the round.

    python scripts/simulate_review_loop.py --model models/smollm2-135m-itsm --stream stream.jsonl \\
        --test held_out.jsonl --replay data/synthetic/train.jsonl --rounds 3 --per-round 500 --out outputs/loop \\
        -- --config configs/train/cpu_smollm2.yaml --num_train_epochs 1

Arguments after `--` go to `triage train` (the profile, epochs, batch size). The initial adapter is
copied into `--out`; the original is never changed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    train_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="the initial adapter bundle")
    parser.add_argument("--schema", default=None, help="taxonomy YAML (default: the shipped one)")
    parser.add_argument("--stream", required=True, help="labelled tickets arriving, in order (JSONL)")
    parser.add_argument("--test", required=True, help="labelled held-out JSONL for the promotion check and scores")
    parser.add_argument("--replay", required=True, help="the original training rows, replayed while retraining")
    parser.add_argument("--replay-ratio", type=float, default=1.0, help="replay rows per correction (default 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=500, help="stream tickets routed per round")
    parser.add_argument("--test-limit", type=int, default=None, help="the first N test rows only")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out", required=True, help="work folder: the current adapter, each round's run")
    args = parser.parse_args(argv)

    from feedback.promote import decide, replace_adapter
    from feedback.store import Correction, CorrectionStore, to_training_rows
    from inference.engine import TriageEngine
    from inference.metrics import run, score
    from ticket_triage.dataset import read_rows, write_rows
    from ticket_triage.schema import load_schema
    from training.train import main as train

    schema = load_schema(args.schema)
    stream = read_rows(args.stream, schema)
    test = read_rows(args.test, schema, args.test_limit)
    out = Path(args.out)
    current = out / "current"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(args.model, current)
    store = CorrectionStore(out / "corrections.db", schema, keep_text=True)

    def scores(model: Path) -> dict:
        engine = TriageEngine.load(str(model), schema=schema, device="cpu")
        return run(engine, test, progress=False, batch_size=args.batch_size)[0]

    started = time.perf_counter()
    rounds = [{"round": 0, "test": scores(current)}]
    for r in range(1, args.rounds + 1):
        chunk = stream[(r - 1) * args.per_round : r * args.per_round]
        if not chunk:
            break
        engine = TriageEngine.load(str(current), schema=schema, device="cpu")
        results = engine.predict_batch(
            [row["text"] for row in chunk], classification_only=True, batch_size=args.batch_size
        )
        routed = score(schema, chunk, results, seconds=0.0)  # review_rate and auto_error of the stream
        corrections = [
            Correction(
                ticket_id=str(row.get("id") or f"round{r}-{i}"),
                fields=dict(row["label"]),
                who="simulated reviewer (gold label)",
                source="api",
                model=engine.name,
                original=res.ticket,
                text=row["text"],
            )
            for i, (row, res) in enumerate(zip(chunk, results))
            if res.status == "review"
        ]
        store.add_many(corrections)
        rows, skipped = to_training_rows(store.corrections(), schema)
        if not rows:
            print(f"[loop] round {r}: nothing was sent to review, nothing to learn", file=sys.stderr)
            rounds.append({"round": r, "stream": len(chunk), "coverage": 1.0, "test": rounds[-1]["test"]})
            continue
        run_dir = out / f"round{r}"
        run_dir.mkdir(parents=True)
        write_rows(run_dir / "corrections.jsonl", rows)
        with contextlib.redirect_stdout(sys.stderr):  # the trainer's progress; stdout is the one JSON line
            code = train(
                [
                    *train_args,
                    "--init_adapter",
                    str(current),
                    "--train_file",
                    str(run_dir / "corrections.jsonl"),
                    "--replay_file",
                    args.replay,
                    "--replay_ratio",
                    str(args.replay_ratio),
                    "--output_dir",
                    str(run_dir),
                    "--resume",
                    "never",
                ]
            )
        if code:
            raise SystemExit(f"round {r}: training failed ({code})")
        before, after = rounds[-1]["test"], scores(run_dir / "adapter")
        promoted, why = decide(before, after, "exact_match", 0.01)
        if promoted:
            replace_adapter(run_dir / "adapter", current, {"round": r, "why": why})
        rounds.append(
            {
                "round": r,
                "stream": len(chunk),
                "coverage": round(1 - routed["review_rate"], 4),
                "auto_error": routed["auto_error"],
                "corrections_total": len(store),
                "training_rows": len(rows),
                "skipped": len(skipped),
                "promoted": promoted,
                "why": why,
                "candidate_test": after,
                "test": after if promoted else before,
            }
        )
        print(f"[loop] round {r}: {'promoted' if promoted else 'kept the current adapter'} ({why})", file=sys.stderr)
    store.close()
    print(
        json.dumps(
            {
                "model": args.model,
                "stream": args.stream,
                "test": args.test,
                "n_test": len(test),
                "rounds": rounds,
                "seconds": round(time.perf_counter() - started, 1),
                "train_args": train_args,
                "machine": platform.machine(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
