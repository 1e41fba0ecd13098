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
    ("Please install Visio on my laptop", ("Software", "Installation", "Low", "Application Support",
                                           "Service Request")),
    ("Got a phishing mail asking for my login", ("Security", "Phishing", "High", "Security Operations",
                                                 "Incident")),
]


def write_rows(path: Path, n: int = 16) -> Path:
    with path.open("w") as fh:
        for i in range(n):
            text, (cat, sub, pri, group, rtype) = LABELS[i % len(LABELS)]
            label = {"category": cat, "subcategory": sub, "priority": pri, "assignment_group": group,
                     "request_type": rtype, "summary": text}
            fh.write(json.dumps({"id": str(i), "text": f"{text} ({i})", "label": label,
                                 "instruction": "Route this ticket.", "meta": {"situation": cat}}) + "\n")
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
        args=SFTConfig(output_dir=str(tmp_path / "out"), report_to=[], max_length=640, completion_only_loss=True,
                       bf16=False, activation_checkpointing=False),
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
    code = main([
        "--config", "configs/train/cpu_smollm2.yaml",
        "--model_name_or_path", tiny_model_dir,
        "--train_file", str(train_file),
        "--val_file", str(train_file),
        "--output_dir", str(out),
        "--per_device_train_batch_size", "2",
        "--gradient_accumulation_steps", "1",
        *(extra if "--report_to" in extra else ("--report_to", "none", *extra)),
    ])
    assert code == 0
    return out


def lora_tensors(bundle: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(bundle / "adapter_model.safetensors")


def test_lora_run_writes_a_bundle_that_predicts(tmp_path, schema, tiny_model_dir):
    out = run_training(tmp_path, tiny_model_dir, "--max_steps", "3", "--save_steps", "2",
                       "--eval_strategy", "steps", "--eval_steps", "2", "--task_eval_samples", "4",
                       "--report_to", "tensorboard", "--logging_steps", "1")
    bundle = out / "adapter"
    for name in ("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "schema.yaml",
                 "triage.json", "README.md"):
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

    result = TriageEngine.load(str(bundle), schema=schema, device="cpu").predict("VPN drops again")
    assert schema.errors(result.ticket) == []


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
    out = run_training(tmp_path, tiny_model_dir, "--max_steps", "2", "--load_in_4bit", "true",
                       "--lora_target_modules", "q_proj", "v_proj")
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
    out = run_training(tmp_path, tiny_model_dir, "--max_steps", "6", "--eval_strategy", "steps",
                       "--eval_steps", "1", "--save_steps", "1", "--task_eval_samples", "4",
                       "--metric_for_best_model", "eval_category/accuracy", "--greater_is_better", "true",
                       "--load_best_model_at_end", "true", "--early_stopping_patience", "1",
                       "--learning_rate", "0")  # nothing improves: early stopping must end the run
    states = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    state = json.loads((states[-1] / "trainer_state.json").read_text())
    assert state["global_step"] < 6  # stopped early
    assert state["best_metric"] is not None and state["best_model_checkpoint"]
    assert any("eval_category/accuracy" in entry for entry in state["log_history"])
