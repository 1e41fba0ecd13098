"""Real-data benchmark: the fine-tuned LLM against classic baselines on real IT tickets.

Imports `../shared/data/it_service_tickets` (47,837 Endava help-desk e-mails, 8 topic groups, the
fixed 80/20 split of its split.csv), fits the baselines on the train split, fine-tunes a LoRA
adapter on the offline SmolLM2-135M with a budget that fits a 2-core CPU, and compares them all
on the same test tickets: adapter, base model zero-shot, TF-IDF + logistic regression, MiniLM
embeddings + logistic regression. Prints the side-by-side table, then one JSON line.

    .venv/bin/python scripts/benchmark_real_data.py --out outputs/real          # ~30 min on 2 cores
    .venv/bin/python scripts/benchmark_real_data.py --out outputs/real --test-tickets 9567   # whole test split

The LLMs are scored on a seeded random sample of the test split (`--test-tickets`, default 1000)
because the CPU triages ~10 tickets/s at best; every contender is scored on that same sample, and
the baselines on the whole test split too. The data stays in ../shared; only derived JSONL goes
to `--out`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

MAPPING = REPO_ROOT / "configs" / "import" / "it_service_tickets.yaml"
CPU_PROFILE = REPO_ROOT / "configs" / "train" / "cpu_smollm2.yaml"


def log(message: str) -> None:
    print(f"[real] {message}", file=sys.stderr, flush=True)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-data", default=str(REPO_ROOT.parent / "shared" / "data" / "it_service_tickets"),
                        help="folder with tickets.csv and split.csv")
    parser.add_argument("--out", default="outputs/real", help="work folder (data subsets, baselines, adapter)")
    parser.add_argument("--test-tickets", type=int, default=1000, help="test tickets every contender is scored on")
    parser.add_argument("--train-tickets", type=int, default=1200, help="train tickets the LLM may see")
    parser.add_argument("--max-steps", type=int, default=150, help="LoRA steps (batch 4): the CPU budget")
    parser.add_argument("--embedding-train", type=int, default=8000, help="train tickets for the embedding head")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    from generating import importer
    from inference.baselines import EmbeddingBaseline, TfidfBaseline
    from inference.compare import main as compare
    from ticket_triage.dataset import read_rows
    from ticket_triage.schema import load_schema
    from training import train

    out = Path(args.out)
    data = out / "data"
    shared = Path(args.shared_data)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    log(f"importing {shared}")
    importer.main(["--mapping", str(MAPPING), str(shared / "tickets.csv"), "--split-file", str(shared / "split.csv"),
                   "--infer-schema", str(data / "schema.yaml"), "--out", str(data)])
    schema_path = data / "schema.yaml"
    schema = load_schema(schema_path)
    train_rows = read_rows(data / "train.jsonl", schema)
    test_rows = read_rows(data / "test.jsonl", schema)
    rng = random.Random(args.seed)
    test_sample = rng.sample(test_rows, min(args.test_tickets, len(test_rows)))
    llm_train = rng.sample(train_rows, min(args.train_tickets, len(train_rows)))
    embedding_train = rng.sample(train_rows, min(args.embedding_train, len(train_rows)))
    write_jsonl(data / "test_sample.jsonl", test_sample)
    write_jsonl(data / "llm_train.jsonl", llm_train)
    timings["import_s"] = time.perf_counter() - t

    t = time.perf_counter()
    log(f"fitting TF-IDF + LR on {len(train_rows)} train tickets")
    TfidfBaseline().fit(train_rows, schema).save(out / "baselines" / "tfidf")
    timings["tfidf_fit_s"] = time.perf_counter() - t
    t = time.perf_counter()
    log(f"fitting MiniLM embeddings + LR on {len(embedding_train)} train tickets")
    EmbeddingBaseline().fit(embedding_train, schema).save(out / "baselines" / "embedding")
    timings["embedding_fit_s"] = time.perf_counter() - t

    t = time.perf_counter()
    adapter = out / "run" / train.ADAPTER_DIR
    log(f"fine-tuning a LoRA adapter: {args.max_steps} steps on {len(llm_train)} train tickets")
    train.main(["--config", str(CPU_PROFILE), "--train_file", str(data / "llm_train.jsonl"),
                "--schema", str(schema_path), "--output_dir", str(out / "run"), "--max_steps", str(args.max_steps)])
    timings["llm_train_s"] = time.perf_counter() - t

    t = time.perf_counter()
    contenders = [str(adapter), "smollm2-135m", str(out / "baselines" / "tfidf"), str(out / "baselines" / "embedding")]
    log(f"comparing on {len(test_sample)} sampled test tickets")
    compare(["--data", str(data / "test_sample.jsonl"), "--schema", str(schema_path), "--out", str(out / "compare"),
             *[a for c in contenders for a in ("--model", c)]])
    timings["compare_s"] = time.perf_counter() - t
    t = time.perf_counter()
    log(f"baselines on the whole test split ({len(test_rows)} tickets)")
    compare(["--data", str(data / "test.jsonl"), "--schema", str(schema_path), "--out", str(out / "compare_full"),
             *[a for c in contenders[2:] for a in ("--model", c)]])
    timings["compare_full_s"] = time.perf_counter() - t

    sample = json.loads((out / "compare" / "compare.json").read_text())["models"]
    full = json.loads((out / "compare_full" / "compare.json").read_text())["models"]
    summary = {
        "benchmark": "it_service_tickets: fine-tuned LLM vs baselines",
        "test_sample": len(test_sample),
        "test_full": len(test_rows),
        "llm_train_tickets": len(llm_train),
        "llm_max_steps": args.max_steps,
        "macro_f1_sample": {name: m.get("category/macro_f1") for name, m in sample.items()},
        "accuracy_sample": {name: m.get("category/accuracy") for name, m in sample.items()},
        "macro_f1_full_test": {name: m.get("category/macro_f1") for name, m in full.items()},
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
