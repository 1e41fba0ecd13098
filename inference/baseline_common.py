"""What both baselines share: one classifier per labelled enum field, decoded jointly under the schema's
rules into a `TriageResult`, and a saved folder that holds no pickle.

`Baseline` does the common part (`fit`: the training targets and label counts; `predict_batch`: each
field's probabilities renormalised over the values the rules allow; `save` / `load`: baseline.json, the
schema copy, the numbers); a kind adds its features: `TfidfBaseline` (inference/baseline_tfidf.py) and
`EmbeddingBaseline` (inference/baseline_embedding.py). The scikit-learn logistic regressions both use
are saved as plain arrays and rebuilt from them (`logistic_arrays`, `restore_logistic`).

    model = TfidfBaseline().fit(rows, schema)        # rows: {"text", "label": {field: value}}
    model.predict_batch(["VPN drops every ten minutes"])[0].ticket
    TfidfBaseline.load(model.save("outputs/baselines/tfidf"))
"""

from __future__ import annotations

import inspect
import json
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

from ticket_triage.dataset import DataError, problems_listed
from ticket_triage.models import ModelNotFoundError, read_json_file
from ticket_triage.prompt import cut_on_word
from ticket_triage.result import TriageResult, decide_field, in_length_order
from ticket_triage.schema import SchemaError, TicketSchema, load_schema

META_FILE = "baseline.json"
SCHEMA_FILE = "schema.yaml"
ARRAYS_FILE = "arrays.safetensors"
PICKLED_FILES = ("model.joblib", "heads.pt")  # format 1: loading them could run any code
FORMAT_VERSION = 2
DEFAULT_BATCH_SIZE = 32
LOG_FLOOR = -30.0  # option_scores entry of a value the classifier never saw (log 0 is not JSON)
SKLEARN_REQUIREMENT = "scikit-learn>=1.5"


class BaselineNotFoundError(ModelNotFoundError):
    """A baseline folder or its encoder is missing; the message says what to run or install."""


# ---- helpers shared by both kinds -------------------------------------------------------------
def _require_sklearn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ImportError(f"the baselines need scikit-learn: pip install '{SKLEARN_REQUIREMENT}'") from None


def decode_order(schema: TicketSchema) -> list[str]:
    """Enum fields in the order they are chosen: rule source fields first, the rest in schema order."""
    sources = {r.field for r in schema.rules}
    names = [f.name for f in schema.enum_fields]
    return [n for n in names if n in sources] + [n for n in names if n not in sources]


def placeholder_text(text: str, max_length: int) -> str:
    """PLACEHOLDER for a free-text field: the ticket's first sentence, whitespace squashed, cut to
    `max_length` on a word boundary. A classifier cannot write a summary; this keeps full tickets valid."""
    flat = " ".join(text.split())
    end = re.search(r"[.!?](?=\s|$)", flat)
    return cut_on_word(flat[: end.end()] if end else flat, max_length) or "(empty ticket)"[:max_length]


def training_targets(rows: list[dict[str, Any]], schema: TicketSchema) -> tuple[list[str], dict[str, list[Any]]]:
    """Texts and, per enum field, each row's label (None where the row leaves the field out).

    Every problem is listed at once (row, field, value), as `read_rows` does for files: a label the
    schema does not allow, an unknown field, a rule broken, a missing text.
    """
    problems = []
    for i, row in enumerate(rows):
        where = f"row {i}" + (f" ({row['id']})" if isinstance(row, dict) and row.get("id") else "")
        if not isinstance(row, dict):
            problems.append(f"{where}: a row must be a dict with 'text' and 'label'")
            continue
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            problems.append(f"{where}: text: missing or empty")
        if not isinstance(row.get("label"), dict):
            problems.append(f"{where}: label: missing or not a dict")
            continue
        problems.extend(f"{where}: label.{err}" for err in schema.errors(row["label"], partial=True))
    if problems:
        raise DataError(problems_listed(f"{len(problems)} bad training row(s) for schema {schema.name!r}", problems))
    if not rows:
        raise DataError("no training rows")
    targets = {f.name: [row["label"].get(f.name) for row in rows] for f in schema.enum_fields}
    targets = {name: labels for name, labels in targets.items() if any(v is not None for v in labels)}
    if not targets:
        raise DataError(
            f"no training row labels any enum field of schema {schema.name!r} "
            f"({', '.join(f.name for f in schema.enum_fields)})"
        )
    return [row["text"] for row in rows], targets


def _labelled(labels: list[Any]) -> tuple[list[int], list[str]]:
    """Indices of the rows that label a field, and those labels."""
    index = [i for i, v in enumerate(labels) if v is not None]
    return index, [labels[i] for i in index]


def fit_logistic(features: Any, labels: list[Any], C: float, class_weight: str | None) -> dict[str, Any]:
    """One field's classifier over the rows that label it; a field with one class needs none."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    index, values = _labelled(labels)
    classes = sorted(set(values))
    if len(classes) == 1:
        return {"classes": classes, "model": None}
    model = LogisticRegression(C=C, max_iter=2000, class_weight=class_weight)
    # One thread: the solver's OpenMP loss gains little here, and on a busy machine its spinning threads
    # made a fit 10x slower (7.7 s instead of 0.77 s for 1,639 tickets on 2 shared cores).
    with threadpool_limits(limits=1):
        model.fit(features[index], values)
    return {"classes": [str(c) for c in model.classes_], "model": model}


def logistic_arrays(heads: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The numbers of each field's classifier, for a safetensors file (a one-class field has none).

    C order: scikit-learn's multinomial coef_ is Fortran-ordered, and safetensors writes the raw
    buffer, so it came back transposed in effect (a test caught different predictions after loading).
    """
    import numpy as np

    arrays = {}
    for name, head in heads.items():
        if head["model"] is not None:
            arrays[f"{name}.coef"] = np.ascontiguousarray(head["model"].coef_)
            arrays[f"{name}.intercept"] = np.ascontiguousarray(head["model"].intercept_)
    return arrays


def restore_logistic(labels: dict[str, list[str]], arrays: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each field's classifier from its classes and saved numbers: the same predict_proba as the fitted one."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    heads = {}
    for name, classes in labels.items():
        model = None
        if f"{name}.coef" in arrays:
            model = LogisticRegression()
            model.classes_ = np.array(classes)
            model.coef_, model.intercept_ = arrays[f"{name}.coef"], arrays[f"{name}.intercept"]
            model.n_features_in_ = model.coef_.shape[1]
        heads[name] = {"classes": list(classes), "model": model}
    return heads


def predict_logistic(head: dict[str, Any], features: Any) -> Any:
    import numpy as np
    from threadpoolctl import threadpool_limits

    if head["model"] is None:
        return np.ones((features.shape[0], 1))
    with threadpool_limits(limits=1):
        return head["model"].predict_proba(features)


def read_meta(folder: Path) -> dict[str, Any]:
    """A baseline folder's baseline.json; a folder without one is not a baseline."""
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        raise BaselineNotFoundError(f"{folder}: no {META_FILE} (make one with `triage baseline fit ... --out DIR`)")
    return read_json_file(meta_path)


class Baseline:
    """Shared by both kinds: joint decoding, results, saving and loading. Subclasses give the features."""

    kind = ""

    def __init__(
        self,
        C: float = 10.0,
        class_weight: str | None = "balanced",
        review_threshold: float | dict[str, float] | None = None,
    ):
        self.C = C
        self.class_weight = class_weight
        self.review_threshold = review_threshold
        self.schema: TicketSchema | None = None
        self.review_thresholds: dict[str, float] = {}
        self.fields: list[str] = []  # enum fields with a classifier, in decoding order
        self.labels: dict[str, list[str]] = {}  # per field: its classes, in the order of its probabilities
        self.label_counts: dict[str, dict[str, int]] = {}
        self.fit_seconds = 0.0

    @property
    def name(self) -> str:
        return self.kind

    # ---- what a subclass provides ---------------------------------------------------------------
    def _fit(self, texts: list[str], targets: dict[str, list[Any]], progress: bool) -> None:
        raise NotImplementedError

    def _probabilities(self, texts: list[str]) -> dict[str, Any]:
        """Per trained field: an array [len(texts), len(self.labels[field])] of class probabilities."""
        raise NotImplementedError

    def _settings(self) -> dict[str, Any]:
        return {"C": self.C, "class_weight": self.class_weight}

    def _save(self, folder: Path) -> None:
        raise NotImplementedError

    def _load(self, folder: Path, meta: dict[str, Any]) -> None:
        raise NotImplementedError

    # ---- fitting -------------------------------------------------------------------------------
    def fit(self, rows: list[dict[str, Any]], schema: TicketSchema | None = None, progress: bool = True) -> Baseline:
        """Fit one classifier per enum field that `rows` label ({"text", "label": {field: value}})."""
        _require_sklearn()
        schema = schema or load_schema()
        texts, targets = training_targets(rows, schema)
        start = time.perf_counter()
        self._set_schema(schema)
        self.fields = [n for n in decode_order(schema) if n in targets]
        self.label_counts = {}
        for name in self.fields:
            counts: dict[str, int] = {}
            for v in targets[name]:
                if v is not None:
                    counts[v] = counts.get(v, 0) + 1
            self.label_counts[name] = dict(sorted(counts.items()))
        self._fit(texts, {n: targets[n] for n in self.fields}, progress)
        self.fit_seconds = round(time.perf_counter() - start, 2)
        return self

    def _set_schema(self, schema: TicketSchema) -> None:
        self.schema = schema
        self.review_thresholds = schema.review_thresholds(self.review_threshold)

    def _check_fitted(self) -> TicketSchema:
        if self.schema is None or not self.fields:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(rows, schema) or load(folder)")
        return self.schema

    # ---- predicting ----------------------------------------------------------------------------
    def predict(self, text: str, classification_only: bool = True) -> TriageResult:
        return self.predict_batch([text], classification_only=classification_only)[0]

    def predict_batch(
        self,
        texts: list[str],
        classification_only: bool = True,
        progress: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> list[TriageResult]:
        """Triage many tickets, `batch_size` at a time (similar lengths together); input order kept."""
        self._check_fitted()
        return in_length_order(
            texts, batch_size, lambda chunk: self._triage(chunk, classification_only), progress, desc=self.name
        )

    def _triage(self, texts: list[str], classification_only: bool) -> list[TriageResult]:
        start = time.perf_counter()
        probabilities = self._probabilities(texts)
        results = [
            self._decode({n: p[r] for n, p in probabilities.items()}, text, classification_only)
            for r, text in enumerate(texts)
        ]
        # Every ticket of the batch is answered when the batch is: that is each one's latency.
        batch_ms = round((time.perf_counter() - start) * 1000, 3)
        for result in results:
            result.timing_ms = batch_ms
        return results

    def _decode(self, probabilities: dict[str, Any], text: str, classification_only: bool) -> TriageResult:
        """Choose the fields one after another, each over the values the rules allow given the others."""
        schema = self._check_fitted()
        chosen: dict[str, str] = {}
        confidence: dict[str, float] = {}
        alternatives: dict[str, list[dict[str, Any]]] = {}
        option_scores: dict[str, dict[str, float]] = {}
        reasons: list[str] = []
        for name in self.fields:
            allowed = schema.allowed_values(name, chosen)
            by_class = dict(zip(self.labels[name], (float(p) for p in probabilities[name])))
            raw = [by_class.get(v, 0.0) for v in allowed]
            total = sum(raw)
            if total > 0:
                probs = [p / total for p in raw]
            else:  # no value this field was trained on is allowed here (possible with partial labels)
                probs = [1.0 / len(allowed)] * len(allowed)
                rule_fields = sorted({r.field for r in schema.rules if r.constrains == name} & set(chosen))
                given = ", ".join(f"{f}={chosen[f]!r}" for f in rule_fields) or "the rules"
                reasons.append(f"{name}: no trained value is allowed given {given}; uniform guess")
            decision = decide_field(name, dict(zip(allowed, probs)), self.review_thresholds.get(name, 0.0))
            chosen[name] = decision.value
            confidence[name] = decision.confidence
            alternatives[name] = decision.alternatives
            option_scores[name] = {v: math.log(p) if p > 0 else LOG_FLOOR for v, p in zip(allowed, raw)}
            if decision.review_reason:
                reasons.append(decision.review_reason)
        if not classification_only:
            missing = [f.name for f in schema.enum_fields if f.name not in chosen]
            if missing:
                reasons.append(f"{', '.join(missing)}: not predicted (no training labels); left out")
            for f in schema.text_fields:
                chosen[f.name] = placeholder_text(text, f.max_length)
        ticket = {n: chosen[n] for n in schema.field_names if n in chosen}
        return TriageResult(
            ticket=ticket,
            confidence=confidence,
            alternatives=alternatives,
            status="review" if reasons else "auto",
            reasons=reasons,
            model=self.name,
            option_scores=option_scores,
        )

    # ---- saving and loading ---------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the fitted baseline to `folder` (created); `load(folder)` gives the same predictions."""
        import sklearn

        schema = self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._save(folder)
        source = Path(schema.source)
        if source.is_file():
            (folder / SCHEMA_FILE).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        meta = {
            "format_version": FORMAT_VERSION,
            "kind": self.kind,
            "name": self.name,
            "schema_name": schema.name,
            "schema_fingerprint": schema.fingerprint(),
            "fields": self.fields,
            "labels": self.labels,
            "label_counts": self.label_counts,
            "unlabelled_fields": [f.name for f in schema.enum_fields if f.name not in self.fields],
            "settings": self._settings(),
            "fit_seconds": self.fit_seconds,
            "sklearn_version": sklearn.__version__,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(
        cls,
        folder: str | Path,
        schema: TicketSchema | None = None,
        review_threshold: float | dict[str, float] | None = None,
        **kwargs: Any,
    ) -> Baseline:
        """A saved baseline of this kind (`TfidfBaseline.load(folder)`; any kind: `load_baseline`).
        Without `schema`, the folder's copy of its taxonomy is used (else the default); a schema other
        than the one it was fitted on is refused, as for adapters. `kwargs` (e.g. `device="cpu"`)
        override saved settings; those the kind does not take are ignored."""
        folder = Path(folder)
        meta = read_meta(folder)
        kind = meta.get("kind")
        pickled = [name for name in PICKLED_FILES if (folder / name).exists()]
        if pickled:
            raise BaselineNotFoundError(
                f"{folder / pickled[0]}: this baseline was saved by an older ticket-triage as a pickle, which "
                "can run any code when loaded, so it is not loaded; fit it again with `triage baseline fit` "
                "(the new format holds only numbers and text)"
            )
        if kind != cls.kind:
            raise BaselineNotFoundError(f"{folder} holds a {kind!r} baseline, not a {cls.kind!r} one")
        if schema is None:
            schema = load_schema(folder / SCHEMA_FILE if (folder / SCHEMA_FILE).is_file() else None)
        if meta.get("schema_fingerprint") != schema.fingerprint():
            raise SchemaError(
                f"baseline {folder} was fitted on schema {meta.get('schema_name')!r} (fingerprint "
                f"{meta.get('schema_fingerprint')}), but schema {schema.name!r} from {schema.source} (fingerprint "
                f"{schema.fingerprint()}) was asked for; pass its schema with --schema (a copy is in "
                f"{folder / SCHEMA_FILE})"
            )
        _require_sklearn()
        import sklearn

        if meta.get("sklearn_version") and meta["sklearn_version"] != sklearn.__version__:
            print(
                f"warning: {folder} was saved with scikit-learn {meta['sklearn_version']}, this is "
                f"{sklearn.__version__}; refit it if its predictions look wrong",
                file=sys.stderr,
            )
        # `kwargs` override saved settings (e.g. device=); ones this kind does not take are ignored, so a
        # caller can pass the same options to any baseline (device means nothing to TF-IDF).
        accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "review_threshold"}
        settings = {k: v for k, v in (meta.get("settings", {}) | kwargs).items() if k in accepted}
        model = cls(**settings, review_threshold=review_threshold)
        model._set_schema(schema)
        model.fields = list(meta["fields"])
        model.labels = {n: list(v) for n, v in meta["labels"].items()}
        model.label_counts = meta.get("label_counts", {})
        model.fit_seconds = meta.get("fit_seconds", 0.0)
        model._load(folder, meta)
        return model


def read_arrays(path: Path) -> dict[str, Any]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except (OSError, SafetensorError) as e:
        raise BaselineNotFoundError(f"{path}: cannot read the baseline's numbers ({e}); fit it again") from None
