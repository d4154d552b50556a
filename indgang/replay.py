"""Shadow replay: run a candidate model and policy over recorded inquiries beside the live ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from config.catalogue import Catalogue, load_catalogue
from models.decision import RoutingDecision
from models.inquiry import Inquiry
from models.labels import Action, ServiceArea
from router.policy import decide

if TYPE_CHECKING:
    from classifiers.base import Classifier
    from config.settings import Settings

BATCH_SIZE = 256


class Move(BaseModel):
    """How many decisions go from one live queue and action to one candidate queue and action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    live_action: Action
    live_queue: ServiceArea
    candidate_action: Action
    candidate_queue: ServiceArea
    count: int = Field(ge=1)


class ReplayReport(BaseModel):
    """The decision diff between the live and the candidate setup over the same inquiries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int = Field(ge=0, description="inquiries replayed")
    skipped: int = Field(default=0, ge=0, description="input lines that were not inquiries")
    changed: int = Field(ge=0, description="decisions whose action or queue would change")
    # Every changed decision is in exactly one move, so the counts add up to `changed`.
    moves: list[Move]
    resolve_to_queue: int = Field(ge=0)
    queue_to_resolve: int = Field(ge=0)
    live_resolved: int = Field(ge=0)
    candidate_resolved: int = Field(ge=0)
    newly_urgent: int = Field(ge=0)
    no_longer_urgent: int = Field(ge=0)
    live_model_version: str
    candidate_model_version: str
    live_policy_version: str
    candidate_policy_version: str


def _batches(items: Sequence[Inquiry], size: int) -> Iterator[Sequence[Inquiry]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _decisions(
    batch: Sequence[Inquiry], classifier: Classifier, catalogue: Catalogue, now: datetime
) -> list[RoutingDecision]:
    classifications = classifier.classify_batch(batch)
    return [
        decide(inquiry=inquiry, classification=c, catalogue=catalogue, now=now)
        for inquiry, c in zip(batch, classifications, strict=True)
    ]


def replay(
    *,
    inquiries: Sequence[Inquiry],
    live: Classifier,
    candidate: Classifier,
    live_catalogue: Catalogue,
    candidate_catalogue: Catalogue,
    now: datetime,
) -> ReplayReport:
    """Decide every inquiry under both setups at the same instant and count the differences."""
    moves: Counter[tuple[Action, ServiceArea, Action, ServiceArea]] = Counter()
    actions: Counter[tuple[Action, Action]] = Counter()
    urgency = Counter[str]()
    for batch in _batches(inquiries, BATCH_SIZE):
        before = _decisions(batch, live, live_catalogue, now)
        after = _decisions(batch, candidate, candidate_catalogue, now)
        for old, new in zip(before, after, strict=True):
            actions[(old.action, new.action)] += 1
            if old.classification.urgent != new.classification.urgent:
                urgency["newly" if new.classification.urgent else "no_longer"] += 1
            if (old.action, old.queue) != (new.action, new.queue):
                moves[(old.action, old.queue, new.action, new.queue)] += 1
    table = [
        Move(live_action=la, live_queue=lq, candidate_action=ca, candidate_queue=cq, count=count)
        for (la, lq, ca, cq), count in moves.items()
    ]
    # Biggest moves first; the names only make the order stable between runs.
    table.sort(key=lambda m: (-m.count, m.live_queue, m.candidate_queue, m.live_action))
    return ReplayReport(
        n=len(inquiries),
        changed=sum(moves.values()),
        moves=table,
        resolve_to_queue=actions[("resolve", "queue")],
        queue_to_resolve=actions[("queue", "resolve")],
        live_resolved=sum(c for (old, _), c in actions.items() if old == "resolve"),
        candidate_resolved=sum(c for (_, new), c in actions.items() if new == "resolve"),
        newly_urgent=urgency["newly"],
        no_longer_urgent=urgency["no_longer"],
        live_model_version=live.model_version,
        candidate_model_version=candidate.model_version,
        live_policy_version=live_catalogue.policy.version,
        candidate_policy_version=candidate_catalogue.policy.version,
    )


def _share(count: int, n: int) -> str:
    return f"{100 * count / n:.1f} %" if n else "-"


def format_report(report: ReplayReport) -> str:
    """The report as a plain-text table for the terminal."""
    n = report.n
    skipped = f" ({report.skipped} input lines skipped)" if report.skipped else ""
    lines = [
        f"Shadow replay of {n} inquiries{skipped}",
        f"  live:       model {report.live_model_version}, policy {report.live_policy_version}",
        f"  candidate:  model {report.candidate_model_version}, "
        f"policy {report.candidate_policy_version}",
        "",
    ]
    summary = [
        ("decisions changed", report.changed, _share(report.changed, n)),
        ("resolved at once, live", report.live_resolved, _share(report.live_resolved, n)),
        (
            "resolved at once, candidate",
            report.candidate_resolved,
            _share(report.candidate_resolved, n),
        ),
        ("resolve -> queue", report.resolve_to_queue, _share(report.resolve_to_queue, n)),
        ("queue -> resolve", report.queue_to_resolve, _share(report.queue_to_resolve, n)),
        ("newly urgent", report.newly_urgent, _share(report.newly_urgent, n)),
        ("no longer urgent", report.no_longer_urgent, _share(report.no_longer_urgent, n)),
    ]
    label_width = max(len(label) for label, _, _ in summary)
    count_width = max(len(str(count)) for _, count, _ in summary)
    lines += [
        f"  {label:<{label_width}}  {count:>{count_width}}  {share:>7}"
        for label, count, share in summary
    ]
    lines.append("")
    if not report.moves:
        lines.append("No decision would change.")
        return "\n".join(lines)
    rows = [
        (f"{m.live_queue} ({m.live_action})", f"{m.candidate_queue} ({m.candidate_action})", m)
        for m in report.moves
    ]
    head = ("live", "candidate", "count")
    left = max(len(head[0]), *(len(r[0]) for r in rows))
    right = max(len(head[1]), *(len(r[1]) for r in rows))
    width = max(len(head[2]), *(len(str(r[2].count)) for r in rows))
    lines.append(f"  {head[0]:<{left}}    {head[1]:<{right}}  {head[2]:>{width}}")
    lines.append(f"  {'-' * left}    {'-' * right}  {'-' * width}")
    lines += [f"  {old:<{left}} -> {new:<{right}}  {m.count:>{width}}" for old, new, m in rows]
    return "\n".join(lines)


def _read_inquiries(path: Path) -> tuple[list[Inquiry], int]:
    from indgang.classify_lines import parse_line

    inquiries: list[Inquiry] = []
    skipped = 0
    with path.open("rb") as lines:
        for raw in lines:
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                inquiries.append(parse_line(line))
            except ValueError:
                skipped += 1
    return inquiries, skipped


def run_replay(
    settings: Settings,
    *,
    candidate_model: Path,
    candidate_catalogue_dir: Path | None,
    limit: int | None,
    source_file: Path | None,
) -> ReplayReport:
    """Load both setups and the inquiries (ledger or JSON-lines file) and replay them."""
    # Late: scikit-learn and the runtime's servers take seconds to import.
    from classifiers.training import load_default_classifier
    from indgang.runtime import build_catalogue, build_classifier, build_ledger

    live_catalogue = build_catalogue(settings)
    candidate_catalogue = (
        load_catalogue(candidate_catalogue_dir) if candidate_catalogue_dir else live_catalogue
    )
    live = build_classifier(settings)
    candidate = load_default_classifier(candidate_model)
    skipped = 0
    if source_file is not None:
        inquiries, skipped = _read_inquiries(source_file)
        # Like the ledger, a limit keeps the newest, and a file is read oldest first.
        if limit is not None:
            inquiries = inquiries[-limit:] if limit > 0 else []
    else:
        ledger = build_ledger(settings)
        try:
            inquiries = ledger.recorded_inquiries(limit=limit)
        finally:
            ledger.engine.dispose()
    report = replay(
        inquiries=inquiries,
        live=live,
        candidate=candidate,
        live_catalogue=live_catalogue,
        candidate_catalogue=candidate_catalogue,
        now=datetime.now(UTC),
    )
    return report.model_copy(update={"skipped": skipped})
