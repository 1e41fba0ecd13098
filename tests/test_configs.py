"""Every shipped config file is loaded by the real loader it is written for."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticket_triage.schema import load_schema

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
TRAIN_PROFILES = sorted((CONFIGS / "train").glob("*.yaml"))


@pytest.mark.parametrize("path", sorted((CONFIGS / "schema").glob("*.yaml")), ids=lambda p: p.name)
def test_schema_files_load(path):
    schema = load_schema(path)
    assert schema.enum_fields


@pytest.mark.parametrize("path", TRAIN_PROFILES, ids=lambda p: p.name)
def test_train_profiles_parse_with_the_real_parser(path):
    import torch
    import yaml

    from training.train import parse_args

    argv = ["--config", str(path)]
    if yaml.safe_load(path.read_text()).get("bf16") and not torch.cuda.is_available():
        argv += ["--bf16", "false"]  # TrainingArguments refuses bf16 on a machine without a GPU
    triage_args, sft_args, model_args, profile = parse_args(argv)
    assert profile == str(path)
    assert sft_args.output_dir and model_args.model_name_or_path
    assert sft_args.completion_only_loss in (None, True)  # never trains on the prompt
    header = path.read_text().splitlines()[:6]
    for word in ("Purpose", "Hardware", "Command"):
        assert any(word in line for line in header), f"{path.name}: header lacks {word}"


def test_unknown_profile_key_is_rejected(tmp_path):
    from training.train import parse_args

    bad = tmp_path / "bad.yaml"
    bad.write_text((CONFIGS / "train" / "cpu_smollm2.yaml").read_text() + "\nlearning_rat: 0.1\n")
    with pytest.raises(ValueError, match="learning_rat"):
        parse_args(["--config", str(bad)])


def test_cli_overrides_the_profile():
    from training.train import parse_args

    _, sft_args, model_args, _ = parse_args(
        ["--config", str(CONFIGS / "train" / "cpu_smollm2.yaml"), "--max_steps", "3", "--lora_r", "4"]
    )
    assert sft_args.max_steps == 3 and model_args.lora_r == 4


@pytest.mark.parametrize("path", sorted((CONFIGS / "accelerate").glob("*.yaml")), ids=lambda p: p.name)
def test_accelerate_configs_load(path):
    from accelerate.commands.config.config_args import ClusterConfig

    config = ClusterConfig.from_yaml_file(str(path))
    assert config.distributed_type in ("MULTI_GPU", "FSDP")
    assert config.mixed_precision == "bf16"


@pytest.mark.parametrize("path", sorted((CONFIGS / "import").glob("*.yaml")), ids=lambda p: p.name)
def test_import_mappings_load(path):
    from generating.import_config import load_mapping

    assert load_mapping(path)
