"""Cascade attention (inference/cascade.py): the parts merged by log-sum-exp equal one softmax, the GPU
layout equals a plain forward pass too, rows are batch-invariant, the rows' cache grows without loss,
and plain forward passes of the same model keep the model's own attention."""

from __future__ import annotations

import pytest

import inference.cascade as cascade
from inference.engine import TriageEngine
from tests.test_engine import assert_batched_scores_match_plain_forward, hostile_texts


def test_parts_merged_by_log_sum_exp_equal_one_softmax_with_a_sink():
    """Two disjoint sets of keys (one that some queries cannot see at all) and a GPT-OSS sink: the
    merged result is softmax over all keys plus the sink logit, times the values."""
    import torch

    torch.manual_seed(0)
    kv_heads, group, tokens, dim = 2, 3, 5, 8
    q = torch.randn(1, kv_heads, group, tokens, dim)
    k1, v1, k2, v2 = (torch.randn(1, kv_heads, n, dim) for n in (7, 7, 4, 4))
    see1 = torch.rand(1, tokens, 7) > 0.3
    see1[0, 0] = False  # this query sees nothing of the first part
    see2 = torch.ones(1, tokens, 4, dtype=torch.bool)
    sinks = torch.randn(kv_heads * group)
    for fused in (True, False):
        cascade_fused = cascade._fused
        cascade._fused = lambda device, fused=fused: fused
        try:
            parts = [
                tuple(x[0] for x in cascade._attend(q, k, v, cascade._mask(see, group, q.dtype), 0.3, None))
                for k, v, see in ((k1, v1, see1), (k2, v2, see2))
            ]
        finally:
            cascade._fused = cascade_fused
        merged = cascade._merge(parts, sinks, kv_heads, group, tokens)  # [tokens, heads, dim]

        keys, values = torch.cat([k1, k2], dim=2)[0], torch.cat([v1, v2], dim=2)[0]
        see = torch.cat([see1, see2], dim=2)[0]
        scores = torch.einsum("hgtd,hkd->hgtk", q[0], keys) * 0.3
        scores = scores.masked_fill(~see, -torch.inf)
        sink = sinks.view(kv_heads, group, 1, 1).expand(-1, -1, tokens, 1)
        weights = torch.softmax(torch.cat([scores, sink], dim=-1), dim=-1)[..., :-1]
        expected = torch.einsum("hgtk,hkd->hgtd", weights, values).reshape(kv_heads * group, tokens, dim)
        assert torch.allclose(merged, expected.transpose(0, 1), atol=1e-5), f"fused={fused}"


def test_the_gpu_layout_equals_a_plain_forward_pass(tiny_engine_fp32, schema, monkeypatch):
    """On GPUs all rows attend in one call (prefix queries folded per KV head, own tokens scattered to
    padded rows) with the plain math; run that code here and check it against plain forward passes."""
    monkeypatch.setattr(cascade, "_rows_alone", lambda device: False)
    monkeypatch.setattr(cascade, "_fused", lambda device: False)
    assert_batched_scores_match_plain_forward(tiny_engine_fp32, schema)
    results = tiny_engine_fp32.predict_batch(hostile_texts()[:6], batch_size=6)
    assert all(r.ticket for r in results)


def test_bf16_rows_do_not_depend_on_their_batch(tiny_model_dir, schema):
    """Regression: in bf16, 7 of 40 tickets came out differently in a batch of 16 than alone (the
    rounding of the batch's shapes). Each row now attends alone, so a ticket's scores are the same
    whatever it is batched with."""
    engine = TriageEngine.load(tiny_model_dir, schema=schema, device="cpu", dtype="bfloat16")
    texts = hostile_texts()[:12]
    batched = engine.predict_batch(texts, batch_size=12)
    for text, together in zip(texts, batched):
        alone = engine.predict(text)
        assert alone.ticket == together.ticket
        for field, scores in alone.option_scores.items():
            assert together.option_scores[field] == pytest.approx(scores, abs=1e-4)


def test_the_rows_cache_doubles_without_losing_what_it_holds():
    import torch

    rows = cascade.RowsCache(rows=2)
    key = torch.arange(2 * 3 * 4, dtype=torch.float32).view(2, 3, 4)
    rows.write(0, torch.tensor([0, 1]), torch.tensor([0, 5]), key, -key, end=6)
    assert rows.keys[0].shape[2] == 512  # allocated once, written in place
    keys, values = rows.write(0, torch.tensor([1]), torch.tensor([700]), key[:1], -key[:1], end=701)
    assert rows.keys[0].shape[2] == 1024 and keys.shape[2] == 701
    assert torch.equal(keys[0, :, 0], key[0]) and torch.equal(keys[1, :, 5], key[1])
    assert torch.equal(values[1, :, 700], -key[0])
    rows.move([(1, 700, 6, 1)])
    assert torch.equal(rows.keys[0][1, :, 6], key[0])


def test_plain_forward_passes_keep_the_models_own_attention(tiny_sliding_model_dir):
    """The engine registers its attention on the model; any other forward pass (generate, a plain
    call) must give exactly what it gave before, sliding windows included."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_sliding_model_dir, dtype=torch.float32)
    ids = torch.randint(0, 100, (2, 40))
    with torch.inference_mode():
        before = model(input_ids=ids).logits
        cascade.enable(model)
        assert model.config._attn_implementation == cascade.IMPLEMENTATION
        after = model(input_ids=ids).logits
    assert torch.equal(before, after)


@pytest.fixture
def tiny_engine_fp32(tiny_model_dir, schema) -> TriageEngine:
    return TriageEngine.load(tiny_model_dir, schema=schema, device="cpu", dtype="float32", max_input_tokens=256)


def test_gpt_oss_sinks_and_windows_match_a_plain_forward_pass(tmp_path, offline_model_dir, schema):
    """GPT-OSS (one of the supported bases) adds a learned attention sink per head and alternates
    sliding and full layers; the cascade must give its scores as the model's own attention does."""
    import torch
    from transformers import GptOssConfig, GptOssForCausalLM

    from tests.conftest import _save_tiny_model

    folder = _save_tiny_model(
        tmp_path / "tiny-gpt-oss",
        offline_model_dir,
        GptOssConfig,
        GptOssForCausalLM,
        head_dim=16,
        num_local_experts=4,
        num_experts_per_tok=2,
        sliding_window=16,
        layer_types=["sliding_attention", "full_attention"],
    )
    engine = TriageEngine.load(folder, schema=schema, device="cpu", dtype="float32", max_input_tokens=64)
    with torch.no_grad():  # random sinks near 0 would barely show: make them count
        for layer in engine.model.model.layers:
            layer.self_attn.sinks.normal_(0, 2)
    assert [layer.self_attn.sliding_window for layer in engine.model.model.layers] == [16, None]
    assert_batched_scores_match_plain_forward(engine, schema)
