"""What a training run writes (training/saving.py): a run resumes only from a checkpoint whose files are whole.
(The bundle itself is checked end to end by the runs in tests/test_train.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from training.saving import last_complete_checkpoint


def write_checkpoint(folder: Path, cut: str | None = None) -> Path:
    """A checkpoint folder as the Trainer writes one; `cut` names a file to cut off half-way."""
    import numpy as np
    import torch
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": int(folder.name.split("-")[1])}))
    save_file({"lora_A": np.zeros((4, 8), np.float32)}, str(folder / "adapter_model.safetensors"))
    torch.save({"state": {}}, folder / "optimizer.pt")
    if cut:
        data = (folder / cut).read_bytes()
        (folder / cut).write_bytes(data[: len(data) // 2])
    return folder


def test_resume_skips_checkpoints_whose_files_are_cut_off(tmp_path, capsys):
    # Regression: a checkpoint whose trainer_state.json parsed but whose weights were cut off (nothing is
    # flushed to disk) was chosen on every re-run and crashed every time, with an intact one beside it.
    good = write_checkpoint(tmp_path / "checkpoint-10")
    write_checkpoint(tmp_path / "checkpoint-20", cut="adapter_model.safetensors")
    write_checkpoint(tmp_path / "checkpoint-30", cut="optimizer.pt")
    assert last_complete_checkpoint(tmp_path) == str(good)
    printed = capsys.readouterr().out
    assert "checkpoint-30: optimizer.pt: cut off" in printed
    assert "checkpoint-20: adapter_model.safetensors: " in printed and "its header needs" in printed
