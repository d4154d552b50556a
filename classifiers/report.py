"""Render an EvaluationReport as plain text and as one self-contained HTML file."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

# Figure without pyplot: no global backend state and no display needed; savefig to PNG
# renders through Agg, so this works the same on a headless server as on a laptop.
from matplotlib.figure import Figure

from classifiers.evaluation import HEADS, CalibrationBin, EvaluationReport, HeadReport

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f0f0; }
.meta { color: #555; }
.grid { display: flex; flex-wrap: wrap; gap: 1rem; }
.grid figure { margin: 0; }
img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #555; }
"""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def format_summary(report: EvaluationReport) -> str:
    """Return the headline numbers as lines a person can read in a terminal."""
    lines = [
        f"model {report.model_version}, policy {report.policy_version}, "
        f"{report.n} inquiries ({report.n_urgent} urgent, {report.n_english} English)",
        "",
        f"{'head':<14}{'accuracy':>10}{'macro-F1':>10}",
    ]
    for head in HEADS:
        scores = report.heads[head]
        lines.append(f"{head:<14}{scores.accuracy:>10.1%}{scores.macro_f1:>10.3f}")
    lines += [
        "",
        f"urgent recall                   {_pct(report.urgent_recall)}",
        f"urgent precision                {_pct(report.urgent_precision)}",
        f"resolved automatically          {_pct(report.share_resolved)}",
        f"resolved wrongly (needed queue) {_pct(report.share_wrongly_resolved)}",
        f"resolved to the wrong area      {_pct(report.share_resolved_wrong_area)}",
        f"English service-area accuracy   {_pct(report.english_service_area_accuracy)}",
    ]
    return "\n".join(lines)


def write_html_report(report: EvaluationReport, path: Path) -> None:
    """Write the report as one HTML file with inline CSS and PNG images."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_html(report), encoding="utf-8")


def _html(report: EvaluationReport) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="da"><head><meta charset="utf-8">',
        f"<title>Evaluering af {e(report.model_version)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Evaluering (Evaluation): {e(report.model_version)}</h1>",
        f'<p class="meta">Routing policy {e(report.policy_version)}; {report.n} henvendelser '
        f"(inquiries), {report.n_urgent} akutte (urgent), {report.n_english} på engelsk "
        "(English).</p>",
        "<h2>Oversigt (Summary)</h2>",
        _summary_table(report),
        "<h2>Forvekslingsmatricer (Confusion matrices)</h2>",
        "<p>Rækker er den rigtige etiket, kolonner modellens (rows: truth, columns: "
        "prediction). Farven er andelen af rækken, tallet antallet.</p>",
    ]
    for head in HEADS:
        parts.append(f"<h3>{e(head)}</h3>")
        parts.append(_img(_confusion_png(head, report.heads[head]), f"confusion matrix {head}"))
    parts += [
        "<h2>Afståelseskurve (Abstention curve): service_area</h2>",
        "<p>Hvis modellen kun svarer på de mest sikre henvendelser, hvor ofte rammer den så "
        "rigtigt? (Accuracy on the most confident share kept.)</p>",
        _img(_abstention_png(report), "abstention curve"),
        _abstention_table(report),
        "<h2>Kalibrering (Calibration)</h2>",
        "<p>Punkter på diagonalen betyder, at en sikkerhed på 0,8 holder 80 % af gangene "
        "(points on the diagonal: confidence means what it says).</p>",
        '<div class="grid">',
    ]
    for head in HEADS:
        scores = report.heads[head]
        caption = f"{head}: ECE {scores.expected_calibration_error:.3f}"
        if scores.confidence_source != head:
            caption += f" (confidence of {scores.confidence_source})"
        parts.append(
            f"<figure>{_img(_calibration_png(head, scores), f'calibration {head}')}"
            f"<figcaption>{e(caption)}</figcaption></figure>"
        )
    parts += ["</div>", "</body></html>"]
    return "\n".join(parts)


def _summary_table(report: EvaluationReport) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(head)}</td><td>{report.heads[head].accuracy:.1%}</td>"
        f"<td>{report.heads[head].macro_f1:.3f}</td>"
        f"<td>{report.heads[head].expected_calibration_error:.3f}</td></tr>"
        for head in HEADS
    )
    routing = [
        ("Akut: recall (urgent recall)", _pct(report.urgent_recall)),
        ("Akut: præcision (urgent precision)", _pct(report.urgent_precision)),
        ("Løst automatisk (resolved automatically)", _pct(report.share_resolved)),
        ("Løst forkert (resolved wrongly: needed a person)", _pct(report.share_wrongly_resolved)),
        (
            "Løst til forkert område (resolved to the wrong area)",
            _pct(report.share_resolved_wrong_area),
        ),
        (
            "Engelsk: service_area accuracy (English only)",
            _pct(report.english_service_area_accuracy),
        ),
    ]
    routing_rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in routing)
    return (
        "<table><thead><tr><th>Hoved (head)</th><th>Accuracy</th><th>Macro-F1</th>"
        f"<th>ECE</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<table><thead><tr><th>Routing</th><th>Andel (share)</th></tr></thead>"
        f"<tbody>{routing_rows}</tbody></table>"
    )


def _abstention_table(report: EvaluationReport) -> str:
    rows = "".join(
        f"<tr><td>{p.keep_share:.0%}</td><td>{p.n_kept}</td><td>{p.min_confidence:.2f}</td>"
        f"<td>{p.accuracy:.1%}</td></tr>"
        for p in report.abstention
    )
    return (
        "<table><thead><tr><th>Beholdt (kept)</th><th>n</th><th>Min. sikkerhed "
        f"(confidence)</th><th>Accuracy</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _confusion_png(head: str, scores: HeadReport) -> bytes:
    labels, counts = scores.confusion.labels, scores.confusion.counts
    size = len(labels)
    # 28 service areas need room and small type to stay readable; two urgent labels do not.
    side = max(3.5, 0.36 * size + 2.5)
    font = 6 if size > 12 else 9
    figure = Figure(figsize=(side, side * 0.9))
    ax = figure.add_subplot()
    # Colour by share of the row, so a rare area's confusions show as clearly as a common one's.
    shares = [[c / max(1, sum(row)) for c in row] for row in counts]
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(size), labels, rotation=90 if size > 4 else 0, fontsize=font)
    ax.set_yticks(range(size), labels, fontsize=font)
    ax.set_xlabel("forudsagt (predicted)", fontsize=font + 2)
    ax.set_ylabel("rigtig (true)", fontsize=font + 2)
    ax.set_title(f"{head}: accuracy {scores.accuracy:.1%}", fontsize=font + 3)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if count:
                colour = "white" if shares[i][j] > 0.6 else "black"
                ax.text(j, i, str(count), ha="center", va="center", fontsize=font, color=colour)
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="andel af rækken (row share)")
    return _png(figure)


def _abstention_png(report: EvaluationReport) -> bytes:
    figure = Figure(figsize=(6, 4))
    ax = figure.add_subplot()
    shares = [p.keep_share for p in report.abstention]
    ax.plot(shares, [p.accuracy for p in report.abstention], marker="o")
    for p in report.abstention:
        ax.annotate(
            f"{p.min_confidence:.2f}",
            (p.keep_share, p.accuracy),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=7,
        )
    ax.set_xlabel("andel beholdt, mest sikre først (share kept, most confident first)")
    ax.set_ylabel("service_area accuracy")
    ax.set_xlim(0.0, 1.05)
    ax.set_ylim(0.0, 1.05)
    ax.grid(alpha=0.3)
    ax.set_title("Afståelseskurve (abstention); tal = laveste sikkerhed", fontsize=10)
    return _png(figure)


def _calibration_png(head: str, scores: HeadReport) -> bytes:
    figure = Figure(figsize=(3.8, 3.8))
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfekt (perfect)")
    points = [_point(b) for b in scores.calibration if b.count]
    ax.plot(
        [x for x, _, _ in points],
        [y for _, y, _ in points],
        marker="o",
        label="observeret (observed)",
    )
    for x, y, count in points:
        ax.annotate(
            str(count),
            (x, y),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize=7,
        )
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("sikkerhed (confidence)")
    ax.set_ylabel("andel rigtige (accuracy)")
    ax.set_title(head, fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    return _png(figure)


def _point(b: CalibrationBin) -> tuple[float, float, int]:
    if b.mean_confidence is None or b.accuracy is None:
        raise ValueError("an empty calibration bin has no point to plot")
    return b.mean_confidence, b.accuracy, b.count
