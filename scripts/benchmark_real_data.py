"""Real-data benchmark: the fine-tuned LLM against TF-IDF on real IT tickets, as a learning curve.

Imports `../shared/data/it_service_tickets` (47,837 Endava help-desk e-mails, 8 topic groups, the
fixed 80/20 split of its split.csv). For each training size in `--train-sizes` (tickets drawn from
the train split with one seed, each size containing the smaller ones), it fine-tunes a fresh LoRA
adapter on the offline SmolLM2-135M with the CPU profile (`--epochs` epochs, the shared-prefix
trainer) and fits TF-IDF + logistic regression on the same tickets; every model is scored on the
same seeded sample of the test split (`--test-tickets`), TF-IDF also on the whole test split. The
CPU minutes of each fine-tuning run are measured, so the curve says what each macro-F1 cost.

    .venv/bin/python scripts/benchmark_real_data.py --out outputs/real                      # hours on 2 cores
    .venv/bin/python scripts/benchmark_real_data.py --out outputs/real --train-sizes 1000 4000   # a quick curve
    python scripts/benchmark_real_data.py --out /tmp/real --train-sizes 0 --llm-full-test \
        -- --per_device_train_batch_size 32 --activation_checkpointing false --shared_prefix false  # a GPU

Flags after `--` go to `triage train` unchanged, after the profile's own. `--llm-full-test` also scores
the LLM on the whole test split (about 20 minutes on 2 CPU cores; the number to set against TF-IDF's).

Prints the learning curve as a table to stderr and one JSON line to stdout; `<out>/curve.json`
keeps every point. The data stays in ../shared; only derived JSONL goes to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

MAPPING = REPO_ROOT / "configs" / "import" / "it_service_tickets.yaml"
CPU_PROFILE = REPO_ROOT / "configs" / "train" / "cpu_smollm2.yaml"
FULL = 0  # --train-sizes value meaning "the whole train split"


def log(message: str) -> None:
    print(f"[real] {message}", file=sys.stderr, flush=True)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (training uses every core it gets)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def device_name() -> str:
    import platform

    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    return platform.processor() or "cpu"


def score(model, rows: list[dict]) -> dict:
    from inference.metrics import run

    metrics, _ = run(model, rows, progress=False)
    return {
        "macro_f1": metrics["category/macro_f1"],
        "accuracy": metrics["category/accuracy"],
        "min_recall": metrics["category/min_recall"],
        "tickets_per_s": metrics["tickets_per_s"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--shared-data",
        default=str(REPO_ROOT.parent / "shared" / "data" / "it_service_tickets"),
        help="folder with tickets.csv and split.csv",
    )
    parser.add_argument("--out", default="outputs/real", help="work folder (data subsets, baselines, adapters)")
    parser.add_argument("--test-tickets", type=int, default=1000, help="test tickets every contender is scored on")
    parser.add_argument(
        "--train-sizes",
        type=int,
        nargs="+",
        default=[1000, 4000, 16000, FULL],
        help="training tickets per point of the curve (0 = the whole train split)",
    )
    parser.add_argument("--epochs", type=float, default=1.0, help="epochs of each fine-tuning run: the CPU budget")
    parser.add_argument("--label-balance", type=float, default=0.5, help="the trainer's label_balance (macro-F1)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--config", default=str(CPU_PROFILE), help="training profile (default: the CPU profile)")
    parser.add_argument("--llm-full-test", action="store_true", help="score the LLM on the whole test split too")
    argv = sys.argv[1:] if argv is None else argv
    train_flags = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)

    from generating import importer
    from inference.baseline_tfidf import TfidfBaseline
    from inference.engine import TriageEngine
    from ticket_triage.dataset import read_rows
    from ticket_triage.schema import load_schema
    from training import train
    from training.saving import ADAPTER_DIR

    out = Path(args.out)
    data = out / "data"
    shared = Path(args.shared_data)
    log(f"importing {shared}")
    importer.main(
        [
            "--mapping",
            str(MAPPING),
            str(shared / "tickets.csv"),
            "--split-file",
            str(shared / "split.csv"),
            "--infer-schema",
            str(data / "schema.yaml"),
            "--out",
            str(data),
        ]
    )
    schema_path = data / "schema.yaml"
    schema = load_schema(schema_path)
    train_rows = read_rows(data / "train.jsonl", schema)
    test_rows = read_rows(data / "test.jsonl", schema)
    rng = random.Random(args.seed)
    test_sample = rng.sample(test_rows, min(args.test_tickets, len(test_rows)))
    shuffled = rng.sample(train_rows, len(train_rows))  # each size is a prefix: bigger sets hold the smaller
    write_jsonl(data / "test_sample.jsonl", test_sample)

    curve = []
    for size in sorted(args.train_sizes, key=lambda s: s or len(train_rows)):
        n = size or len(train_rows)
        subset = shuffled[:n]
        train_file = data / f"train_{n}.jsonl"
        write_jsonl(train_file, subset)
        t = time.perf_counter()
        tfidf = TfidfBaseline().fit(subset, schema, progress=False)
        tfidf_fit_s = time.perf_counter() - t
        run_dir = out / f"run_{n}"
        log(f"fine-tuning on {n} tickets ({args.epochs:g} epoch(s))")
        cpu, wall = cpu_seconds(), time.perf_counter()
        train.main(
            [
                "--config",
                args.config,
                "--train_file",
                str(train_file),
                "--schema",
                str(schema_path),
                "--output_dir",
                str(run_dir),
                "--num_train_epochs",
                str(args.epochs),
                "--label_balance",
                str(args.label_balance),
                "--resume",
                "never",
                "--report_to",
                "none",
                "--save_strategy",
                "no",
                *train_flags,
            ]
        )
        cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
        log(f"scoring both on {len(test_sample)} test tickets")
        engine = TriageEngine.load(str(run_dir / ADAPTER_DIR), schema=schema)
        llm = score(engine, test_sample)
        point = {
            "train_tickets": n,
            "llm": llm | {"train_cpu_min": round(cpu / 60, 1), "train_wall_min": round(wall / 60, 1)},
            "tfidf": score(tfidf, test_sample) | {"fit_s": round(tfidf_fit_s, 1)},
        }
        point["tfidf_full_test_macro_f1"] = score(tfidf, test_rows)["macro_f1"]
        if args.llm_full_test:
            log(f"scoring the LLM on the whole test split ({len(test_rows)} tickets)")
            point["llm_full_test_macro_f1"] = score(engine, test_rows)["macro_f1"]
        curve.append(point)
        (out / "curve.json").write_text(json.dumps(curve, indent=2) + "\n")
        log(f"{n} tickets: LLM macro-F1 {llm['macro_f1']} vs TF-IDF {point['tfidf']['macro_f1']}")

    lines = [
        "| train tickets | LLM macro-F1 | TF-IDF macro-F1 | LLM accuracy | TF-IDF accuracy | LLM train CPU min |",
        "|---|---|---|---|---|---|",
    ]
    for p in curve:
        lines.append(
            f"| {p['train_tickets']} | {p['llm']['macro_f1']} | {p['tfidf']['macro_f1']} | "
            f"{p['llm']['accuracy']} | {p['tfidf']['accuracy']} | {p['llm']['train_cpu_min']} |"
        )
    print("\n".join(lines), file=sys.stderr)
    crossing = next((p for p in curve if p["llm"]["macro_f1"] >= p["tfidf"]["macro_f1"]), None)
    print(
        json.dumps(
            {
                "benchmark": "it_service_tickets: fine-tuned SmolLM2-135M vs TF-IDF + LR, learning curve",
                "test_sample": len(test_sample),
                "test_full": len(test_rows),
                "epochs": args.epochs,
                "config": Path(args.config).name,
                "train_flags": train_flags,
                "device": device_name(),
                "curve": curve,
                "llm_reaches_tfidf_at": crossing and crossing["train_tickets"],
                "load_average": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
