"""The trainer's savings are exact: shared prefix and answer-only head give the plain loss and gradients."""

from __future__ import annotations

import pytest
import torch

from ticket_triage.prompt import training_examples
from training.trainer import (
    PromptGroupedSampler,
    ReturnFreedMemory,
    TriageSFTTrainer,
    glibc_malloc_trim,
    keep_trainable_fp32,
    shared_prefix_length,
)

TICKETS = [
    ("VPN drops every ten minutes", ("Network", "VPN", "High", "Network Operations", "Incident")),
    (
        "I forgot my password for SAP and I am locked out since this morning, please help",
        ("Access", "Password Reset", "Medium", "Service Desk", "Incident"),
    ),
    ("Please install Visio", ("Software", "Installation", "Low", "Application Support", "Service Request")),
    ("Got a phishing mail asking for my login", ("Security", "Phishing", "High", "Security Operations", "Incident")),
]


def rows() -> list[dict]:
    out = []
    for text, (cat, sub, pri, group, rtype) in TICKETS:
        out.append(
            {
                "text": text,
                "label": {
                    "category": cat,
                    "subcategory": sub,
                    "priority": pri,
                    "assignment_group": group,
                    "request_type": rtype,
                    "summary": text,
                },
            }
        )
    return out


def make_trainer(tmp_path, schema, model_dir, explicit_ratio=1.0, checkpointing=False):
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(model_dir)
    trainer = TriageSFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32),
        args=SFTConfig(
            output_dir=str(tmp_path / "out"),
            report_to=[],
            max_length=1024,
            completion_only_loss=True,
            bf16=False,
            activation_checkpointing=checkpointing,
            per_device_train_batch_size=4,
            activation_checkpointing_kwargs={"use_reentrant": False},
        ),
        train_dataset=Dataset.from_list(training_examples(schema, rows(), explicit_ratio=explicit_ratio)),
        processing_class=tok,
        # dropout 0: with dropout the prefix would draw one mask for the batch, not one per row
        peft_config=LoraConfig(
            r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "down_proj"]
        ),
    )
    # LoRA B starts at zero, which would make every LoRA A gradient zero: give B values to test.
    with torch.no_grad():
        for name, p in trainer.model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.02)
    return trainer


def batch_of(trainer):
    examples = [trainer.train_dataset[i] for i in range(len(trainer.train_dataset))]
    return trainer.data_collator([{"input_ids": e["input_ids"], "labels": e["labels"]} for e in examples])


def loss_and_grads(trainer, model, compute):
    model.zero_grad()
    loss = compute()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    return loss.item(), grads


@pytest.mark.parametrize(
    ("fixture", "checkpointing"),
    [("tiny_model_dir", False), ("tiny_sliding_model_dir", False), ("tiny_model_dir", True)],
)
def test_shared_prefix_loss_and_lora_gradients_equal_the_plain_computation(
    tmp_path, schema, fixture, checkpointing, request
):
    trainer = make_trainer(tmp_path, schema, request.getfixturevalue(fixture), checkpointing=checkpointing)
    model = trainer.model
    if checkpointing:  # the Trainer turns it on when training starts
        model.get_base_model().activation_checkpointing_enable({"use_reentrant": False})
    model.train()
    assert model.get_base_model().is_activation_checkpointing is checkpointing
    batch = batch_of(trainer)
    prefix = shared_prefix_length(batch["input_ids"], batch["labels"])
    assert prefix > 300  # the whole explicit schema prompt is shared
    # The plain computation: the model's own forward over the full sequences, its own loss (mean over answer tokens).
    plain_loss, plain_grads = loss_and_grads(trainer, model, lambda: model(**batch).loss)
    shared_loss, shared_grads = loss_and_grads(trainer, model, lambda: trainer.compute_loss(model, dict(batch)))
    assert trainer.share_prefix and trainer.shared_tokens == prefix * 3
    assert shared_loss == pytest.approx(plain_loss, abs=1e-5)
    assert plain_grads.keys() == shared_grads.keys() and any("lora_A" in n for n in plain_grads)
    for name, grad in plain_grads.items():
        assert torch.allclose(shared_grads[name], grad, atol=1e-5, rtol=1e-4), name
        assert grad.abs().sum() > 0, name  # LoRA on the prefix's keys and values learns too


def test_gradient_accumulation_divides_by_the_tokens_of_all_micro_batches(tmp_path, schema, tiny_model_dir):
    trainer = make_trainer(tmp_path, schema, tiny_model_dir)
    batch = batch_of(trainer)
    answer_tokens = int((batch["labels"][:, 1:] != -100).sum())
    own = trainer.compute_loss(trainer.model, dict(batch))
    accumulated = trainer.compute_loss(trainer.model, dict(batch), num_items_in_batch=torch.tensor(answer_tokens * 2))
    assert accumulated.item() == pytest.approx(own.item() / 2, rel=1e-5)


def test_shared_prefix_stops_before_the_first_answer_token():
    input_ids = torch.tensor([[1] * 20 + [5, 6, 7], [1] * 20 + [5, 6, 7]])  # two identical rows
    labels = torch.full_like(input_ids, -100)
    labels[:, 21:] = input_ids[:, 21:]
    assert shared_prefix_length(input_ids, labels) == 20  # position 20 predicts the first answer token
    assert shared_prefix_length(input_ids[:1], labels[:1]) == 0  # one row: nothing to share
    short = torch.tensor([[1, 2, 3, 4], [1, 2, 9, 4]])
    assert shared_prefix_length(short, short) == 0  # too short to be worth a second pass


def test_sampler_batches_rows_of_one_prompt_group_and_puts_the_longest_first():
    lengths = [10, 50, 20, 40, 30, 60, 15, 35]
    groups = [0, 1, 0, 1, 0, 1, 0, 1]
    torch.manual_seed(0)
    order = list(PromptGroupedSampler(lengths, groups, batch_size=4))
    assert sorted(order) == list(range(8))
    batches = [order[:4], order[4:]]
    assert all(len({groups[i] for i in b}) == 1 for b in batches)
    assert 5 in batches[0]  # the longest row's batch comes first


def test_sampler_draws_heavier_rows_more_often():
    torch.manual_seed(0)
    weights = [1.0] * 90 + [9.0] * 10  # the last 10 rows hold as much weight as the first 90
    drawn = [i for _ in range(20) for i in PromptGroupedSampler([5] * 100, [0] * 100, 8, weights)]
    share = sum(i >= 90 for i in drawn) / len(drawn)
    assert 0.4 < share < 0.6


def test_cpu_training_hands_freed_memory_back_after_each_step(tmp_path, schema, tiny_model_dir):
    # Regression: glibc kept the holes left by batches of different lengths, and the CPU profile's RSS
    # grew from 2.8 to 4.5 GiB in 40 steps although no step needed more than the first.
    if glibc_malloc_trim() is None:
        pytest.skip("no glibc malloc_trim on this platform")
    trainer = make_trainer(tmp_path, schema, tiny_model_dir)
    trimmers = [cb for cb in trainer.callback_handler.callbacks if isinstance(cb, ReturnFreedMemory)]
    assert len(trimmers) == 1
    trimmers[0].on_step_end(trainer.args, trainer.state, trainer.control)  # calls malloc_trim(0) for real


def test_fp16_runs_keep_lora_weights_in_fp32_after_trl_casts_them_to_bf16(tmp_path, schema, tiny_model_dir):
    # Regression: TRL casts a quantised model's LoRA weights to bf16 whatever the precision, and fp16's
    # loss scaler cannot unscale bf16 gradients: the T4 and 4 GB QLoRA profiles failed at their first
    # optimizer step on a GPU ("_amp_foreach_non_finite_check_and_unscale_cuda" not implemented for 'BFloat16').
    model = make_trainer(tmp_path, schema, tiny_model_dir).model
    trainable = [p for p in model.parameters() if p.requires_grad]
    frozen_dtypes = [p.dtype for p in model.parameters() if not p.requires_grad]
    for param in trainable:
        param.data = param.data.to(torch.bfloat16)  # what TRL does to a quantised model's adapter
    assert keep_trainable_fp32(model) == len(trainable) > 0
    assert all(p.dtype == torch.float32 for p in trainable)
    assert [p.dtype for p in model.parameters() if not p.requires_grad] == frozen_dtypes
    assert keep_trainable_fp32(model) == 0
