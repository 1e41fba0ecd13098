"""GPU check of the shipped GPU profiles on architecture-true random weights: memory, speed, learning.

No model hub is reachable where this toolkit is built and tested, so the GPU profiles cannot be run on
their real checkpoints there. This script builds each profile's base model from its published
architecture (layer count, widths, heads, vocabulary, experts: the real parameter count) with random
weights, then runs the profile's own `triage train` path for a few optimizer steps on synthetic tickets
and reports what a user of that GPU needs to know:

- `peak_device_gib`: the most GPU memory the process used, sampled every 20 ms from the driver
  (`torch.cuda.mem_get_info`), so it includes the CUDA context, cuBLAS workspaces and bitsandbytes'
  paged optimizer, which PyTorch's own counters (`peak_reserved_gib`, also reported) do not see;
- `estimate_gib`: what `training/memory.py` predicted before the first step, for comparison;
- median seconds per optimizer step, the losses (finite?), and whether every LoRA B matrix moved
  from zero (the step really trained; fp16 with its loss scaler included).

    python scripts/check_gpu_paths.py                          # all three profiles (gpt-oss needs ~46 GB of GPU memory)
    python scripts/check_gpu_paths.py --profiles gpu4gb t4 --steps 4 --tokenizer /path/to/tokenizer

Each profile runs in its own process so that peaks do not carry over. One JSON line per profile goes to
stdout. What it does not check: the real checkpoints' loading (gpt-oss's MXFP4 dequantisation above
all: random weights are built in bf16 directly), and the chat template of the real tokenizers (the
tokenizer given, by default the offline SmolLM2 one, renders the prompt; its token counts are within
the profiles' max_length, so the measured memory is that of full-length rows).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

# Published config.json values of the profiles' base models (architecture only; weights are random).
QWEN2_5 = dict(
    model_type="qwen2",
    max_window_layers=21,
    vocab_size=151936,
    tie_word_embeddings=True,
    rms_norm_eps=1e-6,
    rope_theta=1000000.0,
    max_position_embeddings=32768,
    num_key_value_heads=2,
)
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "Qwen/Qwen2.5-1.5B-Instruct": dict(
        QWEN2_5, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12
    ),
    "Qwen/Qwen2.5-0.5B-Instruct": dict(
        QWEN2_5, hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14
    ),
    "openai/gpt-oss-20b": dict(
        model_type="gpt_oss",
        hidden_size=2880,
        intermediate_size=2880,
        num_hidden_layers=24,
        num_attention_heads=64,
        num_key_value_heads=8,
        head_dim=64,
        num_local_experts=32,
        num_experts_per_tok=4,
        vocab_size=201088,
        sliding_window=128,
        layer_types=["sliding_attention", "full_attention"] * 12,
        tie_word_embeddings=False,
        pad_token_id=199999,
        eos_token_id=200002,
    ),
}

PROFILES = {
    "gpu4gb": "configs/train/gpu4gb_qwen2.5_1.5b_qlora.yaml",
    "t4": "configs/train/t4_qwen2.5_qlora.yaml",
    "gpt-oss": "configs/train/h100_gpt_oss_20b_lora.yaml",
}


def profile_base_model(config_path: Path) -> str:
    import yaml

    return yaml.safe_load(config_path.read_text())["model_name_or_path"]


def architecture(base: str) -> Any:
    """The transformers config of a profile's base model, from its published values."""
    from transformers import AutoConfig

    arch = dict(ARCHITECTURES[base])
    return AutoConfig.for_model(arch.pop("model_type"), **arch)


def random_model(base: str, dtype: Any, attn_implementation: str | None = None) -> Any:
    """The base model's architecture with random weights, built on the GPU (seconds, not a 40 GB file)."""
    import torch
    from transformers import AutoModelForCausalLM

    config = architecture(base)
    kwargs = {"attn_implementation": attn_implementation} if attn_implementation else {}
    with torch.device("cuda"):
        return AutoModelForCausalLM.from_config(config, dtype=dtype, **kwargs)


class PeakSampler:
    """The process's GPU memory as the driver sees it (context and non-PyTorch allocations included)."""

    def __init__(self, every_s: float = 0.02) -> None:
        import torch

        self._torch, self.every_s, self.peak = torch, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def used(self) -> int:
        free, total = self._torch.cuda.mem_get_info()
        return total - free

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.used())
            time.sleep(self.every_s)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def step_recorder() -> Any:
    from transformers import TrainerCallback

    class StepRecorder(TrainerCallback):
        def __init__(self) -> None:
            self.step_ends: list[float] = []
            self.losses: list[float] = []

        def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001 (TrainerCallback API)
            if not self.step_ends:
                self.step_ends.append(time.perf_counter())

        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001
            self.step_ends.append(time.perf_counter())

        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
            if logs and "loss" in logs:
                self.losses.append(float(logs["loss"]))

    return StepRecorder()


def lora_b_moved(adapter_dir: Path) -> tuple[int, int, bool]:
    """(LoRA B tensors that moved from zero, LoRA B tensors, every adapter weight finite)."""
    from safetensors.torch import load_file

    weights = load_file(str(adapter_dir / "adapter_model.safetensors"))
    b = [t for name, t in weights.items() if "lora_B" in name]
    return sum(bool(t.abs().sum() > 0) for t in b), len(b), all(bool(t.isfinite().all()) for t in weights.values())


def check_profile(name: str, steps: int, tokenizer_dir: Path, work: Path) -> dict[str, Any]:
    """Run one profile for `steps` optimizer steps on random weights; the measurements as a dict."""
    import torch
    from transformers import AutoTokenizer

    from ticket_triage.models import ADAPTER_META
    from training import train
    from training.saving import ADAPTER_DIR

    config_path = REPO_ROOT / PROFILES[name]
    base = profile_base_model(config_path)
    torch.cuda.init()
    context = PeakSampler().used()  # nothing allocated yet: the CUDA context (and anything else on the GPU)
    model_dir = work / f"{name}-random"
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    if name == "gpt-oss":
        # 21B random weights in bf16 are ~40 GB: build them on the GPU in place of from_pretrained.
        def build_model(model_args: Any, base_path: str, dequantize_mxfp4: bool = False) -> Any:
            return random_model(base, torch.bfloat16, model_args.attn_implementation)

        train.build_model = build_model
        architecture(base).save_pretrained(model_dir)  # what resolve_model looks for; no weights
        tokenizer.save_pretrained(model_dir)
    else:
        # QLoRA quantises at load time, so the real from_pretrained path runs on a saved random checkpoint.
        model = random_model(base, torch.float16)
        model.save_pretrained(model_dir)
        tokenizer.save_pretrained(model_dir)
        del model
        torch.cuda.empty_cache()
    recorder = step_recorder()
    out_dir = work / f"{name}-run"
    torch.cuda.reset_peak_memory_stats()
    with PeakSampler() as sampler:
        started = time.perf_counter()
        train.main(
            [
                "--config",
                str(config_path),
                "--model_name_or_path",
                str(model_dir),
                "--train_file",
                str(work / "data" / "train.jsonl"),
                "--val_file",
                "",
                "--eval_strategy",
                "no",
                "--save_strategy",
                "no",
                "--report_to",
                "none",
                "--logging_steps",
                "1",
                "--max_steps",
                str(steps),
                "--max_train_samples",
                "256",
                "--resume",
                "never",
                "--output_dir",
                str(out_dir),
                # random weights are plain bf16, not MXFP4
                *(["--dequantize_mxfp4", "false"] if name == "gpt-oss" else []),
            ],
            callbacks=[recorder],
        )
        seconds = time.perf_counter() - started
    meta = json.loads((out_dir / ADAPTER_DIR / ADAPTER_META).read_text())
    moved, lora_b, finite = lora_b_moved(out_dir / ADAPTER_DIR)
    step_s = [b - a for a, b in zip(recorder.step_ends, recorder.step_ends[1:])]
    return {
        "profile": PROFILES[name],
        "architecture": base,
        "device": torch.cuda.get_device_name(),
        "precision": meta["precision"],
        "load_in_4bit": meta["lora"]["load_in_4bit"],
        "optimizer_steps": len(step_s),
        "step_s_median": round(statistics.median(step_s[1:] or step_s), 3),
        "first_step_s": round(step_s[0], 3),
        "losses": [round(x, 4) for x in recorder.losses],
        "losses_finite": all(x == x and abs(x) != float("inf") for x in recorder.losses),
        "lora_b_moved": f"{moved}/{lora_b}",
        "adapter_finite": finite,
        "peak_device_gib": round(sampler.peak / 2**30, 2),
        "cuda_context_gib": round(context / 2**30, 2),
        "peak_reserved_gib": round(torch.cuda.max_memory_reserved() / 2**30, 2),
        "peak_allocated_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
        "estimate_gib": round(meta["memory_estimate_gb"], 2),
        "wall_s": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--profiles", nargs="+", choices=sorted(PROFILES), default=list(PROFILES))
    parser.add_argument("--steps", type=int, default=4, help="optimizer steps per profile")
    parser.add_argument("--tokenizer", help="tokenizer folder with a chat template (default: offline SmolLM2)")
    parser.add_argument("--work", help="folder for random checkpoints, data and runs (default: a temp folder)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the per-profile child
    args = parser.parse_args(argv)

    work = Path(args.work or tempfile.mkdtemp(prefix="gpu-check-"))
    if args.one:
        result = check_profile(args.profiles[0], args.steps, Path(args.tokenizer), work)
        print(json.dumps(result), flush=True)
        return 0

    import torch

    if not torch.cuda.is_available():
        parser.error("no CUDA GPU is visible: this script checks the GPU training paths")
    tokenizer = args.tokenizer
    if not tokenizer:
        from ticket_triage.models import convert_offline_model

        tokenizer = str(convert_offline_model("smollm2-135m"))
    if not (work / "data" / "train.jsonl").is_file():
        from generating import synthetic

        synthetic.main(["--n", "600", "--seed", "1", "--out", str(work / "data")])
    failed = []
    for name in args.profiles:
        print(f"[gpu-check] {name}: {PROFILES[name]}", file=sys.stderr, flush=True)
        child = [sys.executable, __file__, "--one", "--profiles", name, "--steps", str(args.steps)]
        child += ["--work", str(work), "--tokenizer", tokenizer]
        done = subprocess.run(child, stdout=subprocess.PIPE, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            failed.append(name)
            print(json.dumps({"profile": PROFILES[name], "error": f"exit status {done.returncode}"}), flush=True)
        else:
            print(lines[-1], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
