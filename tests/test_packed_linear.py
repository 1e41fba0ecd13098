"""inference/packed_linear.py: oneDNN-packed linear layers give the plain products, row by row the same
whatever the batch, and are only put where they can run."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from inference.packed_linear import PackedLinear, can_pack, pack_linear_weights  # noqa: E402

DTYPES = [torch.float32, torch.bfloat16]


def _packable(dtype: torch.dtype) -> None:
    reason = can_pack(torch.nn.Linear(4, 4).to(dtype).eval())
    if reason is not None:
        pytest.skip(f"cannot pack here: {reason}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("rows_hint", [16, 4096])
def test_packed_linear_gives_the_plain_products(dtype, bias, rows_hint):
    _packable(dtype)
    torch.manual_seed(0)
    linear = torch.nn.Linear(96, 80, bias=bias).to(dtype).eval()
    packed = PackedLinear(linear, rows_hint=rows_hint)  # laid out for that many rows; any number runs
    x = torch.randn(1, 37, 96, dtype=dtype)  # [batch, tokens, features], as the model calls it
    with torch.inference_mode():
        want, got = linear(x), packed(x)
    assert got.shape == want.shape == (1, 37, 80) and got.dtype == dtype
    # fp32 is another kernel (other rounding); bf16 rounds its output to 8 bits of mantissa.
    tolerance = 1e-5 if dtype == torch.float32 else 2e-2
    torch.testing.assert_close(got.float(), want.float(), atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_rows_product_does_not_depend_on_the_rows_beside_it(dtype):
    """The engine's answers must not depend on the batch (inference/cascade.py): a token's product is
    the same bit for bit whatever the number of tokens in the pass (2 or more: a one-token pass runs
    as two, `ONE_TOKEN_PASS`)."""
    _packable(dtype)
    torch.manual_seed(0)
    packed = PackedLinear(torch.nn.Linear(576, 1536, bias=False).to(dtype).eval())
    x = torch.randn(700, 576, dtype=dtype)
    with torch.inference_mode():
        every = packed(x)
        for rows in (2, 3, 16, 17, 100, 333):
            assert torch.equal(packed(x[:rows]), every[:rows]), rows


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_packed_model_keeps_its_logits_and_generates(tiny_model_dir, dtype):
    from transformers import AutoModelForCausalLM

    _packable(dtype)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=dtype).eval()
    embedding = model.get_input_embeddings().weight.detach().clone()
    ids = torch.tensor([[1, 5, 9, 200, 31, 7]])
    with torch.inference_mode():
        before = model(input_ids=ids).logits
        linears = sum(type(m) is torch.nn.Linear for m in model.modules())
        assert pack_linear_weights(model) == linears == 2 * 7 + 1  # 7 per layer, and the tied output head
        after = model(input_ids=ids).logits
        generated = model.generate(ids, max_new_tokens=3, do_sample=False)
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    assert torch.equal(model.get_input_embeddings().weight, embedding)  # the tied embedding is untouched
    tolerance = 1e-4 if dtype == torch.float32 else 3e-2
    torch.testing.assert_close(after.float(), before.float(), atol=tolerance, rtol=tolerance)
    assert generated.shape == (1, ids.shape[1] + 3)


def test_models_that_cannot_be_packed_are_left_as_they_are():
    half = torch.nn.Sequential(torch.nn.Linear(8, 8)).half().eval()
    assert "float16" in can_pack(half) and pack_linear_weights(half) == 0
    training = torch.nn.Sequential(torch.nn.Linear(8, 8)).train()
    assert can_pack(training) == "the model is in training mode" and pack_linear_weights(training) == 0
    assert type(training[0]) is torch.nn.Linear
    assert can_pack(torch.nn.Sequential()) == "the model has no weights"
    elsewhere = torch.nn.Sequential(torch.nn.Linear(8, 8, device="meta")).eval()  # as a GPU model: left alone
    assert can_pack(elsewhere) == "the model is on meta, not on a CPU" and pack_linear_weights(elsewhere) == 0
