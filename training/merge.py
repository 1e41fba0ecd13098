"""`triage merge`: fold a LoRA adapter into its base model, for serving engines that want one folder.

    triage merge outputs/cpu-smollm2/adapter outputs/merged-smollm2
    vllm serve outputs/merged-smollm2        # or any engine that loads a Hugging Face folder

The merged folder is a plain Hugging Face model (config, safetensors, tokenizer) plus the adapter's
`triage.json` and `schema.yaml`, so `triage predict --model <merged folder>` keeps working and the
schema it was trained on travels with it. Written atomically: a killed merge leaves no folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ticket_triage.models import ADAPTER_META, ModelNotFoundError, atomic_folder, resolve_model


def merge(adapter: str, out: str | Path, dtype: str = "float32") -> Path:
    """Load base + adapter, merge the LoRA weights, save a standalone model folder at `out`."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    resolved = resolve_model(adapter)
    if not resolved.adapter:
        raise ModelNotFoundError(f"{adapter} is not an adapter bundle (no adapter_config.json)")
    out = Path(out)
    base = AutoModelForCausalLM.from_pretrained(resolved.base, dtype=getattr(torch, dtype))
    merged = PeftModel.from_pretrained(base, resolved.adapter).merge_and_unload()
    tokenizer = AutoTokenizer.from_pretrained(resolved.adapter)
    with atomic_folder(out) as tmp:
        merged.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        for name in (ADAPTER_META, "schema.yaml", "README.md"):
            if (Path(resolved.adapter) / name).is_file():
                shutil.copyfile(Path(resolved.adapter) / name, tmp / name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="triage merge",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("adapter", help="adapter bundle folder (e.g. outputs/cpu-smollm2/adapter)")
    parser.add_argument("out", help="folder for the merged model")
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=["float32", "bfloat16", "float16"],
        help="dtype of the merged weights (bfloat16 halves the size for GPU serving)",
    )
    args = parser.parse_args(argv)
    out = merge(args.adapter, args.out, args.dtype)
    print(f"merged model written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
