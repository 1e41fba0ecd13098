"""scripts/check_gpu_paths.py: the architectures it builds are the profiles' real ones.

The check itself needs a CUDA GPU (it is run on one by hand, see docs/training.md); here the parts that
decide what it measures are checked: every GPU profile has a published architecture whose parameter
count is the model's, and the profile's own base model is the one looked up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import load_script

REPO_ROOT = Path(__file__).resolve().parents[1]
check = load_script("check_gpu_paths")

# Parameter counts published on the models' cards (billions, rounded to 2 decimals).
PUBLISHED_BILLIONS = {
    "Qwen/Qwen2.5-1.5B-Instruct": 1.54,
    "Qwen/Qwen2.5-0.5B-Instruct": 0.49,
    "openai/gpt-oss-20b": 20.91,
}


@pytest.mark.parametrize("name", sorted(check.PROFILES))
def test_each_gpu_profile_is_built_with_its_base_models_published_architecture(name):
    from transformers import AutoModelForCausalLM

    base = check.profile_base_model(REPO_ROOT / check.PROFILES[name])
    assert base in check.ARCHITECTURES, f"{check.PROFILES[name]}: no architecture for {base}"
    with torch.device("meta"):  # shapes only: no memory, no time
        model = AutoModelForCausalLM.from_config(check.architecture(base))
    billions = sum(p.numel() for p in model.parameters()) / 1e9
    assert round(billions, 2) == PUBLISHED_BILLIONS[base]


def test_without_a_gpu_it_says_so(capsys):
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    with pytest.raises(SystemExit):
        check.main(["--profiles", "t4"])
    assert "no CUDA GPU" in capsys.readouterr().err
