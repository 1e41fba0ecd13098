"""The result contract: one per-field decision for every backend."""

from __future__ import annotations

from ticket_triage.result import TOP_K, decide_field


def test_the_most_probable_value_wins_with_its_alternatives():
    decision = decide_field("priority", {"Low": 0.2, "Medium": 0.05, "High": 0.7, "Critical": 0.05})
    assert decision.value == "High" and decision.confidence == 0.7 and decision.review_reason is None
    assert [a["value"] for a in decision.alternatives] == ["High", "Low", "Medium"][:TOP_K]


def test_a_tie_goes_to_the_first_value_in_schema_order():
    assert decide_field("request_type", {"Incident": 0.5, "Service Request": 0.5}).value == "Incident"


def test_low_confidence_names_the_field_and_the_threshold():
    decision = decide_field("category", {"Network": 0.55, "Hardware": 0.45}, threshold=0.6)
    assert decision.review_reason == "category: low confidence 0.55 < 0.60"


def test_a_value_the_model_wrote_is_kept_even_when_not_the_most_probable():
    """A remote model's free answer: its value stands, its own probability is the confidence."""
    decision = decide_field("category", {"Network": 0.3, "Hardware": 0.6}, threshold=0.5, chosen="Network")
    assert decision.value == "Network" and decision.confidence == 0.3
    assert decision.review_reason == "category: low confidence 0.30 < 0.50"


def test_zero_probability_values_stay_among_the_alternatives():
    """Baselines once dropped them while the engine kept them: one rule now, the engine's."""
    decision = decide_field("priority", {"Low": 1.0, "High": 0.0, "Critical": 0.0})
    assert [a["probability"] for a in decision.alternatives] == [1.0, 0.0, 0.0]


def test_batches_go_in_length_order_and_results_come_back_in_input_order():
    from ticket_triage.result import TriageResult, in_length_order

    texts = ["a" * 9, "a", "a" * 5, "a" * 3, "a" * 7]
    batches = []

    def triage(batch):
        batches.append(batch)
        return [TriageResult({"category": t}, {}, {}, "auto") for t in batch]

    results = in_length_order(texts, 2, triage)
    assert [r.ticket["category"] for r in results] == texts
    assert batches == [["a", "a" * 3], ["a" * 5, "a" * 7], ["a" * 9]]
