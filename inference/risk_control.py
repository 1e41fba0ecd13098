"""Review thresholds with a guarantee: auto-routed tickets are wrong at most `target` of the time.

A help desk wants a promise, not a confidence: "of the tickets routed without a person, at most 5%
are wrong". `choose_threshold` picks the review threshold that keeps that promise with probability at
least 1 - delta over the draw of the calibration split, by Learn-then-Test (Angelopoulos, Bates,
Candès, Jordan, Lei 2021, https://arxiv.org/abs/2110.01052) with fixed-sequence testing:

- A ticket is auto-routed at threshold t when every routed field's (calibrated) confidence is at
  least t, so its score is the lowest of those confidences; it is wrong when any routed field is.
- For each candidate t, from the most cautious (t = 1, nothing auto-routed) down, the null hypothesis
  "the error rate of tickets auto-routed at t is above the target" is tested with the exact binomial
  tail: among the n_t calibration tickets auto-routed at t, k_t were wrong, and
  p_t = P(Binomial(n_t, target) <= k_t). Given n_t, those tickets are an i.i.d. sample of the tickets
  auto-routed at t, so p_t is a valid p-value.
- Testing in that fixed order and stopping at the first p_t > delta controls the family-wise error
  at delta without a Bonferroni penalty; the lowest threshold rejected is chosen (most coverage).
- The most cautious thresholds auto-route too few tickets to ever pass (with no error at all, n_t
  must reach log(delta) / log(1 - target): 45 tickets for 5% at delta 0.1), and a fixed sequence stops
  at its first failure. So the sequence starts where an independent split (`starting_threshold`, on
  other tickets than the tested ones) shows the strongest evidence; the order is then fixed before the
  tested tickets are looked at, which keeps the guarantee.

The guarantee holds for new tickets drawn like the calibration split (exchangeable): a shift in what
tickets arrive voids it, which is what `triage drift` watches. The confidences must come from a model
fixed before the split is seen: `triage calibrate --target-error` fits temperatures and thresholds on
disjoint halves of `--data` for that reason.

    from inference.risk_control import choose_threshold
    choose_threshold(scores=[0.99, 0.97, 0.6, ...], wrong=[False, False, True, ...], target=0.05, delta=0.1)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

# Candidate thresholds, most cautious first. Fine steps near 1, where the promises of 1-5% live.
CANDIDATES: tuple[float, ...] = tuple(
    sorted({round(1 - 0.001 * i, 3) for i in range(101)} | {round(0.9 - 0.01 * i, 2) for i in range(91)}, reverse=True)
)


class TargetNotReachable(ValueError):
    """No threshold keeps the promise on this calibration split (too few tickets, or a model too weak)."""


@dataclass(frozen=True)
class RiskControl:
    """The chosen threshold and what it was chosen from."""

    threshold: float  # route a ticket automatically when every routed field's confidence is at least this
    target: float  # the promised upper bound on the error rate of auto-routed tickets
    delta: float  # the promise may fail with at most this probability (over the calibration draw)
    n: int  # calibration tickets
    auto: int  # of them, auto-routed at the threshold
    errors: int  # of those, wrong
    p_value: float

    @property
    def coverage(self) -> float:
        return self.auto / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"coverage": round(self.coverage, 4)}


def binomial_p_value(errors: int, n: int, target: float) -> float:
    """P(Binomial(n, target) <= errors): small when `errors` in `n` is implausibly few for a true error
    rate above `target`. 1.0 for n = 0 (no evidence at all)."""
    return binomial_p_values([errors], [n], target)[0]


def binomial_p_values(errors: list[int], n: list[int], target: float) -> list[float]:
    """`binomial_p_value` of many (errors, n) pairs in one call."""
    from scipy.stats import binom

    return [float(p) if m else 1.0 for p, m in zip(binom.cdf(errors, n, target), n)]


def ticket_scores(
    confidences: list[dict[str, float]],
    correct: list[dict[str, bool]],
    fields: list[str],
    fixed: dict[str, float] | None = None,
) -> tuple[list[float], list[bool]]:
    """Per ticket: the threshold it clears (the lowest confidence over the promised `fields`) and
    whether any of those fields is wrong. A ticket that another field's `fixed` threshold sends to
    review is never auto-routed, whatever the threshold: its score is -1."""
    fixed = fixed or {}
    scores = [
        min(c[name] for name in fields) if all(c[f] >= t for f, t in fixed.items()) else -1.0 for c in confidences
    ]
    wrong = [not all(ok[name] for name in fields) for ok in correct]
    return scores, wrong


def auto_counts(scores: list[float], wrong: list[bool]) -> Callable[[float], tuple[int, int]]:
    """t -> (tickets auto-routed at t, how many of them wrong), each in O(log n) after one sort."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ascending = [scores[i] for i in order]
    wrong_from = [0] * (len(order) + 1)  # wrong_from[j]: wrong tickets among ascending[j:]
    for j in range(len(order) - 1, -1, -1):
        wrong_from[j] = wrong_from[j + 1] + bool(wrong[order[j]])

    def at(t: float) -> tuple[int, int]:
        j = bisect_left(ascending, t)
        return len(order) - j, wrong_from[j]

    return at


def candidate_tests(scores: list[float], wrong: list[bool], target: float) -> list[tuple[float, int, int, float]]:
    """(threshold, auto-routed, wrong among them, p-value) for every candidate, most cautious first."""
    at = auto_counts(scores, wrong)
    counts = [at(t) for t in CANDIDATES]
    p_values = binomial_p_values([e for _, e in counts], [a for a, _ in counts], target)
    return [(t, a, e, p) for t, (a, e), p in zip(CANDIDATES, counts, p_values)]


def starting_threshold(scores: list[float], wrong: list[bool], target: float) -> float:
    """Where the fixed sequence starts: the candidate with the strongest evidence on these tickets (the
    lowest p-value; the most cautious on a tie). They must be an independent split, never the one
    `choose_threshold` tests. Starting where the evidence is strongest, not where it first suffices,
    keeps the tested split from failing at its very first step by chance."""
    tests = candidate_tests(scores, wrong, target)
    return min(tests, key=lambda test: (test[3], -test[0]))[0]


def choose_threshold(
    scores: list[float], wrong: list[bool], target: float, delta: float, start: float = CANDIDATES[0]
) -> RiskControl:
    """The lowest threshold whose auto-routed error rate is at most `target` with probability at least
    1 - `delta` (Learn-then-Test, fixed sequence from `start` down; see the module docstring).
    TargetNotReachable says why when the first threshold tested cannot be shown to keep the promise."""
    if not 0 < target < 1 or not 0 < delta < 1:
        raise ValueError(f"target and delta must be between 0 and 1, got target={target}, delta={delta}")
    if len(scores) != len(wrong):
        raise ValueError(f"{len(scores)} scores but {len(wrong)} outcomes")
    chosen: RiskControl | None = None
    first_tested: RiskControl | None = None
    for t, auto, errors, p_value in candidate_tests(scores, wrong, target):
        if t > start or not auto:
            continue  # before the start, or nothing routed at t (nothing to learn): go lower
        step = RiskControl(t, target, delta, len(scores), auto, errors, p_value)
        first_tested = first_tested or step
        if p_value > delta:
            break
        chosen = step
    if chosen is None:
        raise TargetNotReachable(not_reachable_reason(len(scores), first_tested, target, delta))
    return chosen


def not_reachable_reason(n: int, first: RiskControl | None, target: float, delta: float) -> str:
    if first is None:
        return f"no calibration ticket has a confidence at or above {CANDIDATES[-1]}"
    # With zero errors the p-value is (1 - target)^auto: the fewest tickets that could ever pass.
    needed = next(m for m in range(1, 10**6) if (1 - target) ** m <= delta)
    evidence = (
        f"only {first.auto} tickets reach confidence {first.threshold} there, none wrong"
        if first.errors == 0
        else f"the {first.auto} tickets at confidence >= {first.threshold} already have {first.errors} wrong"
    )
    return (
        f"no review threshold keeps auto-routed errors at or below {target:.0%} with probability "
        f"{1 - delta:.0%} on these {n} tickets: {evidence} (p = {first.p_value:.3g} > {delta}); even a "
        f"perfect run needs at least {needed} auto-routed tickets to show it: give a larger --data split, "
        "promise fewer fields (--target-fields), or a looser --target-error or --delta"
    )


def measured(scores: list[float], wrong: list[bool], threshold: float) -> dict[str, Any]:
    """Coverage and error rate of auto-routed tickets at `threshold`, as measured on held-out tickets."""
    auto, errors = auto_counts(scores, wrong)(threshold)
    return {
        "n": len(scores),
        "auto": auto,
        "coverage": round(auto / len(scores), 4) if scores else 0.0,
        "auto_error": round(errors / auto, 4) if auto else None,
    }
