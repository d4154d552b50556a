"""How fast the shipped classifier labels inquiries on one core: batch throughput and latency.

Run from the repository root: `python -m benchmarks.classify_speed [--out FILE]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from classifiers.base import Classifier
    from models.inquiry import Inquiry

REPO = Path(__file__).resolve().parents[1]
DATA_GLOBS = ("data/labelled/*.jsonl", "data/authored/*.jsonl")
BATCH_SIZE = 256
MIN_BATCH_INQUIRIES = 5_000
LATENCY_CALLS = 1_000
WARM_UP_CALLS = 50
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_to_one_core() -> int | None:
    """Restrict this process and its BLAS pools to one CPU; return that CPU, if pinning works."""
    # The figure is meant per core: a worker is one process, and capacity is planned as
    # workers x per-core speed. BLAS libraries size their thread pools from these variables
    # once, when numpy or scikit-learn is first imported, so they must be set before that;
    # left alone, several BLAS threads would fight over the one pinned core and the benchmark
    # would measure their contention instead of the classifier.
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    if not hasattr(os, "sched_setaffinity"):
        return None  # macOS and Windows have no affinity call; the threads are still limited
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def load_inquiries(repo: Path) -> list[Inquiry]:
    """Read every labelled data file that exists and validates; skip the others with a note."""
    from classifiers.dataset import load_labelled
    from models.errors import ClassifierError

    inquiries: list[Inquiry] = []
    for pattern in DATA_GLOBS:
        for path in sorted(repo.glob(pattern)):
            # File by file: another developer's half-written data must not stop a benchmark.
            try:
                inquiries += [record.to_inquiry() for record in load_labelled([path])]
            except ClassifierError as exc:
                print(f"skipping {path}: {exc}", file=sys.stderr)
    if not inquiries:
        raise SystemExit(f"no labelled inquiries under {repo} ({', '.join(DATA_GLOBS)})")
    return inquiries


def batch_throughput(
    *, classifier: Classifier, inquiries: list[Inquiry], minimum: int = MIN_BATCH_INQUIRIES
) -> tuple[float, float, int]:
    """Return (inquiries per second, per CPU-second, inquiries classified) over batches."""
    repeats = -(-minimum // len(inquiries))
    workload = inquiries * repeats
    classifier.classify_batch(workload[:BATCH_SIZE])  # warm caches and lazy initialisation
    start, start_cpu = time.perf_counter(), time.process_time()
    for offset in range(0, len(workload), BATCH_SIZE):
        classifier.classify_batch(workload[offset : offset + BATCH_SIZE])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return len(workload) / elapsed, len(workload) / cpu, len(workload)


def single_latency_ms(
    *, classifier: Classifier, inquiries: list[Inquiry], calls: int = LATENCY_CALLS
) -> dict[str, float]:
    """Return p50, p95 and p99 of one classify() call, in milliseconds, after a warm-up."""
    for i in range(WARM_UP_CALLS):
        classifier.classify(inquiries[i % len(inquiries)])
    samples = []
    for i in range(calls):
        inquiry = inquiries[i % len(inquiries)]
        start = time.perf_counter_ns()
        classifier.classify(inquiry)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49], 3), "p95": round(cuts[94], 3), "p99": round(cuts[98], 3)}


def machine(pinned_cpu: int | None) -> dict[str, Any]:
    """Describe the machine, so two figures are only compared when they are comparable."""
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pinned_cpu": pinned_cpu,
    }
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    if hasattr(os, "getloadavg"):
        # A busy machine slows every figure; the load before the run says how far to trust it.
        info["load_average_1m_before"] = round(os.getloadavg()[0], 2)
    return info


def main(argv: list[str] | None = None) -> None:
    """Measure, print and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("results/classify-speed.json"))
    args = parser.parse_args(argv)

    pinned_cpu = pin_to_one_core()
    host = machine(pinned_cpu)
    # Only now: see pin_to_one_core for why numpy and scikit-learn must come after it.
    from classifiers.training import load_default_classifier

    classifier = load_default_classifier()
    inquiries = load_inquiries(REPO)
    throughput, per_cpu_second, n = batch_throughput(classifier=classifier, inquiries=inquiries)
    latency = single_latency_ms(classifier=classifier, inquiries=inquiries)
    result = {
        "machine": host,
        "model_version": classifier.model_version,
        "throughput_per_s": round(throughput, 1),
        # Other processes on a shared machine take the core away; CPU time only counts ours.
        "throughput_per_cpu_s": round(per_cpu_second, 1),
        "latency_ms": latency,
        "n": n,
        "n_distinct": len(inquiries),
        "batch_size": BATCH_SIZE,
        "latency_calls": LATENCY_CALLS,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    text = json.dumps(result, indent=2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
