"""Training throughput and peak memory, before and after the trainer's savings, side by side in one run.

Each variant trains the same explicit-prompt rows, in the same order, for the same steps, in its own
process (so each peak RSS is its own), through `triage train` with the CPU profile:

- `trl_fp32`: TRL's own loss path (every row encodes the schema prompt, output head on every
  position), fp32: what the CPU profile did per explicit-prompt row before;
- `answer_head_fp32`: the output head on answer positions only;
- `shared_prefix_fp32`: plus the schema prompt encoded once per batch;
- `auto`: plus `dtype: auto` (bf16 weights and autocast on CPUs with AMX or AVX512-BF16, and on GPUs);
- `trl_auto`: TRL's own loss path with `dtype: auto`: the before of a GPU, which trains in bf16 anyway.

Steps after the first `--warmup` are timed (median step time); tokens are those of the rows as
the plain path computes them (prompt + answer), so tokens/s compare like for like. Also reports the
mean training loss over the timed steps (the fp32 variants agree to rounding), the memory the
trainer estimated against the measured peak, the matmul peak of this machine, and ratios to
the first variant listed. Peak memory is the process's RSS on a CPU and PyTorch's allocated peak on
a GPU. Prints a table to stderr and one JSON line to stdout.

    .venv/bin/python scripts/benchmark_training.py                 # ~10 min on 2 cores
    .venv/bin/python scripts/benchmark_training.py --steps 6 --variants trl_fp32 auto
    python scripts/benchmark_training.py --variants trl_auto auto --model PATH --steps 20   # on a GPU
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

PROFILE = REPO_ROOT / "configs" / "train" / "cpu_smollm2.yaml"
VARIANTS = {
    "trl_fp32": ["--shared_prefix", "false", "--answer_only_head", "false", "--dtype", "float32", "--bf16", "false"],
    "answer_head_fp32": ["--shared_prefix", "false", "--dtype", "float32", "--bf16", "false"],
    "shared_prefix_fp32": ["--dtype", "float32", "--bf16", "false"],
    "auto": ["--dtype", "auto"],
    "trl_auto": ["--shared_prefix", "false", "--answer_only_head", "false", "--dtype", "auto"],
}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def matmul_peak_gflops(dtype_name: str) -> float:
    """This machine's matmul rate at a size like the model's MLP, as a ceiling to compare with."""
    import torch

    dtype = getattr(torch, dtype_name)
    a, b = torch.randn(1024, 576, dtype=dtype), torch.randn(576, 1536, dtype=dtype)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(20):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * 1024 * 576 * 1536 / statistics.median(times) / 1e9


def run_variant(args: argparse.Namespace) -> dict:
    """Child process: train `args.steps` steps of one variant and report its timings."""
    import torch
    from transformers import TrainerCallback

    from training import train

    step_times: list[float] = []
    losses: list[float] = []
    estimate: dict = {}

    class Timer(TrainerCallback):
        def on_step_begin(self, *a, **k):
            self.start = time.perf_counter()

        def on_step_end(self, *a, **k):
            step_times.append(time.perf_counter() - self.start)

        def on_log(self, a, state, control, logs=None, **k):
            if logs and "loss" in logs and state.global_step > args.warmup:
                losses.append(logs["loss"])

    out = Path(args.work) / args.variant
    argv = [
        "--config",
        str(PROFILE),
        "--model_name_or_path",
        args.model,
        "--train_file",
        args.data,
        "--output_dir",
        str(out),
        "--max_steps",
        str(args.steps),
        "--max_train_samples",
        str(args.steps * args.batch),
        "--per_device_train_batch_size",
        str(args.batch),
        "--gradient_accumulation_steps",
        "1",
        "--explicit_ratio",
        "1.0",
        "--logging_steps",
        "1",
        "--save_strategy",
        "no",
        "--report_to",
        "none",
        "--resume",
        "never",
        "--warmup_steps",
        "0",
        *VARIANTS[args.variant],
    ]
    train.main(argv, callbacks=[Timer()])
    meta = json.loads((out / "adapter" / "triage.json").read_text())
    estimate = {"memory_estimate_gb": meta.get("memory_estimate_gb"), "precision": meta.get("precision")}
    timed = step_times[args.warmup :]
    on_gpu = torch.cuda.is_available()
    peak = torch.cuda.max_memory_allocated() if on_gpu else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "variant": args.variant,
        "step_s_median": round(statistics.median(timed), 3),
        "mean_loss": round(statistics.mean(losses), 4) if losses else None,
        "peak_gpu_gb" if on_gpu else "peak_rss_gb": round(peak / 1024**3, 2),
        **estimate,
    }


def mean_row_tokens(data: str, model: str) -> float:
    """Mean tokens of a row as the plain path computes them (schema prompt + ticket + answer), over the file.

    The sampler draws batches from the whole file (grouped by length, weighted by label rarity), so
    the file's mean, times the batch size, is what an average step computes.
    """
    from transformers import AutoTokenizer

    from ticket_triage.dataset import read_rows
    from ticket_triage.models import resolve_model
    from ticket_triage.prompt import training_example
    from ticket_triage.schema import load_schema

    schema = load_schema()
    tokenizer = AutoTokenizer.from_pretrained(resolve_model(model).base)
    counts = []
    for row in read_rows(data, schema):
        example = training_example(schema, row, explicit=True)
        text = tokenizer.apply_chat_template(example["prompt"] + example["completion"], tokenize=False)
        counts.append(len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    return sum(counts) / len(counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", type=int, default=10, help="optimizer steps per variant")
    parser.add_argument("--warmup", type=int, default=2, help="first steps left out of the timing")
    parser.add_argument("--batch", type=int, default=8, help="rows per step")
    parser.add_argument("--data", help="train.jsonl (default: the demo's `triage generate --n 3000 --seed 1`)")
    parser.add_argument("--work", default=None, help="folder for the runs (default: a temporary one)")
    parser.add_argument("--model", default="smollm2-135m", help="base model (the CPU profile's by default)")
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # child process: run this one variant
    args = parser.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-train-"))
    args.work = str(work)
    if args.variant:
        print(json.dumps(run_variant(args)))
        return 0
    if not args.data:
        from generating import synthetic

        synthetic.main(["--n", "3000", "--seed", "1", "--out", str(work / "data")])
        args.data = str(work / "data" / "train.jsonl")
    tokens = mean_row_tokens(args.data, args.model) * args.batch  # per step, as the plain path counts them
    results = {}
    for name in args.variants:
        print(f"[bench] {name}", file=sys.stderr, flush=True)
        cmd = [
            sys.executable,
            __file__,
            "--variant",
            name,
            "--data",
            args.data,
            "--work",
            args.work,
            "--steps",
            str(args.steps),
            "--warmup",
            str(args.warmup),
            "--batch",
            str(args.batch),
            "--model",
            args.model,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | {"TQDM_DISABLE": "1"})
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            return done.returncode
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["tokens_per_s"] = round(tokens / result["step_s_median"], 1)
        results[name] = result
    import torch

    on_gpu = torch.cuda.is_available()
    peak_key = "peak_gpu_gb" if on_gpu else "peak_rss_gb"
    base = results[args.variants[0]]
    for result in results.values():
        result["speedup"] = round(base["step_s_median"] / result["step_s_median"], 2)
        result["memory_ratio"] = round(result[peak_key] / base[peak_key], 2)
    memory = "peak GPU GB" if on_gpu else "peak RSS GB"
    header = f"| variant | s/step | tokens/s | speedup | {memory} | estimated GB | mean loss |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    for r in results.values():
        lines.append(
            f"| {r['variant']} | {r['step_s_median']} | {r['tokens_per_s']} | {r.get('speedup', '')} | "
            f"{r[peak_key]} | {r['memory_estimate_gb']} | {r['mean_loss']} |"
        )
    print("\n".join(lines), file=sys.stderr)
    summary = {
        "benchmark": "training step: TRL's path vs shared prefix + answer-only head + dtype auto",
        "machine": f"{cpu_name()}, {os.cpu_count()} cores" + (f", {torch.cuda.get_device_name()}" if on_gpu else ""),
        "load_average": os.getloadavg()[0],
        "rows_per_step": args.batch,
        "tokens_per_step": round(tokens),
        "matmul_peak_gflops": {d: round(matmul_peak_gflops(d)) for d in ("float32", "bfloat16")},
        "variants": results,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
