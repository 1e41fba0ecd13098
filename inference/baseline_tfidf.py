"""The TF-IDF baseline ("tfidf+lr"): TF-IDF over word 1-2 grams (sublinear tf, shared by all fields) and
a logistic regression per labelled enum field, on the common part in inference/baseline_common.py.

    from inference.baseline_tfidf import TfidfBaseline
    model = TfidfBaseline().fit(read_rows("train.jsonl", schema, partial_labels=True), schema)
    model.save("outputs/baselines/tfidf")   # vocabulary.json + arrays.safetensors: no pickle

Its command is `triage baseline fit --kind tfidf`; a saved folder is a `--model` like any other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inference.baseline_common import (
    ARRAYS_FILE,
    Baseline,
    fit_logistic,
    logistic_arrays,
    predict_logistic,
    read_arrays,
    restore_logistic,
)
from ticket_triage.models import read_json_file

VOCABULARY_FILE = "vocabulary.json"


class TfidfBaseline(Baseline):
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
            self._heads[name] = fit_logistic(features, targets[name], self.C, self.class_weight)
            self.labels[name] = self._heads[name]["classes"]

    def _probabilities(self, texts: list[str]) -> dict[str, Any]:
        features = self._vectorizer.transform(texts)
        return {name: predict_logistic(self._heads[name], features) for name in self.fields}

    def _save(self, folder: Path) -> None:
        import numpy as np
        from safetensors.numpy import save_file

        vocabulary = {term: int(index) for term, index in self._vectorizer.vocabulary_.items()}
        (folder / VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        idf = np.ascontiguousarray(self._vectorizer.idf_)
        save_file({"idf": idf, **logistic_arrays(self._heads)}, str(folder / ARRAYS_FILE))

    def _load(self, folder: Path, meta: dict[str, Any]) -> None:
        arrays = read_arrays(folder / ARRAYS_FILE)
        self._vectorizer = self._new_vectorizer()
        self._vectorizer.vocabulary_ = read_json_file(folder / VOCABULARY_FILE)
        self._vectorizer.idf_ = arrays.pop("idf")
        self._heads = restore_logistic(self.labels, arrays)
