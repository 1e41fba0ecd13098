"""The corrections store: every correction a person makes to a model's call, kept in one SQLite file.

    from feedback.store import Correction, CorrectionStore, to_training_rows
    with CorrectionStore("corrections.db", schema) as store:            # created on first use
        store.add(Correction("INC-42", {"category": "Network"}, who="ana", source="api",
                             model="models/smollm2-135m-itsm", original=result.ticket))
        store.latest()                                                  # the current correction per ticket
        rows, skipped = to_training_rows(store.corrections(), schema)  # rows `triage train` reads

A correction is checked against the schema in force before it is stored: field names, allowed
values, and the cross-field rules on the ticket as corrected (the model's answer with the corrected
fields laid over it), so a category fixed without its subcategory is refused with a message naming
both. Nothing is overwritten: a later correction of the same ticket is a new row, and the latest is
the current one. Each row records who, when (UTC), the source (`api`, `review:csv`,
`review:label-studio`, `review:argilla`), which model (name and version) made the original call and
what it answered, and the schema's name and fingerprint.

Privacy: the ticket text is stored only by a store opened with `keep_text=True` (the operator's
opt-in; `triage review import --keep-text`); otherwise only its SHA-256, which joins a correction to
the ticket in the help-desk tool without keeping the text here. A store without text cannot make
training rows (`to_training_rows` says so per ticket).

`location` is a file path or an SQLAlchemy-style `sqlite:///path` URL. Other database URLs are
refused with a clear error: a server database would need SQLAlchemy, which the toolkit does not
install. One connection, guarded by a lock, serves every thread, so a FastAPI worker thread can call
`add` while another reads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ticket_triage.dataset import DataError, normalise_text, problems_listed
from ticket_triage.prompt import DEFAULT_INSTRUCTION, text_problem
from ticket_triage.schema import FieldError, TicketSchema

STORE_VERSION = 1  # PRAGMA user_version of the table layout below
SOURCES = ("api", "review:csv", "review:label-studio", "review:argilla")

_CREATE = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- insertion order: the latest row of a ticket is current
    ticket_id TEXT NOT NULL,
    fields TEXT NOT NULL,                   -- JSON object: the corrected fields
    who TEXT NOT NULL,
    created_at TEXT NOT NULL,               -- UTC, ISO 8601
    source TEXT NOT NULL,
    model TEXT NOT NULL,
    model_version TEXT NOT NULL,
    original TEXT,                          -- JSON object: the model's answer, when known
    text TEXT,                              -- the ticket text: only in a store opened with keep_text
    text_sha256 TEXT NOT NULL,              -- '' when the text was never given
    schema_name TEXT NOT NULL,
    schema_fingerprint TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_by_ticket ON corrections (ticket_id, id);
"""
_COLUMNS = (
    "id ticket_id fields who created_at source model model_version original text text_sha256 "
    "schema_name schema_fingerprint"
).split()
_INSERT = f"INSERT INTO corrections ({', '.join(_COLUMNS[1:])}) VALUES ({', '.join('?' * len(_COLUMNS[1:]))})"


class CorrectionError(DataError):
    """A correction breaks the schema or lacks a required part; `.errors` holds the field errors.

    A DataError, so `triage` prints one line and exits 2; the service can answer 422 from `.errors`.
    """

    def __init__(self, message: str, errors: list[FieldError] | None = None):
        self.errors = errors or []
        super().__init__(message)


@dataclass(frozen=True)
class Correction:
    ticket_id: str
    fields: dict[str, str]  # the corrected fields: every value the person set (some may equal the model's)
    who: str
    source: str = "api"
    model: str = ""  # the model (alias, folder or adapter) that made the original call
    model_version: str = ""  # its version where known (an adapter's fingerprint, a tag)
    original: dict[str, Any] | None = None  # the model's answer for the ticket, when known
    text: str | None = None  # the ticket text; kept only by a store opened with keep_text
    # Set by the store:
    text_sha256: str = ""
    created_at: str = ""
    id: int | None = None
    schema_name: str = ""
    schema_fingerprint: str = ""

    @property
    def label(self) -> dict[str, Any]:
        """The ticket as corrected: the model's answer with the corrected fields laid over it."""
        return {**(self.original or {}), **self.fields}

    @property
    def changed(self) -> dict[str, str]:
        """The corrected fields whose value differs from the model's answer."""
        original = self.original or {}
        return {k: v for k, v in self.fields.items() if original.get(k) != v}


def listed(problems: list[str], outcome: str) -> str:
    """One problem as it is, several as a count and an indented list (`problems_listed`)."""
    if len(problems) == 1:
        return problems[0]
    return problems_listed(f"{len(problems)} problems, {outcome}", problems)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def correction_errors(schema: TicketSchema, correction: Correction) -> list[FieldError]:
    """Every problem with `correction` under `schema`, one `FieldError` per field (empty when it is fine)."""
    errors = []
    if correction.ticket_id is None or not str(correction.ticket_id).strip():
        errors.append(FieldError("ticket_id", "missing or empty"))
    if not isinstance(correction.who, str) or not correction.who.strip():
        errors.append(FieldError("who", "missing or empty: name the person who corrected the ticket"))
    if not isinstance(correction.source, str) or not correction.source.strip():
        errors.append(FieldError("source", f"missing or empty (e.g. one of {list(SOURCES)})"))
    if not isinstance(correction.fields, dict) or not correction.fields:
        return [*errors, FieldError("fields", "no corrected field given")]
    field_errors = schema.errors(correction.fields, partial=True)
    if field_errors or errors:
        return errors + field_errors
    if correction.original:
        # The rules hold on the ticket as corrected; a corrected field that breaks one with a field the
        # person left alone names both, so the reviewer knows to correct the other one too.
        known = {k: v for k, v in correction.original.items() if k in schema.field_names}
        for err in schema.errors({**known, **correction.fields}, partial=True):
            left_alone = err.field not in correction.fields
            hint = f" (the model's {err.field} was kept: correct it too)" if left_alone else ""
            errors.append(FieldError(err.field, err.message + hint))
    if correction.text is not None and (problem := text_problem(correction.text)):
        errors.append(FieldError("text", problem))
    return errors


def sqlite_path(location: str | Path) -> str:
    """The SQLite file of a path or `sqlite:///path` URL (`sqlite://` alone is an in-memory database)."""
    where = str(location)
    if "://" not in where:
        return where
    if where == "sqlite://":
        return ":memory:"
    if where.startswith("sqlite:///"):
        return where[len("sqlite:///") :]  # SQLAlchemy's form: sqlite:///rel.db, sqlite:////abs/path.db
    raise DataError(
        f"{where}: only SQLite is supported (a file path or sqlite:///path); other databases need "
        "SQLAlchemy, which this toolkit does not install"
    )


class CorrectionStore:
    """The corrections of one SQLite file. Thread-safe: one connection, every call under one lock."""

    def __init__(self, location: str | Path, schema: TicketSchema, keep_text: bool = False):
        self.path = sqlite_path(location)
        self.schema = schema
        self.keep_text = keep_text
        if self.path != ":memory:" and not Path(self.path).parent.is_dir():
            raise DataError(f"{self.path}: the folder {Path(self.path).parent} does not exist")
        self._lock = threading.Lock()
        try:
            # check_same_thread=False: the service's worker threads share this connection, under the lock.
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0)
            self._conn.row_factory = sqlite3.Row
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > STORE_VERSION:
                raise DataError(f"{self.path}: corrections store version {version}, this toolkit reads {STORE_VERSION}")
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")  # readers (`triage review rows`) never block the service
            with self._conn:
                self._conn.executescript(_CREATE)
                self._conn.execute(f"PRAGMA user_version = {STORE_VERSION}")
        except sqlite3.DatabaseError as e:
            raise DataError(f"{self.path}: not a corrections store ({e})") from None

    def __enter__(self) -> CorrectionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0]

    # ---- writing ---------------------------------------------------------------------------
    def _prepared(self, correction: Correction, now: str) -> Correction:
        """The correction as stored: checked, text dropped unless kept, hash, time and schema set."""
        text = correction.text
        return replace(
            correction,
            ticket_id=str(correction.ticket_id),
            text=text if self.keep_text else None,
            text_sha256=text_sha256(text) if text is not None else correction.text_sha256,
            created_at=correction.created_at or now,
            schema_name=self.schema.name,
            schema_fingerprint=self.schema.fingerprint(),
            id=None,
        )

    def add(self, correction: Correction) -> int:
        """Store one correction; returns its row id. A correction that breaks the schema raises
        `CorrectionError` naming the field, and nothing is stored."""
        return self.add_many([correction])[0]

    def add_many(self, corrections: list[Correction], where: list[str] | None = None) -> list[int]:
        """Store corrections in one transaction: all of them, or none when any breaks the schema.

        `where[i]` names where correction i came from (file and line) in the error message.
        """
        problems, all_errors = [], []
        for i, correction in enumerate(corrections):
            errors = correction_errors(self.schema, correction)
            all_errors += errors
            place = where[i] if where else f"ticket {correction.ticket_id}"
            problems += [f"{place}: {err}" for err in errors]
        if problems:
            raise CorrectionError(listed(problems, "nothing stored"), all_errors)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        prepared = [self._prepared(c, now) for c in corrections]
        ids = []
        with self._lock, self._conn:  # one transaction: committed whole, or rolled back on any error
            for c in prepared:
                cursor = self._conn.execute(
                    _INSERT,
                    (
                        c.ticket_id,
                        json.dumps(c.fields, ensure_ascii=False),
                        c.who.strip(),
                        c.created_at,
                        c.source,
                        c.model,
                        c.model_version,
                        None if c.original is None else json.dumps(c.original, ensure_ascii=False),
                        c.text,
                        c.text_sha256,
                        c.schema_name,
                        c.schema_fingerprint,
                    ),
                )
                ids.append(int(cursor.lastrowid))
        return ids

    # ---- reading ---------------------------------------------------------------------------
    @staticmethod
    def _from_row(row: sqlite3.Row) -> Correction:
        values = dict(row)
        values["fields"] = json.loads(values["fields"])
        values["original"] = None if values["original"] is None else json.loads(values["original"])
        return Correction(**values)

    def corrections(self, ticket_id: str | None = None) -> list[Correction]:
        """Every correction (of one ticket, if given), oldest first."""
        query, args = "SELECT * FROM corrections", ()
        if ticket_id is not None:
            query, args = query + " WHERE ticket_id = ?", (str(ticket_id),)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY id", args).fetchall()
        return [self._from_row(r) for r in rows]

    def latest(self) -> list[Correction]:
        """The current (latest) correction of each ticket, in the order they were made."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM corrections WHERE id IN (SELECT MAX(id) FROM corrections GROUP BY ticket_id) ORDER BY id"
            ).fetchall()
        return [self._from_row(r) for r in rows]


# ---- corrections -> training rows ---------------------------------------------------------------
def situation_key(text: str) -> str:
    """`meta.situation` of a row made from `text`: the importer's hash of the normalised text, so a
    corrected ticket and its imported twin stay on one side of a split."""
    return "text-" + hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:16]


def to_training_rows(
    corrections: Iterable[Correction], schema: TicketSchema, partial_labels: bool = False
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows in the project's JSONL row format (`ticket_triage.dataset`) from corrections, and why the
    others were skipped.

    The corrections of one ticket are folded oldest first: its label is the model's (latest known)
    answer with each correction's fields laid over it in turn, so a later correction of one field
    keeps an earlier one of another. A ticket needs its text (a store opened with keep_text) and, unless
    `partial_labels`, a label with every field of the schema (what `triage train` needs: a
    classification-only answer without a summary is complete once a reviewer wrote the summary).
    """
    tickets: dict[str, list[Correction]] = {}
    for c in corrections:
        tickets.setdefault(str(c.ticket_id), []).append(c)
    rows, skipped = [], []
    for ticket_id, history in tickets.items():
        # People's fields win over any model answer (the latest answer is the base), later over earlier.
        originals = [c.original for c in history if c.original]
        label: dict[str, Any] = dict(originals[-1]) if originals else {}
        for c in history:
            label.update(c.fields)
        label = {name: label[name] for name in schema.field_names if name in label}
        text = next((c.text for c in reversed(history) if c.text is not None), None)
        if text is None:
            skipped.append(f"ticket {ticket_id}: no text stored (corrections keep it only with --keep-text)")
            continue
        problems = [str(e) for e in schema.errors(label, partial=partial_labels)]
        problem = text_problem(text) if text.strip() else "empty"
        if problem:
            problems.append(f"text: {problem}")
        if problems:
            skipped.append(f"ticket {ticket_id}: " + "; ".join(problems))
            continue
        last = history[-1]
        meta = {
            "situation": situation_key(text),
            "source": "correction",
            "corrections": [c.id for c in history],
            "who": last.who,
            "model": last.model,
        }
        rows.append({"id": ticket_id, "text": text, "label": label, "instruction": DEFAULT_INSTRUCTION, "meta": meta})
    return rows, skipped
