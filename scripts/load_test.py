"""scripts/load_test.py: how `triage serve` holds up under concurrent load, on loopback. One JSON line.

    .venv/bin/python scripts/load_test.py                        # starts `triage serve` (shipped adapter) itself
    .venv/bin/python scripts/load_test.py --requests 500 --concurrency 16 --baseline-requests 40
    .venv/bin/python scripts/load_test.py --classification-only --out outputs/load.json
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:8000   # a service already running

Two phases against one server, side by side in one run: concurrency 1 (`--baseline-requests`
requests), then `--concurrency` (`--requests` requests). Each phase reports the status codes,
latency p50/p95/p99/max as the client saw it, tickets/s, and the mean engine batch size (from the
server's /metrics before and after). `speedup` is tickets/s at `--concurrency` over tickets/s at 1:
what micro-batching buys. `ok` is false (exit code 1) on any 5xx other than a 503 (the service's
deliberate "busy" or "not ready") or on a request that got no answer at all.

Bounded: at most the given number of requests, a phase stops sending after `--max-seconds`, and
only loopback URLs are accepted (this is not a tool for loading someone else's server). Tickets are
the texts of a seeded synthetic split (`generating.synthetic`), one JSON request each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
READY_TIMEOUT_S = 300


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    lo = int(at)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (at - lo)


def batch_stats(metrics_text: str) -> tuple[float, float]:
    """(sum, count) of the server's triage_batch_size histogram."""
    values = {}
    for name in ("triage_batch_size_sum", "triage_batch_size_count"):
        match = re.search(rf"^{name} (\S+)$", metrics_text, re.MULTILINE)
        values[name] = float(match.group(1)) if match else 0.0
    return values["triage_batch_size_sum"], values["triage_batch_size_count"]


async def run_phase(
    client: Any, texts: list[str], concurrency: int, n_requests: int, classification_only: bool, max_seconds: float
) -> dict[str, Any]:
    """Send `n_requests` (cycling through `texts`) with `concurrency` in flight; measure what comes back."""
    before = batch_stats((await client.get("/metrics")).text)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []
    next_index = 0
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker() -> None:
        nonlocal next_index
        while next_index < n_requests and time.perf_counter() < deadline:
            i = next_index
            next_index += 1
            body = {"text": texts[i % len(texts)], "classification_only": classification_only}
            sent = time.perf_counter()
            try:
                response = await client.post("/v1/triage", json=body)
            except Exception as e:  # noqa: BLE001 -- a request with no answer is a result to report
                errors.append(f"{type(e).__name__}: {e}")
                continue
            latencies.append((time.perf_counter() - sent) * 1000)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    after = batch_stats((await client.get("/metrics")).text)
    batches = after[1] - before[1]
    answered_ok = statuses.get("200", 0)
    return {
        "concurrency": concurrency,
        "requests": next_index,
        "truncated": next_index < n_requests,  # --max-seconds ran out first
        "statuses": dict(sorted(statuses.items())),
        "no_answer": len(errors),
        "errors": errors[:5],
        "seconds": round(wall, 2),
        "tickets_per_s": round(answered_ok / wall, 3) if wall else None,
        "latency_ms": {
            k: (round(v, 1) if v is not None else None)
            for k, v in (
                ("p50", percentile(latencies, 50)),
                ("p95", percentile(latencies, 95)),
                ("p99", percentile(latencies, 99)),
                ("max", max(latencies) if latencies else None),
            )
        },
        "engine_batches": int(batches),
        "mean_batch_size": round((after[0] - before[0]) / batches, 2) if batches else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: str | None, port: int, extra: list[str], log: Any) -> subprocess.Popen:
    command = [sys.executable, "-m", "inference.service", "--port", str(port), "--log-level", "warning", *extra]
    if model:
        command += ["--model", model]
    print(f"[load_test] starting: {' '.join(command)}", file=sys.stderr)
    # The server's log goes to a file, not a pipe: a pipe nobody reads fills up and blocks the server.
    return subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True)


async def wait_ready(client: Any, server: subprocess.Popen | None, log: Any) -> dict[str, Any]:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            log.seek(0)
            raise SystemExit(f"error: the server exited with {server.returncode}:\n{log.read()[-3000:]}")
        try:
            response = await client.get("/readyz")
            body = response.json()
            if response.status_code == 200:
                return body
            if body.get("status") == "failed":
                raise SystemExit(f"error: the service is not ready: {body.get('reason')}")
        except Exception as e:  # noqa: BLE001 -- not listening yet
            if isinstance(e, SystemExit):
                raise
        await asyncio.sleep(0.25)
    raise SystemExit(f"error: the service was not ready within {READY_TIMEOUT_S} s")


def ticket_texts(n: int, seed: int) -> list[str]:
    from generating.synthetic import generate_rows
    from ticket_triage.schema import load_schema

    return [row["text"] for row in generate_rows(load_schema(), n, seed)]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    server = None
    url = args.url
    log = tempfile.TemporaryFile(mode="w+")
    if url is None:
        port = free_port()
        server_args = ["--batch-size", str(args.batch_size)]
        if args.batch_window_ms is not None:
            server_args += ["--batch-window-ms", str(args.batch_window_ms)]
        server = start_server(args.model, port, server_args, log)
        url = f"http://127.0.0.1:{port}"
    elif urlparse(url).hostname not in LOOPBACK:
        raise SystemExit(f"error: --url {url}: only loopback addresses ({', '.join(sorted(LOOPBACK))}) are allowed")
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    limits = httpx.Limits(max_connections=args.concurrency + 4, max_keepalive_connections=args.concurrency + 4)
    try:
        async with httpx.AsyncClient(
            base_url=url, timeout=args.request_timeout, limits=limits, headers=headers
        ) as client:
            ready = await wait_ready(client, server, log)
            texts = ticket_texts(args.tickets, args.seed)
            for text in texts[:2]:  # warm-up (first-call allocations), not measured
                await client.post("/v1/triage", json={"text": text, "classification_only": args.classification_only})
            phases = []
            for concurrency, n_requests in ((1, args.baseline_requests), (args.concurrency, args.requests)):
                print(f"[load_test] {n_requests} requests at concurrency {concurrency}", file=sys.stderr)
                phases.append(
                    await run_phase(client, texts, concurrency, n_requests, args.classification_only, args.max_seconds)
                )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        log.close()
    single, loaded = phases
    bad = {code: n for p in phases for code, n in p["statuses"].items() if code.startswith("5") and code != "503"}
    return {
        "benchmark": "service_load",
        "url": url,
        "model": ready.get("model"),
        "model_version": ready.get("model_version"),
        "mode": "classification_only" if args.classification_only else "full",
        "server_batch_size": args.batch_size if server else None,
        "server_batch_window_ms": args.batch_window_ms if server else None,
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "phases": phases,
        "speedup": round(loaded["tickets_per_s"] / single["tickets_per_s"], 2)
        if single["tickets_per_s"] and loaded["tickets_per_s"]
        else None,
        "unexpected_5xx": bad,
        "ok": not bad and not any(p["no_answer"] for p in phases),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--url", default=None, help="a running service on loopback (default: start one)")
    parser.add_argument("--model", default=None, help="the model the started service loads (default: shipped adapter)")
    parser.add_argument("--requests", type=int, default=500, help="requests at --concurrency (default 500)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--baseline-requests", type=int, default=40, help="requests at concurrency 1 (default 40)")
    parser.add_argument("--classification-only", action="store_true", help="skip the summary in every request")
    parser.add_argument("--batch-size", type=int, default=16, help="the started server's micro-batch limit")
    parser.add_argument(
        "--batch-window-ms",
        type=float,
        default=None,
        help="the started server's collection window (default: the server's)",
    )
    parser.add_argument("--max-seconds", type=float, default=900.0, help="a phase stops sending after this")
    parser.add_argument("--request-timeout", type=float, default=300.0, help="seconds per request")
    parser.add_argument("--tickets", type=int, default=200, help="distinct synthetic tickets to cycle through")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic tickets")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("TRIAGE_API_KEY"),
        help="bearer key, if the service has keys (default: $TRIAGE_API_KEY)",
    )
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    for name in ("requests", "concurrency", "baseline_requests", "tickets"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")

    report = asyncio.run(run(args))
    line = json.dumps(report)
    print(line)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
