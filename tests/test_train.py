"""The trainer: data checks, loss on the answer only, LoRA and QLoRA runs, resume, the bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ticket_triage.dataset import DataError, read_rows
from ticket_triage.prompt import answer_text
from training.train import fit_to_length, main

LABELS = [
    ("VPN drops every ten minutes", ("Network", "VPN", "High", "Network Operations", "Incident")),
    ("I forgot my password for SAP", ("Access", "Password Reset", "Medium", "Service Desk", "Incident")),
    (
        "Please install Visio on my laptop",
        ("Software", "Installation", "Low", "Application Support", "Service Request"),
    ),
    ("Got a phishing mail asking for my login", ("Security", "Phishing", "High", "Security Operations", "Incident")),
]


def write_rows(path: Path, n: int = 16) -> Path:
    with path.open("w") as fh:
        for i in range(n):
            text, (cat, sub, pri, group, rtype) = LABELS[i % len(LABELS)]
            label = {
                "category": cat,
                "subcategory": sub,
                "priority": pri,
                "assignment_group": group,
                "request_type": rtype,
                "summary": text,
            }
            fh.write(
                json.dumps(
                    {
                        "id": str(i),
                        "text": f"{text} ({i})",
                        "label": label,
                        "instruction": "Route this ticket.",
                        "meta": {"situation": cat},
                    }
                )
                + "\n"
            )
    return path


def test_long_tickets_are_cut_not_the_answer(tmp_path, schema, offline_model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(offline_model_dir)
    rows = read_rows(write_rows(tmp_path / "rows.jsonl", 4), schema)
    rows[0] = {**rows[0], "text": "printer jam " * 2000}
    fitted = fit_to_length(tok, schema, rows, max_length=1024, max_input_tokens=64)
    assert len(tok(fitted[0]["text"], add_special_tokens=False)["input_ids"]) <= 64
    assert fitted[1] is rows[1]  # short tickets untouched
    with pytest.raises(DataError, match="max_length=128 is too short"):
        fit_to_length(tok, schema, rows, max_length=128, max_input_tokens=64)


def test_loss_is_on_the_answer_only(tmp_path, schema, tiny_model_dir):
    """The labels TRL trains on must cover exactly the JSON answer (and the end-of-turn token)."""
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from ticket_triage.prompt import training_examples

    rows = read_rows(write_rows(tmp_path / "rows.jsonl", 4), schema)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny_model_dir),
        args=SFTConfig(
            output_dir=str(tmp_path / "out"),
            report_to=[],
            max_length=640,
            completion_only_loss=True,
            bf16=False,
            activation_checkpointing=False,
        ),
        train_dataset=Dataset.from_list(training_examples(schema, rows, explicit_ratio=0.5)),
        processing_class=tok,
        peft_config=LoraConfig(r=4, target_modules=["q_proj"]),
    )
    for example, row in zip(trainer.train_dataset, rows):
        ids = example["input_ids"]
        mask = [label != -100 for label in example["labels"]]  # TRL folds the completion mask into labels
        answer = tok.decode([t for t, m in zip(ids, mask) if m])
        prompt = tok.decode([t for t, m in zip(ids, mask) if not m])
        assert answer.startswith(answer_text(schema, row["label"]))
        assert answer.replace(answer_text(schema, row["label"]), "").strip() == "<|im_end|>"
        assert row["text"] in prompt and answer_text(schema, row["label"]) not in prompt


def run_training(tmp_path: Path, tiny_model_dir: str, *extra: str) -> Path:
    train_file = write_rows(tmp_path / "train.jsonl", 16)
    out = tmp_path / "run"
    code = main(
        [
            "--config",
            "configs/train/cpu_smollm2.yaml",
            "--model_name_or_path",
            tiny_model_dir,
            "--train_file",
            str(train_file),
            "--val_file",
            str(train_file),
            "--output_dir",
            str(out),
            "--per_device_train_batch_size",
            "2",
            "--gradient_accumulation_steps",
            "1",
            *(extra if "--report_to" in extra else ("--report_to", "none", *extra)),
        ]
    )
    assert code == 0
    return out


def lora_tensors(bundle: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(bundle / "adapter_model.safetensors")


def test_lora_run_writes_a_bundle_that_predicts(tmp_path, schema, tiny_model_dir):
    out = run_training(
        tmp_path,
        tiny_model_dir,
        "--max_steps",
        "3",
        "--save_steps",
        "2",
        "--eval_strategy",
        "steps",
        "--eval_steps",
        "2",
        "--task_eval_samples",
        "4",
        "--report_to",
        "tensorboard",
        "--logging_steps",
        "1",
    )
    bundle = out / "adapter"
    for name in (
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer.json",
        "schema.yaml",
        "triage.json",
        "README.md",
    ):
        assert (bundle / name).is_file(), name
    meta = json.loads((bundle / "triage.json").read_text())
    assert meta["schema_fingerprint"] == schema.fingerprint()
    assert meta["base_model"] == tiny_model_dir and meta["train_rows"] == 16
    assert "train_loss" in meta["metrics"] and "eval_loss" in meta["metrics"]
    # task metrics from the inference engine, next to the loss, in the bundle and in TensorBoard
    assert meta["metrics"]["eval_schema_valid_rate"] == 1.0
    assert 0.0 <= meta["metrics"]["eval_category/accuracy"] <= 1.0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (events,) = {p.parent for p in (out / "runs").rglob("events.out.tfevents.*")}
    tags = EventAccumulator(str(events)).Reload().Tags()["scalars"]
    assert {"train/loss", "eval/loss", "eval/category/accuracy", "eval/schema_valid_rate"} <= set(tags)
    tensors = lora_tensors(bundle)
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in tensors.items())  # B starts at zero: it moved
    assert not any("lora" not in k for k in tensors)  # only adapter weights are saved
    assert not list(out.glob(".adapter-*"))  # no temporary folder left behind

    from inference.engine import TriageEngine

    engine = TriageEngine.load(str(bundle), schema=schema, device="cpu")
    assert schema.errors(engine.predict("VPN drops again").ticket) == []
    # tickets are cut at inference as the adapter saw them in training
    assert engine.max_input_tokens == meta["triage_args"]["max_input_tokens"] != 512


def test_rerun_resumes_from_the_last_checkpoint(tmp_path, tiny_model_dir, capsys):
    out = run_training(tmp_path, tiny_model_dir, "--max_steps", "2", "--save_steps", "2")
    assert (out / "checkpoint-2").is_dir()
    # a run killed while saving checkpoint-3: model written, trainer_state.json (written last) not
    (out / "checkpoint-3").mkdir()
    (out / "checkpoint-3" / "adapter_model.safetensors").write_bytes(b"partial")
    run_training(tmp_path, tiny_model_dir, "--max_steps", "4", "--save_steps", "2")
    printed = capsys.readouterr().out
    assert f"skipping incomplete {out / 'checkpoint-3'}" in printed
    assert f"resuming from {out / 'checkpoint-2'}" in printed
    assert json.loads((out / "checkpoint-4" / "trainer_state.json").read_text())["global_step"] == 4


def test_qlora_runs_on_cpu(tmp_path, tiny_model_dir):
    out = run_training(
        tmp_path,
        tiny_model_dir,
        "--max_steps",
        "2",
        "--load_in_4bit",
        "true",
        "--lora_target_modules",
        "q_proj",
        "v_proj",
    )
    meta = json.loads((out / "adapter" / "triage.json").read_text())
    assert meta["lora"]["load_in_4bit"] is True
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in lora_tensors(out / "adapter").items())


def test_merge_writes_a_standalone_model_with_the_same_tickets(tmp_path, schema, tiny_model_dir):
    from inference.engine import TriageEngine
    from training.merge import merge

    out = run_training(tmp_path, tiny_model_dir, "--max_steps", "2")
    merged = merge(str(out / "adapter"), tmp_path / "merged")
    assert (merged / "model.safetensors").is_file() and (merged / "triage.json").is_file()
    assert not (merged / "adapter_config.json").exists()
    text = "Outlook crashes when I open attachments"
    with_adapter = TriageEngine.load(str(out / "adapter"), schema=schema, device="cpu").predict(text)
    standalone = TriageEngine.load(str(merged), schema=schema, device="cpu").predict(text)
    assert standalone.ticket == with_adapter.ticket
    for field, confidence in with_adapter.confidence.items():
        assert standalone.confidence[field] == pytest.approx(confidence, abs=1e-3)


def test_best_checkpoint_and_early_stopping_can_use_task_metrics(tmp_path, tiny_model_dir):
    out = run_training(
        tmp_path,
        tiny_model_dir,
        "--max_steps",
        "6",
        "--eval_strategy",
        "steps",
        "--eval_steps",
        "1",
        "--save_steps",
        "1",
        "--task_eval_samples",
        "4",
        "--metric_for_best_model",
        "eval_category/accuracy",
        "--greater_is_better",
        "true",
        "--load_best_model_at_end",
        "true",
        "--early_stopping_patience",
        "1",
        "--learning_rate",
        "0",
    )  # nothing improves: early stopping must end the run
    states = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    state = json.loads((states[-1] / "trainer_state.json").read_text())
    assert state["global_step"] < 6  # stopped early
    assert state["best_metric"] is not None and state["best_model_checkpoint"]
    assert any("eval_category/accuracy" in entry for entry in state["log_history"])


def test_one_step_of_the_profile_changes_the_adapter(tmp_path, tiny_model_dir, capsys):
    """Regression: with `warmup_steps: 10` the tour's one-step run trained at learning rate 0 and left
    every LoRA B weight at exactly 0, so `compare` showed two identical columns."""
    out = run_training(tmp_path, tiny_model_dir, "--max_steps", "1", "--warmup_steps", "10")
    assert "warmup of 10 step(s) is more than a tenth of this 1-step run: using 0" in capsys.readouterr().out
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in lora_tensors(out / "adapter").items())


def test_row_weights_favour_rows_with_rare_labels(schema):
    from training.train import row_weights

    def row(priority, request_type="Incident"):
        return {"label": {"priority": priority, "request_type": request_type}}

    rows = [row("Low")] * 8 + [row("Critical")] * 2 + [row("Low", "Service Request")] * 2
    weights = row_weights(schema, rows, strength=1.0)
    assert weights[0] == 1.0  # most common priority and request type
    assert weights[8] == pytest.approx(10 / 2)  # Critical: 10 Low rows / 2 Critical rows
    assert weights[10] == pytest.approx(10 / 2)  # Service Request: 10 Incidents / 2
    assert row_weights(schema, rows, strength=0.0) == [1.0] * 12


def test_dtype_auto_picks_bf16_only_where_the_cpu_computes_it(tmp_path):
    from ticket_triage.models import cpu_has_fast_bf16
    from training.train import parse_args, resolve_precision

    _, sft_args, model_args, _ = parse_args(
        ["--config", "configs/train/cpu_smollm2.yaml", "--dtype", "auto", "--output_dir", str(tmp_path)]
    )
    sft_args, what = resolve_precision(model_args, sft_args)
    fast = cpu_has_fast_bf16()
    assert sft_args.bf16 is fast and model_args.dtype == ("bfloat16" if fast else "float32")
    assert "dtype auto" in what
    _, sft_args, model_args, _ = parse_args(
        [
            "--config",
            "configs/train/cpu_smollm2.yaml",
            "--dtype",
            "float32",
            "--bf16",
            "false",
            "--output_dir",
            str(tmp_path),
        ]
    )
    assert resolve_precision(model_args, sft_args)[1] == "float32 weights, no autocast (as set)"


def test_bundle_names_the_generate_command_its_data_came_from(tmp_path, tiny_model_dir):
    from generating import synthetic

    assert synthetic.main(["--n", "120", "--seed", "3", "--out", str(tmp_path / "data")]) == 0
    out = tmp_path / "run"
    assert (
        main(
            [
                "--config",
                "configs/train/cpu_smollm2.yaml",
                "--model_name_or_path",
                tiny_model_dir,
                "--train_file",
                str(tmp_path / "data" / "train.jsonl"),
                "--output_dir",
                str(out),
                "--max_steps",
                "1",
                "--report_to",
                "none",
            ]
        )
        == 0
    )
    meta = json.loads((out / "adapter" / "triage.json").read_text())
    assert meta["train_file"] == "train split of `triage generate --n 120 --seed 3`"
    assert "train split of `triage generate --n 120 --seed 3`" in (out / "adapter" / "README.md").read_text()


def test_a_run_the_machine_cannot_hold_is_refused_before_training(tmp_path, tiny_model_dir, monkeypatch, capsys):
    import psutil

    from triage.cli import main as cli

    class Tiny:
        available = 1024**2  # 1 MB left

    monkeypatch.setattr(psutil, "virtual_memory", lambda: Tiny())
    train_file = write_rows(tmp_path / "train.jsonl", 16)
    code = cli(
        [
            "train",
            "--config",
            "configs/train/cpu_smollm2.yaml",
            "--model_name_or_path",
            tiny_model_dir,
            "--train_file",
            str(train_file),
            "--output_dir",
            str(tmp_path / "run"),
            "--report_to",
            "none",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "triage train: error: this run would need about" in err
    assert "--per_device_train_batch_size" in err and "--check_memory false" in err
    assert not (tmp_path / "run" / "adapter").exists()


def test_init_adapter_continues_an_adapter_on_corrections_with_replay(tmp_path, schema, tiny_model_dir, capsys):
    # Issue 17: corrections come back into training; the adapter goes on learning instead of starting over.
    first = run_training(tmp_path, tiny_model_dir, "--max_steps", "1", "--lora_r", "4")
    corrections = write_rows(tmp_path / "corrections.jsonl", 3)
    out = tmp_path / "continued"
    code = main(
        [
            "--config",
            "configs/train/cpu_smollm2.yaml",
            "--init_adapter",
            str(first / "adapter"),
            "--train_file",
            str(corrections),
            "--replay_file",
            str(tmp_path / "train.jsonl"),
            "--replay_ratio",
            "2",
            "--output_dir",
            str(out),
            "--max_steps",
            "1",
            "--per_device_train_batch_size",
            "2",
            "--report_to",
            "none",
        ]
    )
    assert code == 0
    assert "+ 6 replay rows" in capsys.readouterr().out
    meta = json.loads((out / "adapter" / "triage.json").read_text())
    assert meta["continued_from"] == str(first / "adapter") and meta["replay"]["rows"] == 6
    assert meta["base_model"] == tiny_model_dir and meta["train_rows"] == 9
    assert meta["lora"]["r"] == 4  # the adapter's own LoRA shape, not the profile's
    before, after = lora_tensors(first / "adapter"), lora_tensors(out / "adapter")
    assert before.keys() == after.keys()
    assert any(not before[k].equal(after[k]) for k in before)  # it trained on


def test_init_adapter_must_be_an_adapter_bundle(schema, tiny_model_dir):
    from training.continued import continued_adapter

    with pytest.raises(DataError, match="not an adapter bundle"):
        continued_adapter(tiny_model_dir, schema)
