"""Latency of the bot webhook in synchronous mode under a steady open-loop load.

A second process offers signed requests at a fixed arrival rate (each sent at its scheduled
instant whether or not earlier ones have answered, so a slow engine cannot slow the offer),
with `Prefer: wait=N`, and times each from its scheduled instant to the decision in the answer.
Texts are the labelled examples. The engine is started here (`indgang run`, embedded Tansu,
a fresh SQLite ledger) unless `--url` names a running one.

Run from the repository root:
`python -m benchmarks.webhook_latency --rate 100 --duration 60 --out results/webhook-latency.json`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from benchmarks.classify_speed import machine
from config.settings import DEV_BOT_SECRET
from connectors.signing import signed_headers
from streams.embedded_broker import free_port

REPO = Path(__file__).resolve().parents[1]
TEXTS = REPO / "data" / "labelled"
WARM_UP_S = 5.0


def load_texts(limit: int = 2_000) -> list[dict[str, str]]:
    """Channel and text of the labelled examples, in a fixed shuffled order."""
    rows = []
    for path in sorted(TEXTS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                rows.append({"channel": record["channel"], "text": record["text"]})
    random.Random(20261121).shuffle(rows)
    return rows[:limit]


async def offer(
    *, url: str, rate: float, duration_s: float, wait_s: int, client_id: str, secret: str
) -> dict[str, Any]:
    """Send `rate` requests a second for `duration_s`; return each one's latency and status."""
    texts = load_texts()
    total = int(rate * duration_s)
    results: list[tuple[float, str]] = []
    # aiohttp, not httpx, on this side: httpx's pool costs CPU per open connection, and with
    # hundreds open the generator itself became the bottleneck it was meant to measure.
    timeout = aiohttp.ClientTimeout(total=wait_s + 30.0)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(url, timeout=timeout, connector=connector) as client:

        async def one(n: int, due: float) -> None:
            body = json.dumps({**texts[n % len(texts)], "id": f"bench-{os.getpid()}-{n}"}).encode(
                "utf-8"
            )
            headers = {
                **signed_headers(client_id=client_id, secret=secret, body=body),
                "content-type": "application/json",
                "prefer": f"wait={wait_s}",
            }
            try:
                async with client.post("/v1/inquiries", data=body, headers=headers) as response:
                    answer = await response.json(content_type=None)
                    decided = response.status == 200 and answer.get("decision")
                    outcome = "decided" if decided else str(response.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                outcome = type(exc).__name__
            results.append((time.perf_counter() - due, outcome))

        started = time.perf_counter()
        tasks = []
        for n in range(total):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, due)))
        offered_s = time.perf_counter() - started
        await asyncio.gather(*tasks)
        finished_s = time.perf_counter() - started
    return {
        "offered": total,
        "offered_s": offered_s,
        "finished_s": finished_s,
        "results": results,
    }


def summarise(raw: dict[str, Any], *, rate: float, duration_s: float) -> dict[str, Any]:
    """Percentiles of the decided requests, and the rest counted by status."""
    outcomes = Counter(outcome for _, outcome in raw["results"])
    latencies: list[float] = sorted(s for s, outcome in raw["results"] if outcome == "decided")

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1_000, 1)

    return {
        "offered_rate_per_s": rate,
        "duration_s": duration_s,
        "requests": raw["offered"],
        "achieved_offer_rate_per_s": round(raw["offered"] / raw["offered_s"], 1),
        "decided": len(latencies),
        "decided_per_s": round(len(latencies) / raw["finished_s"], 1),
        "errors_by_status": {k: v for k, v in sorted(outcomes.items()) if k != "decided"},
        "latency_ms": {
            "p50": pct(0.50),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "max": round(latencies[-1] * 1_000, 1) if latencies else None,
        },
    }


def run_generator(args: argparse.Namespace) -> None:
    """The load generator's process: offer the load and print the raw results as JSON."""
    raw = asyncio.run(
        offer(
            url=args.url,
            rate=args.rate,
            duration_s=args.duration,
            wait_s=args.wait,
            client_id=args.client,
            secret=args.secret,
        )
    )
    json.dump(raw, sys.stdout)


def in_second_process(args: argparse.Namespace, *, url: str, duration_s: float) -> dict[str, Any]:
    """Run the generator in its own process, so its work does not share the engine's loop."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.webhook_latency",
        "--generate",
        "--url",
        url,
        "--rate",
        str(args.rate),
        "--duration",
        str(duration_s),
        "--wait",
        str(args.wait),
        "--client",
        args.client,
    ]
    env = {**os.environ, "INDGANG_BENCH_SECRET": args.secret}
    done = subprocess.run(command, capture_output=True, check=True, env=env, cwd=REPO)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def first_decision(url: str, *, client_id: str, secret: str) -> None:
    """Wait until the engine decides at all: its worker joins the consumer group after start."""
    body = json.dumps({"channel": "chat", "text": "Hvornår har Borgerservice åbent?"}).encode()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        headers = {
            **signed_headers(client_id=client_id, secret=secret, body=body),
            "content-type": "application/json",
            "prefer": "wait=10",
        }
        response = httpx.post(f"{url}/v1/inquiries", content=body, headers=headers, timeout=30)
        if response.status_code == 200 and response.json().get("decision"):
            return
    raise SystemExit("the engine made no decision within 120 s")


def start_engine(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    """`indgang run` on the embedded default with its data in `workdir`; wait until healthy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INDGANG_")}
    env.update(
        INDGANG_DATA_DIR=str(workdir / "var"),
        INDGANG_DATABASE_URL=f"sqlite:///{workdir / 'ledger.db'}",
        INDGANG_LOG_LEVEL="WARNING",
    )
    log = open(workdir / "engine.log", "wb")  # noqa: SIM115 - the engine writes it until stopped
    process = subprocess.Popen(
        [sys.executable, "-m", "indgang", "run", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
            if health.status_code == 200 and health.json()["status"] == "ok":
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"engine did not become healthy; see {workdir / 'engine.log'}")


def main(argv: list[str] | None = None) -> None:
    """Measure, print and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="Requests per second.")
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load.")
    parser.add_argument("--wait", type=int, default=8, help="Prefer: wait=N, in seconds.")
    parser.add_argument("--url", default=None, help="A running engine (default: start one).")
    parser.add_argument("--client", default="local-dev")
    parser.add_argument("--secret", default=os.environ.get("INDGANG_BENCH_SECRET", DEV_BOT_SECRET))
    parser.add_argument("--out", type=Path, default=Path("results/webhook-latency.json"))
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        run_generator(args)
        return

    before = machine(None)
    with tempfile.TemporaryDirectory(prefix="indgang-bench-") as tmp:
        engine = None
        url = args.url
        if url is None:
            port = free_port()
            engine = start_engine(Path(tmp), port)
            url = f"http://127.0.0.1:{port}"
        try:
            # Unrecorded: the worker joins its group and warms its models on the first requests.
            first_decision(url, client_id=args.client, secret=args.secret)
            in_second_process(args, url=url, duration_s=min(WARM_UP_S, args.duration))
            raw = in_second_process(args, url=url, duration_s=args.duration)
        finally:
            if engine is not None:
                engine.terminate()
                engine.wait(60)
    report = {
        "benchmark": "webhook_latency",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": "given by --url" if args.url else "indgang run, embedded Tansu, SQLite",
        "mode": f"synchronous, Prefer: wait={args.wait}, signed as {args.client}",
        "latency_from": "each request's scheduled send time (open loop)",
        "machine": before,
        **summarise(raw, rate=args.rate, duration_s=args.duration),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
