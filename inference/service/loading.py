"""Loading the model `triage serve` was started with (`load_for_service` -> `LoadedModel`), and naming
models and paths the way clients may see them (`public_name`, `redact_paths`)."""

import argparse
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.drift import DRIFT_REFERENCE_FILE, read_results

log = logging.getLogger("triage.serve")


@dataclass
class LoadedModel:
    """What loading produces: the engine (TriageEngine, a baseline or OpenAIBackend), its version, and
    the reference predictions drift is measured against (None: no drift)."""

    engine: Any
    version: str
    drift_reference: list[dict[str, Any]] | None = None
    drift_reference_source: str = ""


def load_for_service(args: argparse.Namespace) -> LoadedModel:
    """Load the model `triage serve` was started with, its version and its drift reference."""
    from inference.loader import load_triager, model_folder
    from ticket_triage.models import default_model, folder_version

    model = args.model or default_model()
    engine = load_triager(args, model)
    folder = model_folder(model)
    version = folder_version(folder) if folder else model
    reference_path = args.drift_reference or (Path(folder) / DRIFT_REFERENCE_FILE if folder else None)
    reference, source = None, ""
    if reference_path and (args.drift_reference or Path(reference_path).is_file()):
        reference, source = read_results(reference_path, engine.schema), str(reference_path)
    elif folder:
        log.warning(
            "no %s in %s: /v1/drift and the drift metrics stay empty (run `triage calibrate`)",
            DRIFT_REFERENCE_FILE,
            folder,
        )
    return LoadedModel(engine=engine, version=version, drift_reference=reference, drift_reference_source=source)


def public_name(name: str) -> str:
    """A model name fit for answers: a local folder or file by its last part, anything else (a hub id,
    openai:NAME) as it is."""
    path = Path(name)
    return path.name if path.is_absolute() or path.exists() else name


# An absolute POSIX path, not part of a URL ("https://host/x") or of a relative path ("a/b").
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"`]+/)*([^\s/'\"`]+)")


def redact_paths(text: str) -> str:
    """`text` with each absolute path cut to `.../last-part`: which folder, not where the server keeps it."""
    return _ABSOLUTE_PATH.sub(r".../\1", text)
