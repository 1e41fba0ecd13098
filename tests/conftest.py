"""Shared fixtures: the default schema, the offline model folder, and a tiny random model.

The tiny model has SmolLM2's tokenizer and chat template but 2 layers of width 64, so engine and
trainer tests exercise the real code paths in a second instead of a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ticket_triage.schema import TicketSchema, load_schema

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def schema() -> TicketSchema:
    return load_schema()


@pytest.fixture(scope="session")
def offline_model_dir() -> str:
    from ticket_triage.models import resolve_model

    return resolve_model("smollm2-135m").base


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, offline_model_dir: str) -> str:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(offline_model_dir)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    out = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return str(out)


@pytest.fixture(scope="session")
def tiny_sliding_model_dir(tmp_path_factory: pytest.TempPathFactory, offline_model_dir: str) -> str:
    """A tiny Qwen2 whose first layer has a 16-token sliding window, as GPT-OSS and Qwen2.5 options have."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(offline_model_dir)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        use_sliding_window=True,
        sliding_window=16,
        max_window_layers=0,
        layer_types=["sliding_attention", "full_attention"],
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    out = tmp_path_factory.mktemp("tiny-qwen2-sliding")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return str(out)
