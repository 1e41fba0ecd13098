"""Google_Colab_Training.ipynb: saved clean, and executed headless top to bottom (papermill).

The headless runs use the offline model with tiny budgets: once on synthetic data (train, eval,
try, save, merge), once on a CSV export with an inferred schema (the import path). Any cell error
fails the test. Colab-only steps (upload dialogs, Drive) are skipped off Colab by the notebook.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

NOTEBOOK = REPO_ROOT / "Google_Colab_Training.ipynb"
STEPS = [
    "Runtime check",
    "Settings",
    "Install",
    "Schema",
    "Data",
    "Train",
    "Evaluate",
    "Try your own tickets",
    "Save the adapter",
    "Optional: merge for serving engines",
]
PERSONAL = re.compile(r"/work/|/home/|/root/|/tmp/|/Users/|C:\\\\Users")  # a path from someone's machine


def _cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text())["cells"]


def test_saved_notebook_is_clean_and_has_a_heading_per_step():
    cells = _cells()
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, "stale outputs: clear them"
    source = "\n".join("".join(c["source"]) for c in cells)
    assert not PERSONAL.search(source), PERSONAL.search(source)
    headings = [
        line
        for c in cells
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("## ")
    ]
    assert [re.sub(r"^## \d+\. ", "", h) for h in headings] == STEPS


def test_every_setting_is_a_colab_form_in_the_papermill_parameters_cell():
    cells = _cells()
    [params] = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    names = re.findall(r"^([A-Z_0-9]+) = .*#@param", "".join(params["source"]), re.MULTILINE)
    assert {
        "BASE_MODEL",
        "LORA_R",
        "LORA_ALPHA",
        "LORA_DROPOUT",
        "LEARNING_RATE",
        "EPOCHS",
        "BATCH_SIZE",
        "MAX_LENGTH",
        "LOAD_IN_4BIT",
        "N_TICKETS",
        "DATA_SOURCE",
        "SCHEMA_SOURCE",
    } <= set(names)
    later = "".join("".join(c["source"]) for c in cells[cells.index(params) + 1 :])
    for name in names:  # a later assignment would silently undo a papermill override
        assert not re.search(rf"^{name} = ", later, re.MULTILINE), name


def _execute(tmp_path: Path, **parameters) -> dict:
    papermill = pytest.importorskip("papermill")
    # the kernel's `triage` commands run from this interpreter's environment
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    out = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters=parameters, cwd=str(REPO_ROOT), kernel_name="python3", progress_bar=False
    )
    return json.loads(out.read_text())


def _output_text(notebook: dict) -> str:
    chunks = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            chunks.append("".join(output.get("text", "")))
            chunks.append("".join(output.get("data", {}).get("text/plain", "")))
            chunks.append("".join(output.get("data", {}).get("text/markdown", "")))
    return "\n".join(chunks)


TINY = {"BASE_MODEL": "smollm2-135m", "LOAD_IN_4BIT": False, "MAX_STEPS": 2, "BATCH_SIZE": 2, "SHOW_TENSORBOARD": False}


@pytest.mark.slow
def test_notebook_runs_headless_on_synthetic_data(tmp_path):
    work = tmp_path / "run"
    executed = _execute(tmp_path, **TINY, N_TICKETS=150, EVAL_LIMIT=3, MERGE=True, WORK_DIR=str(work))
    text = _output_text(executed)
    assert "$ triage train --config configs/train/cpu_smollm2.yaml --model_name_or_path smollm2-135m" in text
    assert (work / "run" / "adapter" / "adapter_model.safetensors").is_file()
    assert (work / "adapter.zip").stat().st_size > 100_000
    assert (work / "merged" / "config.json").is_file()
    compare = json.loads((work / "eval" / "compare.json").read_text())
    assert len(compare) == 2 and all(m["schema_valid_rate"] == 1.0 for m in compare.values())
    assert any(o.get("data", {}).get("image/png") for c in executed["cells"] for o in c.get("outputs", []))
    assert '"status":' in text  # the tried ticket's result


@pytest.mark.slow
def test_notebook_imports_an_export_with_an_inferred_schema(tmp_path, schema):
    from generating.synthetic import generate_rows

    export = tmp_path / "export.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Subject", "Description", "Topic"])
        for i, row in enumerate(generate_rows(schema, 120, seed=5)):
            subject, _, body = row["text"].partition("\n")
            writer.writerow([subject, body or f"ticket {i}", row["label"]["category"]])
    work = tmp_path / "run"
    _execute(
        tmp_path,
        **TINY,
        DATA_SOURCE="export",
        EXPORT_PATH=str(export),
        TEXT_COLUMNS="Subject,Description",
        LABEL_COLUMNS="category=Topic",
        SCHEMA_SOURCE="infer from the export",
        EVAL_LIMIT=2,
        MERGE=False,
        WORK_DIR=str(work),
    )
    inferred = (work / "schema.yaml").read_text()
    assert "category" in inferred and "subcategory" not in inferred
    assert (work / "data" / "train.jsonl").is_file() and (work / "data" / "val.jsonl").is_file()
    from ticket_triage.schema import load_schema

    # the adapter carries the schema it was trained on: the inferred one
    trained_on = load_schema(work / "run" / "adapter" / "schema.yaml")
    assert trained_on.fingerprint() == load_schema(work / "schema.yaml").fingerprint()
