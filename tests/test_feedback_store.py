"""The corrections store (feedback/store.py): checked against the schema, nothing overwritten, text
only when opted in, one transaction per batch, safe across threads, and training rows that
`triage train`'s reader accepts."""

from __future__ import annotations

import threading

import pytest

from feedback.store import Correction, CorrectionError, CorrectionStore, sqlite_path, text_sha256, to_training_rows
from ticket_triage.dataset import DataError, read_rows, write_rows

ORIGINAL = {
    "category": "Hardware",
    "subcategory": "Printer",
    "priority": "Low",
    "assignment_group": "Desktop Support",
    "request_type": "Incident",
    "summary": "Printer on floor 3 jams",
}
TEXT = "The printer on the third floor jams on every page since this morning."


def correction(ticket_id="INC-1", fields=None, **kw) -> Correction:
    kw.setdefault("original", ORIGINAL)
    return Correction(ticket_id, fields or {"priority": "High"}, who=kw.pop("who", "ana"), **kw)


@pytest.fixture
def store(tmp_path, schema):
    with CorrectionStore(tmp_path / "c.db", schema) as s:
        yield s


def test_every_correction_is_kept_and_the_latest_is_current(tmp_path, schema):
    with CorrectionStore(tmp_path / "c.db", schema) as store:
        first = store.add(correction(fields={"priority": "High"}, model="adapter-a", model_version="7d94"))
        second = store.add(correction(fields={"priority": "Critical"}, who="bo"))
        store.add(correction("INC-2", {"category": "Hardware"}))
    with CorrectionStore(tmp_path / "c.db", schema) as store:  # reopened: it was written to the file
        history = store.corrections("INC-1")
        assert [c.id for c in history] == [first, second] and second > first
        assert [c.fields["priority"] for c in history] == ["High", "Critical"]
        assert history[0].model == "adapter-a" and history[0].model_version == "7d94"
        assert history[0].original == ORIGINAL and history[0].changed == {"priority": "High"}
        assert history[0].created_at.endswith("+00:00") and history[0].schema_fingerprint == schema.fingerprint()
        latest = {c.ticket_id: c for c in store.latest()}
        assert latest["INC-1"].fields == {"priority": "Critical"} and latest["INC-1"].who == "bo"
        assert len(store) == 3 and set(latest) == {"INC-1", "INC-2"}


def test_a_correction_is_checked_against_the_schema(store):
    with pytest.raises(CorrectionError, match="priority: 'Urgent' is not one of") as e:
        store.add(correction(fields={"priority": "Urgent"}))
    assert [err.field for err in e.value.errors] == ["priority"]
    with pytest.raises(CorrectionError, match="colour: unknown field"):
        store.add(correction(fields={"colour": "red"}))
    with pytest.raises(CorrectionError, match="who: missing"):
        store.add(correction(who=" "))
    # A category fixed without its subcategory breaks a rule: the message names the kept field.
    with pytest.raises(CorrectionError, match=r"subcategory: 'Printer' is not allowed when category is 'Network'.*too"):
        store.add(correction(fields={"category": "Network"}))
    store.add(correction(fields={"category": "Network", "subcategory": "VPN", "assignment_group": "Service Desk"}))
    assert len(store) == 1


def test_a_batch_is_stored_whole_or_not_at_all(store):
    good, bad = correction("A"), correction("B", {"priority": "Urgent"})
    with pytest.raises(CorrectionError, match=r"review.csv row 2: priority"):
        store.add_many([good, bad], where=["review.csv row 1", "review.csv row 2"])
    assert len(store) == 0
    assert len(store.add_many([good, correction("B")])) == 2


def test_ticket_text_is_kept_only_when_the_operator_opts_in(tmp_path, schema):
    with CorrectionStore(tmp_path / "c.db", schema) as store:
        store.add(correction(text=TEXT))
        (kept,) = store.corrections()
    assert kept.text is None and kept.text_sha256 == text_sha256(TEXT)
    assert TEXT.encode() not in (tmp_path / "c.db").read_bytes()
    with CorrectionStore(tmp_path / "c.db", schema, keep_text=True) as store:
        store.add(correction(text=TEXT))
        assert store.corrections()[-1].text == TEXT


def test_locations_sqlite_paths_and_urls_only(tmp_path, schema):
    assert sqlite_path(tmp_path / "x.db") == str(tmp_path / "x.db")
    assert sqlite_path("sqlite:////abs/x.db") == "/abs/x.db" and sqlite_path("sqlite://") == ":memory:"
    with pytest.raises(DataError, match="only SQLite is supported.*SQLAlchemy"):
        CorrectionStore("postgresql://db/triage", schema)
    with CorrectionStore(f"sqlite:///{tmp_path}/u.db", schema) as store:
        store.add(correction())
    assert (tmp_path / "u.db").is_file()
    (tmp_path / "junk.db").write_text("not a database at all, but long enough to have a header" * 10)
    with pytest.raises(DataError, match="junk.db: not a corrections store"):
        CorrectionStore(tmp_path / "junk.db", schema)


def test_threads_share_one_store(schema):
    # The service's FastAPI worker threads call `add` concurrently.
    with CorrectionStore("sqlite://", schema) as store:
        ids: list[int] = []

        def work(k: int) -> None:
            for i in range(20):
                ids.append(store.add(correction(f"T{k}-{i}")))

        threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(store) == 120 and len(set(ids)) == 120


def test_training_rows_fold_the_history_and_pass_the_row_reader(tmp_path, schema):
    with CorrectionStore(tmp_path / "c.db", schema, keep_text=True) as store:
        store.add(correction("INC-1", {"priority": "High"}, text=TEXT))
        store.add(correction("INC-1", {"request_type": "Service Request"}))  # a later fix of another field
        store.add(correction("INC-2", {"priority": "High"}))  # no text: cannot train
        no_summary = {k: v for k, v in ORIGINAL.items() if k != "summary"}  # a classification-only answer
        store.add(correction("INC-3", {"priority": "High"}, original=no_summary, text="Toner is empty again."))
        rows, skipped = to_training_rows(store.corrections(), schema)
    assert [r["id"] for r in rows] == ["INC-1"]
    assert rows[0]["label"] == ORIGINAL | {"priority": "High", "request_type": "Service Request"}
    assert rows[0]["meta"]["source"] == "correction" and rows[0]["meta"]["situation"].startswith("text-")
    assert any("INC-2: no text stored" in s for s in skipped) and any("INC-3: summary: missing" in s for s in skipped)
    write_rows(tmp_path / "rows.jsonl", rows)
    assert read_rows(tmp_path / "rows.jsonl", schema)[0]["label"]["priority"] == "High"
    partial, _ = to_training_rows([correction("INC-3", original=no_summary, text="Toner.")], schema, True)
    assert "summary" not in partial[0]["label"]  # for eval sets: partial labels are scored where present
