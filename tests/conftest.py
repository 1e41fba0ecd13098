"""Shared fixtures: the default schema, the offline model folder, and a tiny random model.

The tiny model has SmolLM2's tokenizer and chat template but 2 layers of width 64, so engine and
trainer tests exercise the real code paths in a second instead of a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ticket_triage.schema import TicketSchema, load_schema

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str) -> Any:
    """A module from scripts/ (they are files, not a package), e.g. load_script("load_test")."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def schema() -> TicketSchema:
    return load_schema()


@pytest.fixture(scope="session")
def offline_model_dir() -> str:
    from ticket_triage.models import resolve_model

    return resolve_model("smollm2-135m").base


def _save_tiny_model(out: Path, offline_model_dir: str, config_class: type, model_class: type, **config: Any) -> str:
    """A 2-layer, width-64 random model with SmolLM2's tokenizer and chat template, saved to `out`."""
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(offline_model_dir)
    config = config_class(
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
        **config,
    )
    torch.manual_seed(0)
    model_class(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return str(out)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, offline_model_dir: str) -> str:
    from transformers import LlamaConfig, LlamaForCausalLM

    return _save_tiny_model(tmp_path_factory.mktemp("tiny-llama"), offline_model_dir, LlamaConfig, LlamaForCausalLM)


@pytest.fixture(scope="session")
def tiny_sliding_model_dir(tmp_path_factory: pytest.TempPathFactory, offline_model_dir: str) -> str:
    """A tiny Qwen2 whose first layer has a 16-token sliding window, as GPT-OSS and Qwen2.5 options have."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    return _save_tiny_model(
        tmp_path_factory.mktemp("tiny-qwen2-sliding"),
        offline_model_dir,
        Qwen2Config,
        Qwen2ForCausalLM,
        use_sliding_window=True,
        sliding_window=16,
        max_window_layers=0,
        layer_types=["sliding_attention", "full_attention"],
    )


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run an ASGI app under uvicorn on a free loopback port in a thread; yields its base URL.

    A real server, not a test transport: concurrency, the lifespan, timeouts and body streaming
    behave as in production.
    """
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def wait_ready(client: Any, timeout: float = 120.0) -> dict:
    """Poll /readyz until the service is ready (or failed); returns its last answer."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        body = client.get("/readyz").json()
        if body["status"] != "loading" or time.monotonic() > deadline:
            return body
        time.sleep(0.05)
