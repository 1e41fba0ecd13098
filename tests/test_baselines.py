"""The classic baselines through the TF-IDF kind: accuracy above the majority class, always-valid tickets,
joint rules, save/load, category-only data, clear errors, the CLI (inference.baseline_common,
baseline_tfidf, baselines). The MiniLM kind has its own file: tests/test_baseline_embedding.py."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the baselines need scikit-learn (pip install 'scikit-learn>=1.5')")

from generating import synthetic  # noqa: E402
from inference.baseline_common import META_FILE, BaselineNotFoundError, placeholder_text  # noqa: E402
from inference.baseline_embedding import EmbeddingBaseline  # noqa: E402
from inference.baseline_tfidf import TfidfBaseline  # noqa: E402
from inference.baselines import load_baseline, main  # noqa: E402
from inference.metrics import evaluate  # noqa: E402
from ticket_triage.dataset import DataError, read_rows  # noqa: E402
from ticket_triage.schema import SchemaError, TicketSchema, parse_schema  # noqa: E402


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("baseline-data")
    assert synthetic.main(["--n", "300", "--seed", "1", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def train_rows(data_dir: Path, schema: TicketSchema) -> list[dict]:
    return read_rows(data_dir / "train.jsonl", schema)


@pytest.fixture(scope="module")
def test_rows(data_dir: Path, schema: TicketSchema) -> list[dict]:
    return read_rows(data_dir / "test.jsonl", schema)


@pytest.fixture(scope="module")
def tfidf(train_rows: list[dict], schema: TicketSchema) -> TfidfBaseline:
    return TfidfBaseline().fit(train_rows, schema, progress=False)


def majority_rate(rows: list[dict], field: str) -> float:
    return Counter(r["label"][field] for r in rows).most_common(1)[0][1] / len(rows)


def check_results(results: list, schema: TicketSchema, fields: list[str], full: bool) -> None:
    """Every ticket validates; confidences and alternatives agree with the ticket and the rules."""
    for res in results:
        if full:
            assert schema.errors(res.ticket) == [], res.ticket
        else:
            assert schema.errors(res.ticket, partial=True) == [], res.ticket
            assert list(res.ticket) == [n for n in schema.field_names if n in fields]
        for name in fields:
            value = res.ticket[name]
            assert res.alternatives[name][0] == {"value": value, "probability": res.confidence[name]}
            assert 0 < res.confidence[name] <= 1
            assert len(res.alternatives[name]) <= 3
            partial = {k: v for k, v in res.ticket.items() if k != name}
            assert all(a["value"] in schema.allowed_values(name, partial) for a in res.alternatives[name])
        assert res.status == ("review" if res.reasons else "auto")


def assert_same_results(a: list, b: list) -> None:
    assert [r.ticket for r in a] == [r.ticket for r in b]
    for x, y in zip(a, b):
        assert x.confidence == pytest.approx(y.confidence, abs=1e-4)
        assert x.status == y.status


# ---- TF-IDF ------------------------------------------------------------------------------------------
def test_tfidf_beats_the_majority_class(tfidf: TfidfBaseline, test_rows: list[dict], schema: TicketSchema) -> None:
    metrics = evaluate(tfidf, test_rows, progress=False)  # the engine's evaluator takes a baseline as is
    assert metrics["category/accuracy"] >= majority_rate(test_rows, "category") + 0.15, metrics
    assert metrics["request_type/accuracy"] >= 0.75, metrics
    assert metrics["schema_valid_rate"] == 1.0
    assert tfidf.name == "tfidf+lr" and tfidf.schema is schema
    assert tfidf.fields == [f.name for f in schema.enum_fields]


def test_tfidf_tickets_always_validate(tfidf: TfidfBaseline, test_rows: list[dict], schema: TicketSchema) -> None:
    texts = [r["text"] for r in test_rows] + ["", "   ", "x" * 5000, "VPN drops every ten minutes"]
    check_results(tfidf.predict_batch(texts), schema, tfidf.fields, full=False)
    full = tfidf.predict_batch(texts, classification_only=False, batch_size=7)
    check_results(full, schema, tfidf.fields, full=True)
    assert full[-1].ticket["summary"] == "VPN drops every ten minutes"
    assert full[-1].model == "tfidf+lr" and full[-1].timing_ms >= 0
    single = tfidf.predict(texts[0], classification_only=False)
    assert single.ticket == full[0].ticket
    json.dumps(single.to_dict())  # serialisable, option_scores left out
    assert "option_scores" not in single.to_dict() and set(single.option_scores) == set(tfidf.fields)


def test_joint_decoding_honours_the_rules(tfidf: TfidfBaseline, schema: TicketSchema) -> None:
    """A per-field classifier that wants Network + Laptop gets Network + the best allowed subcategory."""
    import numpy as np

    def peaked(name: str, best: str, rest: dict[str, float] | None = None) -> np.ndarray:
        classes = tfidf.labels[name]
        p = np.full(len(classes), 0.01)
        for value, weight in {best: 0.9, **(rest or {})}.items():
            p[classes.index(value)] = weight
        return p / p.sum()

    probs = {name: peaked(name, tfidf.labels[name][0]) for name in tfidf.fields}
    probs["category"] = peaked("category", "Network")
    probs["subcategory"] = peaked("subcategory", "Laptop", {"Wi-Fi": 0.06, "VPN": 0.02})
    probs["assignment_group"] = peaked("assignment_group", "Desktop Support", {"Service Desk": 0.05})
    result = tfidf._decode(probs, "some ticket", classification_only=True)
    assert result.ticket["category"] == "Network"
    assert result.ticket["subcategory"] == "Wi-Fi"
    assert result.ticket["assignment_group"] == "Service Desk"
    allowed = schema.allowed_values("subcategory", {"category": "Network"})
    raw = {v: probs["subcategory"][tfidf.labels["subcategory"].index(v)] for v in allowed}
    assert result.confidence["subcategory"] == pytest.approx(raw["Wi-Fi"] / sum(raw.values()), abs=1e-4)
    assert [a["value"] for a in result.alternatives["subcategory"]][:2] == ["Wi-Fi", "VPN"]
    assert "subcategory: low confidence" not in " ".join(result.reasons)  # 0.06 of 0.11 allowed: above 0.4
    assert schema.errors(result.ticket, partial=True) == []


def test_review_below_threshold(train_rows: list[dict], test_rows: list[dict], schema: TicketSchema) -> None:
    strict = TfidfBaseline(review_threshold=0.999).fit(train_rows[:80], schema, progress=False)
    results = strict.predict_batch([r["text"] for r in test_rows[:5]])
    assert all(r.status == "review" and any("low confidence" in x for x in r.reasons) for r in results)
    lax = TfidfBaseline(
        review_threshold={
            "category": 0.0,
            "subcategory": 0.0,
            "priority": 0.0,
            "assignment_group": 0.0,
            "request_type": 0.0,
        }
    )
    lax.fit(train_rows[:80], schema, progress=False)
    assert all(r.status == "auto" and not r.reasons for r in lax.predict_batch([r["text"] for r in test_rows[:5]]))


def test_tfidf_save_load_round_trip(
    tfidf: TfidfBaseline, test_rows: list[dict], schema: TicketSchema, tmp_path: Path
) -> None:
    texts = [r["text"] for r in test_rows]
    folder = tfidf.save(tmp_path / "tfidf")
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["kind"] == "tfidf" and meta["schema_fingerprint"] == schema.fingerprint()
    assert meta["fields"] == tfidf.fields and meta["labels"]["category"] == tfidf.labels["category"]
    saved = sorted(p.name for p in folder.iterdir())
    assert saved == ["arrays.safetensors", "baseline.json", "schema.yaml", "vocabulary.json"]  # no pickle
    for loaded in (TfidfBaseline.load(folder), load_baseline(folder, schema=schema, device="cpu")):
        assert isinstance(loaded, TfidfBaseline) and loaded.name == tfidf.name
        for full in (False, True):
            assert_same_results(
                loaded.predict_batch(texts, classification_only=not full),
                tfidf.predict_batch(texts, classification_only=not full),
            )
    with pytest.raises(Exception, match="holds a 'tfidf' baseline"):
        EmbeddingBaseline.load(folder)


def test_load_refuses_another_schema(tfidf: TfidfBaseline, schema: TicketSchema, tmp_path: Path) -> None:
    folder = tfidf.save(tmp_path / "tfidf")
    other = parse_schema({"name": "tiny", "fields": {"category": {"type": "enum", "values": ["A", "B"]}}})
    with pytest.raises(SchemaError, match="fitted on schema 'itsm-default'"):
        load_baseline(folder, schema=other)
    with pytest.raises(Exception, match="no baseline.json"):
        load_baseline(tmp_path / "nothing-here")


def test_category_only_labels(train_rows: list[dict], test_rows: list[dict], schema: TicketSchema) -> None:
    """Imported real data often labels only the category: only the category is predicted."""
    rows = [{"text": r["text"], "label": {"category": r["label"]["category"]}} for r in train_rows]
    model = TfidfBaseline().fit(rows, schema, progress=False)
    assert model.fields == ["category"]
    results = model.predict_batch([r["text"] for r in test_rows])
    for res in results:
        assert list(res.ticket) == ["category"] and list(res.confidence) == ["category"]
        assert schema.errors(res.ticket, partial=True) == []
        assert not any("not predicted" in x for x in res.reasons)
    metrics = evaluate(
        model, [{"text": r["text"], "label": {"category": r["label"]["category"]}} for r in test_rows], progress=False
    )
    assert set(k for k in metrics if k.endswith("/accuracy")) == {"category/accuracy"}
    # (evaluate()'s schema_valid_rate counts the unpredicted enum fields as missing; the partial check above holds)
    full = model.predict(test_rows[0]["text"], classification_only=False)
    assert set(full.ticket) == {"category", "summary"} and full.status == "review"
    assert any("priority" in x and "not predicted" in x for x in full.reasons)
    assert schema.errors(full.ticket, partial=True) == []


def test_partially_labelled_rows_train_each_field_on_its_rows(train_rows: list[dict], schema: TicketSchema) -> None:
    rows = [
        {"text": r["text"], "label": dict(r["label"]) if i % 2 else {"category": r["label"]["category"]}}
        for i, r in enumerate(train_rows[:120])
    ]
    model = TfidfBaseline().fit(rows, schema, progress=False)
    assert model.fields == [f.name for f in schema.enum_fields]
    assert sum(model.label_counts["category"].values()) == 120
    assert sum(model.label_counts["priority"].values()) == 60


def test_unknown_label_is_a_clear_error(train_rows: list[dict], schema: TicketSchema) -> None:
    rows = [dict(r) for r in train_rows[:20]]
    rows[3] = {"text": rows[3]["text"], "label": {**rows[3]["label"], "category": "Teleportation"}}
    with pytest.raises(DataError, match=r"row 3: label.category: 'Teleportation' is not one of"):
        TfidfBaseline().fit(rows, schema, progress=False)
    rows[3] = {"text": "x", "label": {"team": "Blue"}}
    with pytest.raises(DataError, match="row 3: label.team: unknown field"):
        TfidfBaseline().fit(rows, schema, progress=False)
    with pytest.raises(DataError, match="no training row labels any enum field"):
        TfidfBaseline().fit([{"text": "x", "label": {"summary": "x"}}], schema, progress=False)


def test_placeholder_summary() -> None:
    assert placeholder_text("  VPN   drops.\nAgain and again.", 120) == "VPN drops."
    assert placeholder_text("Outlook v2.5 crashes when I open it", 120) == "Outlook v2.5 crashes when I open it"
    assert placeholder_text("one two three four", 12) == "one two"
    assert placeholder_text("abcdefghijklmnop", 5) == "abcde"
    assert placeholder_text(" \n ", 120) == "(empty ticket)"


def test_cli_fit_then_the_folder_is_a_model(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "cli-tfidf"
    assert (
        main(["fit", "--kind", "tfidf", "--train", str(data_dir / "train.jsonl"), "--limit", "100", "--out", str(out)])
        == 0
    )
    assert (out / META_FILE).is_file()
    capsys.readouterr()
    # A baseline folder is a model: `triage predict` and `triage eval` take it as --model.
    from inference.evaluate import main as evaluate
    from inference.predict import main as predict

    texts = ["VPN drops every ten minutes", "printer jams"]
    assert predict(["--model", str(out), *texts, "--ticket-only", "--classification-only"]) == 0
    tickets = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(tickets) == 2 and all("category" in t and "summary" not in t for t in tickets)
    assert predict(["--model", str(out), "VPN drops every ten minutes"]) == 0
    assert json.loads(capsys.readouterr().out)["ticket"]["summary"] == "VPN drops every ten minutes"
    assert evaluate(["--model", str(out), "--data", str(data_dir / "test.jsonl")]) == 0
    assert "category/accuracy" in capsys.readouterr().out
    assert main(["predict", str(out), "text"]) == 2  # folded into `triage predict --model`, said so
    assert "triage predict --model FOLDER" in capsys.readouterr().err
    with pytest.raises(DataError, match="--fine-tune-encoder is for --kind embedding"):
        main(
            [
                "fit",
                "--kind",
                "tfidf",
                "--fine-tune-encoder",
                "--train",
                str(data_dir / "train.jsonl"),
                "--out",
                str(tmp_path / "x"),
            ]
        )


class _WritesAFile:
    """A pickle payload: unpickling it calls open(path, "w"), as a booby-trapped model.joblib would."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_a_baseline_folder_holding_a_pickle_is_refused_without_running_it(tfidf: TfidfBaseline, tmp_path: Path) -> None:
    # Regression: `--model DIR` with a baseline.json loaded DIR/model.joblib with joblib (pickle), and a
    # crafted one ran code (it wrote a file) when a user only meant to triage with it.
    import pickle

    folder = tfidf.save(tmp_path / "trap")
    witness = tmp_path / "pwned"
    (folder / "model.joblib").write_bytes(pickle.dumps(_WritesAFile(witness)))
    with pytest.raises(BaselineNotFoundError, match=r"model.joblib: .* pickle, which can run any code"):
        load_baseline(folder)
    assert not witness.exists()


def test_a_damaged_arrays_file_is_a_clear_error(tfidf: TfidfBaseline, tmp_path: Path) -> None:
    folder = tfidf.save(tmp_path / "damaged")
    (folder / "arrays.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(BaselineNotFoundError, match=r"arrays.safetensors: cannot read the baseline's numbers"):
        load_baseline(folder)


def test_class_weighting_is_said_and_can_be_turned_off(data_dir: Path, tmp_path: Path, capsys) -> None:
    """Regression: the TF-IDF baseline was class-balanced with no word in its help or docs, and no way
    to weigh every ticket the same."""
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    assert "balanced (default)" in capsys.readouterr().out
    train = str(data_dir / "train.jsonl")
    for choice, expected in (("balanced", "balanced"), ("none", None)):
        out = tmp_path / choice
        assert main(["fit", "--kind", "tfidf", "--train", train, "--class-weight", choice, "--out", str(out)]) == 0
        assert load_baseline(out).class_weight == expected
