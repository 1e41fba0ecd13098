"""Likely mislabelled training rows, by confident learning from the model's own probabilities.

Confident learning (Northcutt, Jiang and Chuang, "Confident Learning: Estimating Uncertainty in
Dataset Labels", JAIR 70, 2021, https://arxiv.org/abs/1911.00068), per enum field:

1. the threshold of class j is the model's mean probability of j over the rows labelled j (its
   average self-confidence on that class);
2. a row counts towards the class j with the highest probability among the classes whose
   probability reaches their own threshold (the confident joint, the paper's eq. 1-2); rows with no
   such class count nowhere;
3. a row counted towards a class other than its label is a label-issue suspect; suspects are ranked
   by self-confidence, the probability of the given label, lowest first (cleanlab's default ranking).

The probabilities come from the predictions' `alternatives` (`triage eval --out` writes the top 3
per field). A label outside the top 3 has an unknown probability, at most the third's and at most
the mass left over; that bound stands in for it, which can only make a row look less suspect.
Predictions should be out-of-sample (made by a model that did not train on those rows, e.g. an
adapter trained on another split or fold); on its own training rows a model agrees with its labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ticket_triage.schema import TicketSchema


@dataclass(frozen=True)
class Suspect:
    field: str
    given: str  # the row's label
    suggested: str  # the class the row is confidently counted towards
    self_confidence: float  # the model's probability of the given label (a bound when outside the top-k)
    suggested_probability: float
    given_threshold: float
    suggested_threshold: float

    def __str__(self) -> str:
        return (
            f"{self.field}: labelled {self.given!r} (model p {self.self_confidence:.2f}, class mean "
            f"{self.given_threshold:.2f}), the model says {self.suggested!r} (p {self.suggested_probability:.2f} "
            f">= class mean {self.suggested_threshold:.2f})"
        )


def option_probabilities(alternatives: list[dict[str, Any]], values: tuple[str, ...]) -> dict[str, float]:
    """Every allowed value's probability: the listed top-k as given, the others the largest they can
    be (the smallest listed probability and the mass the list leaves over, whichever is smaller)."""
    known = {a["value"]: float(a["probability"]) for a in alternatives if a.get("value") in values}
    if len(known) == len(values):
        return known
    bound = min([*known.values(), max(0.0, 1.0 - sum(known.values()))])
    return {v: known.get(v, bound) for v in values}


def field_suspects(name: str, given: list[str], probabilities: list[dict[str, float]]) -> dict[int, Suspect]:
    """Confident learning on one field: row index -> its suspect finding, for the rows that are suspects."""
    classes = sorted(set(given))
    thresholds = {}
    for j in classes:
        own = [p[j] for y, p in zip(given, probabilities) if y == j]
        thresholds[j] = sum(own) / len(own)
    suspects = {}
    for i, (y, p) in enumerate(zip(given, probabilities)):
        confident = [k for k in classes if p.get(k, 0.0) >= thresholds[k]]
        if not confident:
            continue
        j = max(confident, key=lambda k: p[k])
        if j != y:
            suspects[i] = Suspect(name, y, j, p[y], p[j], thresholds[y], thresholds[j])
    return suspects


def find_suspects(
    schema: TicketSchema, labels: list[dict[str, Any]], alternatives: list[dict[str, list[dict[str, Any]]]]
) -> list[tuple[int, list[Suspect]]]:
    """(row index, its suspect fields) of every suspect row, the least self-confident first.

    `labels[i]` is row i's label, `alternatives[i]` the model's alternatives for it per field. A field
    is judged on the rows that have both; a row is ranked by its least self-confident suspect field.
    """
    by_row: dict[int, list[Suspect]] = {}
    for f in schema.enum_fields:
        rows = [
            i
            for i, (lab, alt) in enumerate(zip(labels, alternatives))
            if lab.get(f.name) in f.values and alt.get(f.name)
        ]
        given = [labels[i][f.name] for i in rows]
        probabilities = [option_probabilities(alternatives[i][f.name], f.values) for i in rows]
        for k, suspect in field_suspects(f.name, given, probabilities).items():
            by_row.setdefault(rows[k], []).append(suspect)
    return sorted(by_row.items(), key=lambda kv: (min(s.self_confidence for s in kv[1]), kv[0]))
