"""The write-back outbox: a SQLite file of the calls `triage serve` owes the help desks, and `triage outbox`.

    triage outbox list --outbox outputs/outbox.sqlite                  # every call: state, status, attempts
    triage outbox list --outbox outputs/outbox.sqlite --state failed
    triage outbox retry --outbox outputs/outbox.sqlite                 # failed calls back to pending
    triage outbox retry --outbox outputs/outbox.sqlite --system jira --ticket ITSM-42

Webhooks put calls in (`add`), the service's drain task takes them out (integrations/writeback.py),
so a help desk that is down loses nothing: its calls wait here and go when it is back. Two tables:

- `tickets`: one row per (system, ticket id) ever accepted. It makes write-back idempotent: a replayed
  webhook finds its ticket here and is not triaged or written again. A ticket is `triaging` from the
  webhook until its calls are queued; a triage that fails (or a process that dies meanwhile) removes
  the row, so the help desk's next delivery of that ticket is triaged.
- `calls`: `pending` (due at `next_at`), `sent`, `failed` (attempts used up, or a 4xx: `triage outbox
  retry` puts them back) or `dry-run` (write-back off: recorded, never sent). A ticket's calls go in
  order: a call waits while an earlier one of its ticket is unsent.

Bounded: `check_room` raises OutboxFull when the unsent calls (pending and failed) and the tickets
being triaged would pass `max_unsent`; the webhook route then answers 503 and the help desk retries
later, rather than anything being dropped. The file holds the calls' bodies (the fields and the note written back) until
they are sent; it holds no ticket text.

`retry` only puts calls back to pending: a running `triage serve` with the same --outbox sends them.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_OUTBOX = "outputs/outbox.sqlite"
OUTBOX_ENV = "TRIAGE_OUTBOX"  # the service's setting, read here too so both name the same file
STATES = ("pending", "sent", "failed", "dry-run")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    system TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    state TEXT NOT NULL,              -- triaging | queued
    received REAL NOT NULL,
    PRIMARY KEY (system, ticket_id)
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    system TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    seq INTEGER NOT NULL,             -- order within the ticket
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    call TEXT NOT NULL,               -- ItsmCall.to_dict() as JSON; '{}' once sent
    state TEXT NOT NULL,              -- pending | sent | failed | dry-run
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    http_status INTEGER,
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    UNIQUE (system, ticket_id, seq)
);
CREATE INDEX IF NOT EXISTS calls_due ON calls (state, next_at);
"""


class OutboxFull(Exception):
    pass


class Outbox:
    """The outbox file. Each method opens its own short connection: the service's event loop, its
    tests and `triage outbox` may all use one file, and SQLite serialises their writes."""

    def __init__(self, path: str | Path, max_unsent: int = 10_000):
        self.path, self.max_unsent = Path(path), max_unsent
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")  # readers (triage outbox list) never block the service
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:  # one transaction: committed, or rolled back on an exception
                yield db
        finally:
            db.close()

    # ---- tickets: idempotency per (system, ticket id) ------------------------------------------------
    def claim(self, system: str, ticket_id: str) -> bool:
        """Record a ticket as being triaged; False when it was seen before (a replayed webhook)."""
        with self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO tickets (system, ticket_id, state, received) VALUES (?, ?, 'triaging', ?)",
                (system, ticket_id, time.time()),
            )
            return cursor.rowcount == 1

    def release(self, system: str, ticket_id: str) -> None:
        """Forget a ticket whose triage failed, so that its next delivery is triaged."""
        with self._db() as db:
            db.execute(
                "DELETE FROM tickets WHERE system = ? AND ticket_id = ? AND state = 'triaging'", (system, ticket_id)
            )

    def recover(self) -> list[tuple[str, str]]:
        """Forget the tickets a previous process was triaging when it stopped; returns them (system, id)."""
        with self._db() as db:
            rows = db.execute("SELECT system, ticket_id FROM tickets WHERE state = 'triaging'").fetchall()
            db.execute("DELETE FROM tickets WHERE state = 'triaging'")
        return [(r["system"], r["ticket_id"]) for r in rows]

    def triaging(self) -> int:
        with self._db() as db:
            return db.execute("SELECT COUNT(*) FROM tickets WHERE state = 'triaging'").fetchone()[0]

    # ---- calls ------------------------------------------------------------------------------------------
    def add(self, system: str, ticket_id: str, calls: list[dict[str, Any]]) -> None:
        """Queue a ticket's calls (each an ItsmCall.to_dict()), in order; the ticket counts as written."""
        now = time.time()
        with self._db() as db:
            db.executemany(
                "INSERT INTO calls (system, ticket_id, seq, method, path, call, state, next_at, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                [
                    (system, ticket_id, seq, c["method"], c["path"], json.dumps(c), now, now, now)
                    for seq, c in enumerate(calls)
                ],
            )
            db.execute(
                "INSERT INTO tickets (system, ticket_id, state, received) VALUES (?, ?, 'queued', ?) "
                "ON CONFLICT (system, ticket_id) DO UPDATE SET state = 'queued'",
                (system, ticket_id, now),
            )

    def unsent(self) -> int:
        with self._db() as db:
            return db.execute("SELECT COUNT(*) FROM calls WHERE state IN ('pending', 'failed')").fetchone()[0]

    def check_room(self, incoming: int = 1) -> None:
        """OutboxFull when `incoming` more tickets would take the unsent calls past the bound."""
        with self._db() as db:
            used = db.execute(
                "SELECT (SELECT COUNT(*) FROM calls WHERE state IN ('pending', 'failed'))"
                " + (SELECT COUNT(*) FROM tickets WHERE state = 'triaging')"
            ).fetchone()[0]
        if used + incoming > self.max_unsent:
            raise OutboxFull(f"the write-back outbox holds {used} unsent calls and tickets (limit {self.max_unsent})")

    def due(self, now: float, limit: int = 50) -> list[dict[str, Any]]:
        """Pending calls due by `now` whose ticket has no earlier unsent call, oldest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM calls AS c WHERE c.state = 'pending' AND c.next_at <= ? AND NOT EXISTS ("
                " SELECT 1 FROM calls AS e WHERE e.system = c.system AND e.ticket_id = c.ticket_id"
                " AND e.seq < c.seq AND e.state IN ('pending', 'failed')) ORDER BY c.id LIMIT ?",
                (now, limit),
            ).fetchall()
        return [_row(r) for r in rows]

    def next_due(self) -> float | None:
        """When the earliest pending call is due (epoch seconds), or None when none is pending."""
        with self._db() as db:
            return db.execute("SELECT MIN(next_at) FROM calls WHERE state = 'pending'").fetchone()[0]

    def mark_sent(self, call_id: int, http_status: int, attempts: int) -> None:
        # The body is dropped once delivered: the help desk has it, and the file keeps no more than it must.
        self._finish(call_id, "sent", attempts, http_status, None, body="{}")

    def mark_dry_run(self, call_id: int) -> None:
        self._finish(call_id, "dry-run", 0, None, "write-back is off (dry run): not sent")

    def mark_failed(self, call_id: int, attempts: int, http_status: int | None, error: str) -> None:
        """Give up on a call, and on the later calls of its ticket (they must not overtake it): one transaction."""
        now = time.time()
        with self._db() as db:
            db.execute(
                "UPDATE calls SET state = 'failed', attempts = ?, http_status = ?, error = ?, updated = ? WHERE id = ?",
                (attempts, http_status, error, now, call_id),
            )
            db.execute(
                "UPDATE calls SET state = 'failed', error = ?, updated = ? WHERE state = 'pending' AND seq > "
                "(SELECT seq FROM calls WHERE id = ?) AND (system, ticket_id) = "
                "(SELECT system, ticket_id FROM calls WHERE id = ?)",
                (f"an earlier call of this ticket failed (call {call_id})", now, call_id, call_id),
            )

    def schedule_retry(self, call_id: int, attempts: int, next_at: float, http_status: int | None, error: str) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE calls SET attempts = ?, next_at = ?, http_status = ?, error = ?, updated = ? WHERE id = ?",
                (attempts, next_at, http_status, error, time.time(), call_id),
            )

    def _finish(
        self,
        call_id: int,
        state: str,
        attempts: int,
        http_status: int | None,
        error: str | None,
        body: str | None = None,
    ) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE calls SET state = ?, attempts = ?, http_status = ?, error = ?, updated = ?, "
                "call = COALESCE(?, call) WHERE id = ?",
                (state, attempts, http_status, error, time.time(), body, call_id),
            )

    # ---- replay -----------------------------------------------------------------------------------------
    def calls(self, state: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT * FROM calls", ()
        if state:
            query, args = query + " WHERE state = ?", (state,)
        with self._db() as db:
            return [_row(r) for r in db.execute(query + " ORDER BY id", args).fetchall()]

    def retry(self, system: str | None = None, ticket_id: str | None = None) -> int:
        """Failed calls (of one system or ticket) back to pending, due now, attempts reset; returns how many."""
        query = "UPDATE calls SET state = 'pending', attempts = 0, next_at = ?, error = NULL, updated = ? "
        query += "WHERE state = 'failed'"
        now = time.time()
        args: list[Any] = [now, now]
        for column, value in (("system", system), ("ticket_id", ticket_id)):
            if value is not None:
                query += f" AND {column} = ?"
                args.append(value)
        with self._db() as db:
            return db.execute(query, args).rowcount


def _row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["call"] = json.loads(out["call"])
    return out


# ---- triage outbox -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage outbox",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    commands = parser.add_subparsers(dest="action", required=True)
    for name, help_ in (("list", "show the calls (no bodies)"), ("retry", "put failed calls back to pending")):
        sub = commands.add_parser(name, help=help_)
        sub.add_argument(
            "--outbox",
            default=os.environ.get(OUTBOX_ENV, DEFAULT_OUTBOX),
            metavar="FILE",
            help=f"the outbox file of `triage serve --outbox` (default ${OUTBOX_ENV} or {DEFAULT_OUTBOX})",
        )
        sub.add_argument("--system", help="only this system's calls (servicenow, jira, zoho, sdp)")
        sub.add_argument("--ticket", metavar="ID", help="only this ticket's calls")
        if name == "list":
            sub.add_argument("--state", choices=STATES, help="only calls in this state")
            sub.add_argument("--json", action="store_true", help="one JSON object per call, bodies included")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ticket_triage.dataset import DataError

    if not Path(args.outbox).is_file():
        raise DataError(f"--outbox {args.outbox}: no such file (it is created by `triage serve --integration ...`)")
    outbox = Outbox(args.outbox)
    if args.action == "retry":
        count = outbox.retry(args.system, args.ticket)
        print(f"{count} failed call(s) back to pending; a running `triage serve --outbox {args.outbox}` sends them")
        return 0
    rows = [
        r
        for r in outbox.calls(args.state)
        if (args.system is None or r["system"] == args.system)
        and (args.ticket is None or r["ticket_id"] == args.ticket)
    ]
    for r in rows:
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
            continue
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["updated"]))
        status = r["http_status"] if r["http_status"] is not None else "-"
        print(
            f"{r['id']:>6} {when} {r['state']:<8} {r['system']:<10} {r['ticket_id']:<20} {r['method']:<5} "
            f"{r['path']}  status={status} attempts={r['attempts']}" + (f"  {r['error']}" if r["error"] else "")
        )
    if not args.json:
        print(f"{len(rows)} call(s)", file=sys.stderr)
    return 0
