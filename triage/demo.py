"""`triage demo`: the main job end to end on the offline model, on a CPU, in about 15 minutes.

1. generate a synthetic train/val/test set from the default schema (test situations never seen in training);
2. fine-tune a LoRA adapter on SmolLM2-135M with configs/train/cpu_smollm2.yaml (one epoch of the train split);
3. evaluate on held-out tickets, side by side: the adapter, the same model without it, and the baseline it
   has to beat (TF-IDF + logistic regression, fitted on the same train split in about a second);
4. triage a few example tickets to JSON with the new adapter.

    triage demo                                   # what `make demo` runs
    triage demo --out outputs/demo --max-steps 40 --eval-limit 30   # a quicker look
    triage demo --n 3000                          # the shipped adapter's data: ~27 min per epoch
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ticket_triage.schema import REPO_ROOT, add_schema_argument

CPU_PROFILE = REPO_ROOT / "configs" / "train" / "cpu_smollm2.yaml"
DEMO_TICKETS = 1200
EXAMPLES = [
    "VPN drops every ten minutes since this morning, I'm working from home and can't reach SAP.",
    "Hi, the whole accounts team can't print - the 3rd floor printer shows error 79 and payroll is due today!",
    "Got an email from 'IT support' asking me to confirm my password via a link. Looks fake?",
]


def step(title: str) -> float:
    print(f"\n=== {title}", flush=True)
    return time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="triage demo",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--out", default="outputs/demo", help="folder for data, adapter and reports")
    parser.add_argument("--model", default="smollm2-135m", help="base model (alias, folder or hub id)")
    # ~1,000 training tickets: one epoch fits the demo's ~15 minutes on 2 cores (about 1.5 tickets/s)
    parser.add_argument("--n", type=int, default=DEMO_TICKETS, help="synthetic tickets to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-steps", type=int, default=None, help="training steps (default: the profile's)")
    parser.add_argument("--eval-limit", type=int, default=100, help="held-out tickets to evaluate per model")
    add_schema_argument(parser)
    args = parser.parse_args(argv)

    from generating import synthetic
    from inference.baseline_tfidf import TfidfBaseline
    from inference.engine import TriageEngine
    from inference.metrics import evaluate, markdown_table
    from ticket_triage.dataset import read_rows
    from ticket_triage.schema import load_schema
    from training import train
    from training.saving import ADAPTER_DIR

    out = Path(args.out)
    data_dir, run_dir = out / "data", out / "run"
    timings: dict[str, float] = {}
    schema = load_schema(args.schema)
    schema_args = ["--schema", args.schema] if args.schema else []

    t = step(f"1/4 generate {args.n} synthetic tickets -> {data_dir}")
    if synthetic.main(["--n", str(args.n), "--seed", str(args.seed), "--out", str(data_dir), *schema_args]):
        return 2  # the generator said why (a custom taxonomy needs its own data: `triage import`)
    timings["generate_s"] = time.perf_counter() - t

    t = step(f"2/4 fine-tune a LoRA adapter on {args.model} ({CPU_PROFILE.relative_to(REPO_ROOT)})")
    train_args = [
        "--config",
        str(CPU_PROFILE),
        "--model_name_or_path",
        args.model,
        "--train_file",
        str(data_dir / "train.jsonl"),
        "--output_dir",
        str(run_dir),
        *schema_args,
    ]
    if args.max_steps is not None:
        train_args += ["--max_steps", str(args.max_steps)]
    train.main(train_args)
    timings["train_s"] = time.perf_counter() - t
    adapter = run_dir / ADAPTER_DIR

    t = step(f"3/4 evaluate on {args.eval_limit} held-out tickets: base model, adapter, TF-IDF baseline")
    rows = read_rows(data_dir / "test.jsonl", schema, args.eval_limit)
    columns = {}
    print("[eval] TF-IDF + logistic regression, fitted on the same train split", flush=True)
    tfidf = TfidfBaseline().fit(read_rows(data_dir / "train.jsonl", schema), schema, progress=False)
    tfidf.save(out / "tfidf")
    columns["TF-IDF + LR"] = evaluate(tfidf, rows, progress=False)
    for label, name in (("base (no adapter)", args.model), ("fine-tuned adapter", str(adapter))):
        engine = None  # one model in memory at a time
        engine = TriageEngine.load(name, schema=schema)
        print(f"[eval] {label}", flush=True)
        columns[label] = evaluate(engine, rows)
    columns = {k: columns[k] for k in ("base (no adapter)", "fine-tuned adapter", "TF-IDF + LR")}
    table = markdown_table(columns)
    (out / "metrics.json").write_text(json.dumps(columns, indent=2) + "\n")
    (out / "report.md").write_text(f"# Demo: {len(rows)} held-out synthetic tickets\n\n{table}\n")
    timings["eval_s"] = time.perf_counter() - t

    t = step("4/4 triage example tickets with the adapter")
    for text in EXAMPLES:
        result = engine.predict(text)
        print(f"\n> {text}\n{json.dumps(result.to_dict(), indent=2, ensure_ascii=False)}")
    timings["predict_s"] = time.perf_counter() - t

    total = sum(timings.values())
    print(f"\n=== results ({len(rows)} held-out tickets, situations never seen in training)\n{table}")
    print("\ntimings: " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()) + f", total {total:.0f} s")
    print(
        f"adapter: {adapter}\nreport:  {out / 'report.md'}\n"
        f'try it:  triage predict --model {adapter} "my laptop won\'t boot"'
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
