"""The triage engine: valid tickets for any input, scores that match the model, cache reuse.

Fast tests use a tiny random model (random weights are the hardest case for validity: the model
has no idea what JSON is). The slow test loads the real offline model.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from inference.engine import TriageEngine, _clean_text, check_adapter_schema
from ticket_triage.models import ResolvedModel

FIXTURE = Path(__file__).parent / "fixtures" / "hostile_tickets.jsonl"


def hostile_texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    return texts + ["ticket " * 7200]  # 50,000 characters


@pytest.fixture(scope="module")
def tiny_engine(tiny_model_dir, schema) -> TriageEngine:
    return TriageEngine.load(tiny_model_dir, schema=schema, device="cpu", max_input_tokens=256)


def test_every_hostile_input_gives_a_schema_valid_ticket(tiny_engine, schema):
    validator = jsonschema.Draft202012Validator(schema.json_schema())
    for text in hostile_texts():
        result = tiny_engine.predict(text)
        assert validator.is_valid(result.ticket), (text[:80], result.ticket)
        assert schema.errors(result.ticket) == []
        json.dumps(result.to_dict())  # serialisable


def test_confidences_are_probabilities_over_allowed_options(tiny_engine, schema):
    result = tiny_engine.predict("My VPN drops every ten minutes")
    assert set(result.confidence) == {f.name for f in schema.enum_fields}
    for name, alternatives in result.alternatives.items():
        probs = [a["probability"] for a in alternatives]
        assert probs == sorted(probs, reverse=True)
        assert alternatives[0]["value"] == result.ticket[name]
        assert result.confidence[name] == probs[0]
        allowed = schema.allowed_values(name, result.ticket)
        assert {a["value"] for a in alternatives} <= set(allowed)
        if len(allowed) <= len(alternatives):
            assert sum(probs) == pytest.approx(1.0, abs=1e-3)


def test_option_scores_equal_a_plain_forward_pass(tiny_engine, schema):
    """Cached, batched scoring must give the same log-probabilities as scoring each option alone."""
    import torch

    engine = tiny_engine
    prompt, _ = engine._prompt("Printer on floor 3 jams")
    head = prompt + '{"category": "'
    options = list(schema.get_field("category").values)
    with torch.inference_mode():  # as predict() runs it
        scores = engine._score_options(head, options, ['", "'] * len(options))
    for option, score in zip(options, scores):
        full = engine._tokenize(head + option + '", "', offsets=True)
        head_len = len(engine._tokenize(head)["input_ids"])
        close = len(head) + len(option)
        end = next(i for i, (s, e) in enumerate(full["offset_mapping"]) if e > close) + 1
        ids = torch.tensor([full["input_ids"][:end]])
        with torch.inference_mode():
            logp = torch.log_softmax(engine.model(input_ids=ids).logits[0].float(), dim=-1)
        expected = sum(logp[i - 1, ids[0, i]].item() for i in range(head_len, end))
        assert score == pytest.approx(expected, abs=1e-3), option


def test_cache_reuse_does_not_change_results(tiny_engine, tiny_model_dir, schema):
    a, b = "Outlook crashes when I open attachments", "Need a new monitor for my desk"
    first = tiny_engine.predict(a).ticket
    tiny_engine.predict(b)
    assert tiny_engine.predict(a).ticket == first
    fresh = TriageEngine.load(tiny_model_dir, schema=schema, device="cpu")
    assert fresh.predict(a).ticket == first


def test_classification_only_skips_text_fields(tiny_engine, schema):
    result = tiny_engine.predict("VPN down", classification_only=True)
    assert "summary" not in result.ticket
    assert set(result.ticket) == {f.name for f in schema.enum_fields}


def test_long_input_is_truncated_and_flagged(tiny_engine):
    result = tiny_engine.predict("printer " * 1000)
    assert result.status == "review"
    assert any("truncated to 256 tokens" in r for r in result.reasons)


def test_low_confidence_sends_to_review(tiny_model_dir, schema):
    strict = TriageEngine.load(tiny_model_dir, schema=schema, device="cpu", review_threshold=0.999)
    result = strict.predict("VPN down")
    assert result.status == "review"
    assert any("low confidence" in r for r in result.reasons)


def test_clean_text_cuts_at_the_closing_quote_and_length():
    assert _clean_text('VPN drops", "x', 120) == "VPN drops"
    assert _clean_text('say \\"hi\\" now"}', 120) == 'say "hi" now'
    assert _clean_text("  many   spaces\there ", 120) == "many spaces here"
    assert _clean_text("one two three four", 9) == "one two"
    assert len(_clean_text("x" * 500, 120)) == 120


def test_adapter_trained_on_another_schema_is_refused(tmp_path, schema):
    (tmp_path / "triage.json").write_text(json.dumps({"schema_fingerprint": "0000", "schema_name": "other"}))
    with pytest.raises(ValueError, match="trained on schema 'other'"):
        check_adapter_schema(ResolvedModel(base="x", adapter=str(tmp_path)), schema)
    with pytest.raises(ValueError, match="trained on schema 'other'"):  # a merged model folder too
        check_adapter_schema(ResolvedModel(base=str(tmp_path)), schema)
    (tmp_path / "triage.json").write_text(json.dumps({"schema_fingerprint": schema.fingerprint()}))
    check_adapter_schema(ResolvedModel(base="x", adapter=str(tmp_path)), schema)


@pytest.mark.slow
def test_offline_model_triages_to_a_valid_ticket(schema):
    engine = TriageEngine.load("smollm2-135m", schema=schema, device="cpu")
    result = engine.predict("VPN drops every ten minutes")
    jsonschema.validate(result.ticket, schema.json_schema())
    assert result.ticket["summary"]
    assert result.status in ("auto", "review")


@pytest.mark.slow
def test_the_shipped_adapter_is_the_default_and_triages_validly(schema):
    from ticket_triage.models import SHIPPED_ADAPTER, default_model

    assert default_model() == str(SHIPPED_ADAPTER)
    meta = json.loads((SHIPPED_ADAPTER / "triage.json").read_text())
    assert meta["schema_fingerprint"] == schema.fingerprint()  # retrain it when the default taxonomy changes
    engine = TriageEngine.load(schema=schema, device="cpu")
    assert engine.name == str(SHIPPED_ADAPTER)
    result = engine.predict("My VPN disconnects every ten minutes when I work from home")
    jsonschema.validate(result.ticket, schema.json_schema())
