"""The result contract: what every triager returns, and how one field's probabilities become a decision.

The local engine (`inference.engine`), the baselines (`inference.baselines`) and the OpenAI-compatible
backend (`inference.openai_backend`) all return `TriageResult`s and decide each enum field with
`decide_field`, so the service, evaluation and drift read one shape, and a field's value, confidence,
alternatives and review reason mean the same whichever model produced them.

    from ticket_triage.result import decide_field
    decide_field("priority", {"Low": 0.2, "High": 0.7, "Critical": 0.1}, threshold=0.8)
    # FieldDecision(value='High', confidence=0.7, alternatives=[...], review_reason='priority: low ...')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ticket_triage.schema import TicketSchema

TOP_K = 3  # alternatives kept per enum field


@dataclass
class TriageResult:
    ticket: dict[str, str]
    confidence: dict[str, float]  # per enum field: probability of the chosen value among allowed ones
    alternatives: dict[str, list[dict[str, Any]]]  # per enum field: top-k {"value", "probability"}
    status: str  # "auto" or "review"
    reasons: list[str] = field(default_factory=list)
    # Wall time from the start of the ticket's batch to its own answer: tickets scored together
    # finish together, a free-text field finishes each ticket at its own decoding step.
    timing_ms: float = 0.0
    model: str = ""
    # Per enum field: the model's log-probability of every allowed option, before calibration.
    # Kept for calibration and analysis; not part of the JSON result.
    option_scores: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["option_scores"]
        return out


class Triager(Protocol):
    """What every command, the service and evaluation need of a model."""

    name: str
    schema: TicketSchema

    def predict_batch(
        self, texts: list[str], classification_only: bool = ..., progress: bool = ..., batch_size: int = ...
    ) -> list[TriageResult]: ...


@dataclass(frozen=True)
class FieldDecision:
    value: str
    confidence: float  # rounded to 4 places, as results show it
    alternatives: list[dict[str, Any]]  # the TOP_K most probable values, {"value", "probability"}
    review_reason: str | None  # set when the confidence is under the field's review threshold


def decide_field(
    name: str, probabilities: dict[str, float], threshold: float = 0.0, chosen: str | None = None
) -> FieldDecision:
    """One enum field's decision from the probabilities of its allowed values (in schema order).

    The most probable value wins (the first in schema order on a tie), unless `chosen` says which value
    the model wrote (a remote model's free answer). Its probability is the confidence; under
    `threshold` the ticket goes to review with a reason naming the field.
    """
    ranked = sorted(probabilities.items(), key=lambda vp: -vp[1])
    value = ranked[0][0] if chosen is None else chosen
    p = probabilities[value]
    reason = f"{name}: low confidence {p:.2f} < {threshold:.2f}" if p < threshold else None
    alternatives = [{"value": v, "probability": round(q, 4)} for v, q in ranked[:TOP_K]]
    return FieldDecision(value, round(p, 4), alternatives, reason)


def in_length_order(
    texts: list[str],
    batch_size: int,
    triage_batch: Callable[[list[str]], list[TriageResult]],
    progress: bool = False,
    desc: str = "triage",
) -> list[TriageResult]:
    """`triage_batch` over `texts`, `batch_size` at a time, tickets of similar length together (less
    padding to compute); the results come back in input order. How every local backend walks a list.

    Character length stands in for token length: sorting needs no tokenisation up front.
    """
    from tqdm.auto import tqdm

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    step = max(1, batch_size)
    results: list[TriageResult | None] = [None] * len(texts)
    with tqdm(total=len(texts), desc=desc, unit="ticket", disable=not progress) as bar:
        for at in range(0, len(order), step):
            chunk = order[at : at + step]
            for i, result in zip(chunk, triage_batch([texts[i] for i in chunk])):
                results[i] = result
            bar.update(len(chunk))
    return results  # type: ignore[return-value]
