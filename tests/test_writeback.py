"""integrations/writeback.py and integrations/outbox.py: sending the outbox's calls to a fake help desk on
loopback (tests/itsm_fakes.py): retries with backoff honouring Retry-After, 5xx exhausted and kept as
failed (and replayed), a timeout, a 401, an instance down for a while, the dry run, the bound, the log
lines, and `triage outbox`. Backoffs are milliseconds here; the defaults are seconds."""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import formatdate
from types import SimpleNamespace

import pytest
from itsm_fakes import FakeItsm

from integrations import outbox as outbox_cli
from integrations.outbox import Outbox, OutboxFull
from integrations.writeback import Retry, WriteBack, WriteBackError, backoff_s, retry_after_s, target_for

ENV = {"FAKE_URL": "", "FAKE_USER": "triage-bot", "FAKE_TOKEN": "s3cret-token"}
BASIC = "Basic dHJpYWdlLWJvdDpzM2NyZXQtdG9rZW4="  # triage-bot:s3cret-token
FAST = Retry(attempts=3, backoff_s=0.02, max_backoff_s=0.05, timeout_s=2.0)
SUMMARY = "Sensitive summary of the user's ticket"


def connection(auth: str = "basic", **kw):
    base = {"base_url_env": "FAKE_URL", "auth": auth, "user_env": "FAKE_USER", "secret_env": "FAKE_TOKEN"}
    return SimpleNamespace(**(base | {"extra_headers": {}} | kw))


def call(ticket: str = "ITSM-1", method: str = "PUT", suffix: str = "") -> dict:
    path = f"/rest/api/3/issue/{ticket}{suffix}"
    body = {"fields": {"summary": SUMMARY}}
    return {"system": "jira", "ticket_id": ticket, "method": method, "path": path, "json": body}


@pytest.fixture
def fake():
    server = FakeItsm("jira", {"Authorization": BASIC})
    yield server
    server.close()


@pytest.fixture
def outbox(tmp_path):
    return Outbox(tmp_path / "outbox.sqlite", max_unsent=5)


def run_writeback(fake, outbox, until, retry=FAST, enabled=True, timeout=5.0, during=None):
    """Run the drain task until `until()` holds (or `timeout`); `during` runs in the loop meanwhile."""
    target = target_for("jira", connection(), ENV | {"FAKE_URL": fake.url})

    async def go():
        writeback = WriteBack(outbox, {"jira": target}, enabled=enabled, retry=retry, poll_s=0.01)
        await writeback.start()
        try:
            if during:
                await during()
            deadline = time.monotonic() + timeout
            while not until() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        finally:
            await writeback.stop()

    asyncio.run(go())


def all_sent(outbox, count: int):
    """A condition: `count` calls, all sent (the outbox records a call after its answer came back)."""
    return lambda: [c["state"] for c in outbox.calls()] == ["sent"] * count


def states(outbox):
    return [(c["ticket_id"], c["state"], c["http_status"], c["attempts"]) for c in outbox.calls()]


# ---- the pure parts ---------------------------------------------------------------------------------
def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_s("3") == 3.0
    assert retry_after_s(formatdate(1_000_030, usegmt=True), now=1_000_000) == pytest.approx(30, abs=1)
    assert retry_after_s(formatdate(1_000_000, usegmt=True), now=1_000_100) == 0.0  # in the past: now
    assert retry_after_s("soon") is None and retry_after_s(None) is None
    assert retry_after_s("999999") == 3600.0


def test_backoff_doubles_with_jitter_and_is_capped():
    retry = Retry(backoff_s=1.0, max_backoff_s=10.0)
    for attempt, full in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 10.0)):
        waits = [backoff_s(attempt, retry) for _ in range(50)]
        assert all(full / 2 <= w <= full for w in waits) and len(set(waits)) > 1


def test_targets_take_credentials_from_the_environment_by_name():
    env = ENV | {"FAKE_URL": "https://x.example/"}
    assert target_for("jira", connection(), env).headers == {"Authorization": BASIC}
    assert target_for("jira", connection(), env).base_url == "https://x.example"
    zoho = connection("zoho-oauthtoken", user_env=None, extra_headers={"orgId": "55"})
    assert target_for("zoho", zoho, env).headers == {"orgId": "55", "Authorization": "Zoho-oauthtoken s3cret-token"}
    assert target_for("sdp", connection("sdp-authtoken"), env).headers == {"authtoken": "s3cret-token"}
    assert "s3cret" not in repr(target_for("jira", connection(), env))  # headers are kept out of reprs
    with pytest.raises(WriteBackError, match=r"write-back is on for jira, but \$FAKE_TOKEN"):
        target_for("jira", connection(), env | {"FAKE_TOKEN": ""})


# ---- sending ----------------------------------------------------------------------------------------
def test_a_call_is_sent_once_with_its_auth_and_logged_without_its_body(fake, outbox, caplog):
    caplog.set_level(logging.INFO, "triage.writeback")
    outbox.add("jira", "ITSM-1", [call(), call(method="POST", suffix="/comment")])
    run_writeback(fake, outbox, all_sent(outbox, 2))
    assert [(r["method"], r["path"]) for r in fake.requests] == [
        ("PUT", "/rest/api/3/issue/ITSM-1"),
        ("POST", "/rest/api/3/issue/ITSM-1/comment"),
    ]  # in order
    assert fake.requests[0]["json"] == {"fields": {"summary": SUMMARY}}
    assert states(outbox) == [("ITSM-1", "sent", 204, 1), ("ITSM-1", "sent", 201, 1)]
    assert all(c["call"] == {} for c in outbox.calls())  # bodies dropped once delivered
    assert "write-back jira ITSM-1 PUT /rest/api/3/issue/ITSM-1 -> 204 (attempt 1)" in caplog.text
    assert SUMMARY not in caplog.text and "s3cret" not in caplog.text


def test_429_waits_what_retry_after_says_then_succeeds(fake, outbox):
    fake.script = [(429, {"Retry-After": "0"}), (503, {"Retry-After": formatdate(time.time() - 5, usegmt=True)})]
    outbox.add("jira", "ITSM-1", [call()])
    # A backoff of a minute: only the Retry-After headers (now, and a date already past) bring the next
    # attempts within the test. retry_after_s's own test covers waits of some seconds.
    run_writeback(fake, outbox, all_sent(outbox, 1), retry=Retry(attempts=3, backoff_s=60, max_backoff_s=60))
    assert [r["answer"] for r in fake.requests] == [429, 503, 204]
    assert states(outbox) == [("ITSM-1", "sent", 204, 3)]


def test_5xx_until_attempts_run_out_is_kept_as_failed_then_replayed(fake, outbox, caplog):
    fake.script = [(500, {}), (502, {}), (503, {})]
    outbox.add("jira", "ITSM-1", [call(), call(method="POST", suffix="/comment")])
    run_writeback(fake, outbox, lambda: any(c["state"] == "failed" for c in outbox.calls()))
    assert [r["answer"] for r in fake.requests] == [500, 502, 503]  # the comment never overtook the update
    assert states(outbox) == [("ITSM-1", "failed", 503, 3), ("ITSM-1", "failed", None, 0)]
    assert "failed, kept in the outbox" in caplog.text
    assert outbox.unsent() == 2  # failed calls still count: nothing was dropped

    assert outbox_cli.main(["retry", "--outbox", str(outbox.path), "--ticket", "ITSM-1"]) == 0
    run_writeback(fake, outbox, all_sent(outbox, 2))
    assert len(fake.accepted) == 2 and outbox.unsent() == 0


def test_a_hanging_instance_times_out_and_the_call_is_retried(fake, outbox):
    fake.script = ["hang"]
    outbox.add("jira", "ITSM-1", [call()])
    run_writeback(fake, outbox, all_sent(outbox, 1), retry=Retry(attempts=3, backoff_s=0.01, timeout_s=0.3))
    assert [r["answer"] for r in fake.requests] == [0, 204]
    assert states(outbox) == [("ITSM-1", "sent", 204, 2)]


def test_401_fails_at_once_with_a_clear_log_line_naming_the_variables(fake, outbox, caplog):
    fake.required["authorization"] = "Basic c29tZW9uZS1lbHNl"  # the instance wants other credentials
    outbox.add("jira", "ITSM-1", [call()])
    run_writeback(fake, outbox, lambda: outbox.unsent() and outbox.calls("failed"))
    assert [r["answer"] for r in fake.requests] == [401]  # not retried
    assert states(outbox) == [("ITSM-1", "failed", 401, 1)]
    assert "refused the credentials; check $FAKE_USER and $FAKE_TOKEN" in caplog.text
    assert "s3cret" not in caplog.text


def test_an_instance_down_for_a_while_loses_nothing(fake, outbox):
    fake.go_down()
    outbox.add("jira", "ITSM-1", [call("ITSM-1")])
    outbox.add("jira", "ITSM-2", [call("ITSM-2")])

    async def down_then_back():
        await asyncio.sleep(0.6)  # "a minute": many refused attempts, fewer than `attempts`
        assert [c["state"] for c in outbox.calls()] == ["pending", "pending"]
        assert all(c["attempts"] >= 2 and "connection error" in c["error"] for c in outbox.calls())
        fake.come_back()

    retry = Retry(attempts=50, backoff_s=0.02, max_backoff_s=0.1)
    run_writeback(fake, outbox, all_sent(outbox, 2), retry=retry, during=down_then_back)
    assert sorted(r["path"] for r in fake.accepted) == ["/rest/api/3/issue/ITSM-1", "/rest/api/3/issue/ITSM-2"]
    assert [c["state"] for c in outbox.calls()] == ["sent", "sent"]


def test_dry_run_records_and_logs_but_sends_nothing(fake, outbox, caplog):
    caplog.set_level(logging.INFO, "triage.writeback")
    outbox.add("jira", "ITSM-1", [call()])
    run_writeback(fake, outbox, lambda: outbox.calls("dry-run"), enabled=False)
    assert fake.requests == []
    assert states(outbox) == [("ITSM-1", "dry-run", None, 0)]
    assert outbox.calls()[0]["call"]["json"] == {"fields": {"summary": SUMMARY}}  # kept, to inspect
    assert "dry run: jira ITSM-1 PUT /rest/api/3/issue/ITSM-1 not sent" in caplog.text


# ---- the outbox -------------------------------------------------------------------------------------
def test_tickets_are_claimed_once_released_on_failure_and_recovered_after_a_crash(outbox):
    assert outbox.claim("jira", "ITSM-1") and not outbox.claim("jira", "ITSM-1")
    assert outbox.claim("zoho", "ITSM-1")  # per system
    outbox.release("jira", "ITSM-1")
    assert outbox.claim("jira", "ITSM-1")
    outbox.add("jira", "ITSM-1", [call()])
    outbox.release("jira", "ITSM-1")  # queued tickets stay written
    assert not outbox.claim("jira", "ITSM-1")
    assert outbox.recover() == [("zoho", "ITSM-1")]  # was being triaged when the process stopped
    assert outbox.claim("zoho", "ITSM-1")


def test_the_outbox_is_bounded(outbox):
    for i in range(4):
        outbox.add("jira", f"ITSM-{i}", [call(f"ITSM-{i}")])
    outbox.check_room()
    outbox.claim("jira", "ITSM-9")  # being triaged counts too
    with pytest.raises(OutboxFull, match="holds 5 unsent calls and tickets"):
        outbox.check_room()


def test_outbox_list_shows_calls_without_bodies(outbox, capsys):
    outbox.add("jira", "ITSM-1", [call()])
    outbox_cli.main(["list", "--outbox", str(outbox.path), "--state", "pending"])
    out = capsys.readouterr().out
    assert "pending  jira       ITSM-1" in out and "PUT   /rest/api/3/issue/ITSM-1" in out and SUMMARY not in out
    outbox_cli.main(["list", "--outbox", str(outbox.path), "--json"])
    assert SUMMARY in capsys.readouterr().out  # --json includes bodies, on request


def test_outbox_command_names_a_missing_file(tmp_path):
    from ticket_triage.dataset import DataError

    with pytest.raises(DataError, match="no such file"):
        outbox_cli.main(["list", "--outbox", str(tmp_path / "none.sqlite")])
