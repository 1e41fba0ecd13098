"""inference/risk_control.py: review thresholds that keep "auto-routed tickets are wrong at most
`target` of the time" with probability 1 - delta (Learn-then-Test)."""

from __future__ import annotations

import random

import pytest

from inference.risk_control import (
    CANDIDATES,
    TargetNotReachable,
    auto_counts,
    binomial_p_value,
    choose_threshold,
    measured,
    starting_threshold,
    ticket_scores,
)


def calibrated_tickets(n: int, rng: random.Random) -> tuple[list[float], list[bool]]:
    """A perfectly calibrated but weak model: confidence s ~ U(0.5, 1), wrong with probability 1 - s.
    The true error rate of tickets auto-routed at t is E[1 - s | s >= t] = (1 - t) / 2, so the promise
    is hard to show: just above the ideal threshold the error is barely under the target."""
    scores = [rng.uniform(0.5, 1.0) for _ in range(n)]
    return scores, [rng.random() > s for s in scores]


def true_error(threshold: float) -> float:
    return (1 - threshold) / 2


def confident_tickets(n: int, rng: random.Random) -> tuple[list[float], list[bool]]:
    """A calibrated model sure of most tickets (as a fine-tuned router is): s = 1 - u^4 / 2."""
    scores = [1 - rng.random() ** 4 / 2 for _ in range(n)]
    return scores, [rng.random() > s for s in scores]


def test_the_binomial_p_value_is_the_exact_lower_tail():
    assert binomial_p_value(0, 45, 0.05) == pytest.approx(0.95**45)  # 0.0994: 45 perfect tickets pass 10%
    assert binomial_p_value(0, 44, 0.05) > 0.1
    assert binomial_p_value(3, 10, 0.3) == pytest.approx(0.6496107184)
    assert binomial_p_value(0, 0, 0.05) == 1.0


@pytest.mark.parametrize("target", [0.05, 0.10])
def test_the_promise_holds_in_at_least_1_minus_delta_of_calibration_draws(target):
    # 200 calibration draws of 1,000 tickets (the start chosen on an independent 500): the chosen
    # threshold may break the promise (true error above target) in at most delta = 10% of draws, plus
    # binomial slack. A refusal auto-routes nothing, which keeps the promise.
    rng = random.Random(7)
    broken = 0
    for _ in range(200):
        start = starting_threshold(*calibrated_tickets(500, rng), target=target)
        try:
            chosen = choose_threshold(*calibrated_tickets(1000, rng), target=target, delta=0.1, start=start)
        except TargetNotReachable:
            continue
        broken += true_error(chosen.threshold) > target
    assert broken / 200 <= 0.1 + 0.04


def test_a_confident_model_is_never_refused_and_routes_most_tickets():
    rng = random.Random(3)
    for target, least in ((0.05, 0.7), (0.10, 0.9)):
        start = starting_threshold(*confident_tickets(500, rng), target=target)
        chosen = choose_threshold(*confident_tickets(1000, rng), target=target, delta=0.1, start=start)
        assert chosen.coverage > least


def test_the_chosen_threshold_is_the_lowest_passing_one_in_the_fixed_sequence():
    rng = random.Random(1)
    scores, wrong = confident_tickets(2000, rng)
    start = starting_threshold(*confident_tickets(2000, rng), target=0.05)
    chosen = choose_threshold(scores, wrong, target=0.05, delta=0.1, start=start)
    assert (chosen.auto, chosen.errors) == auto_counts(scores, wrong)(chosen.threshold)
    assert chosen.p_value <= 0.1 and chosen.threshold <= start
    next_lower = CANDIDATES[CANDIDATES.index(chosen.threshold) + 1]
    below, below_errors = auto_counts(scores, wrong)(next_lower)
    assert binomial_p_value(below_errors, below, 0.05) > 0.1  # the sequence stopped there


def test_too_few_tickets_is_refused_with_what_would_be_needed():
    with pytest.raises(TargetNotReachable, match="at least 45 auto-routed tickets"):
        choose_threshold([0.99] * 20, [False] * 20, target=0.05, delta=0.1)


def test_a_model_wrong_on_its_surest_tickets_is_refused():
    scores = [0.999] * 200
    with pytest.raises(TargetNotReachable, match="already have 50 wrong"):
        choose_threshold(scores, [i % 4 == 0 for i in range(200)], target=0.05, delta=0.1)


def test_impossible_targets_are_a_value_error():
    with pytest.raises(ValueError, match="between 0 and 1"):
        choose_threshold([0.9], [False], target=0.0, delta=0.1)


def test_starting_threshold_is_where_the_evidence_is_strongest():
    # 100 sure tickets (no error) and 100 at 0.6 (half wrong): the evidence peaks at 0.99, 100 perfect
    # tickets (the most cautious of the candidates that route exactly them).
    scores = [0.99] * 100 + [0.6] * 100
    wrong = [False] * 100 + [i % 2 == 0 for i in range(100)]
    assert starting_threshold(scores, wrong, 0.05) == 0.99
    assert starting_threshold([0.3], [True], 0.05) == CANDIDATES[0]  # no evidence anywhere


def test_ticket_scores_take_the_weakest_promised_field_and_respect_fixed_thresholds():
    confidences = [
        {"category": 0.9, "priority": 0.7, "request_type": 0.99},
        {"category": 0.95, "priority": 0.97, "request_type": 0.2},
    ]
    correct = [
        {"category": True, "priority": False, "request_type": True},
        {"category": True, "priority": True, "request_type": False},
    ]
    scores, wrong = ticket_scores(confidences, correct, ["category", "priority"])
    assert scores == [0.7, 0.95] and wrong == [True, False]
    # request_type held at a fixed 0.5: the second ticket is never auto-routed.
    scores, _ = ticket_scores(confidences, correct, ["category", "priority"], fixed={"request_type": 0.5})
    assert scores == [0.7, -1.0]


def test_measured_reports_coverage_and_auto_error():
    assert measured([0.9, 0.8, 0.7, 0.6], [False, True, False, True], 0.75) == {
        "n": 4,
        "auto": 2,
        "coverage": 0.5,
        "auto_error": 0.5,
    }
    assert measured([0.1], [True], 0.5)["auto_error"] is None
