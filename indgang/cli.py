"""The `indgang` command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from config.settings import Settings, load_settings
from indgang.logs import configure_logging
from models.errors import IndgangError
from models.labels import DEPARTMENTS


class _Context:
    def __init__(self, config_file: Path | None) -> None:
        self.config_file = config_file
        self._settings: Settings | None = None

    def settings(self, **overrides: object) -> Settings:
        if self._settings is None or overrides:
            self._settings = load_settings(self.config_file, **overrides)
            configure_logging(self._settings.log_level, self._settings.log_format)
        return self._settings


pass_ctx = click.make_pass_decorator(_Context)


@click.group()
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="INDGANG_CONFIG_FILE",
    help="YAML settings file; INDGANG_* environment variables override it.",
)
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None) -> None:
    """Indgang: classify municipal inquiries and resolve or queue them."""
    ctx.obj = _Context(config_file)


@cli.command()
@click.option("--port", type=int, default=None, help="HTTP port (default: settings, 8080).")
@pass_ctx
def run(ctx: _Context, port: int | None) -> None:
    """Run the whole engine: embedded broker if no Kafka is set, worker and HTTP side."""
    from indgang.supervisor import Supervisor

    settings = ctx.settings()
    code = Supervisor(
        settings=settings, port=port or settings.http_port, config_file=ctx.config_file
    ).run()
    sys.exit(code)


@cli.command()
@click.option(
    "--metrics-port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    show_default=True,
    help="Serve Prometheus metrics at this port; 0 disables them.",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address the metrics bind to; 0.0.0.0 inside a container for Prometheus.",
)
@pass_ctx
def worker(ctx: _Context, metrics_port: int, metrics_host: str) -> None:
    """Run one routing worker (several share the partitions)."""
    from indgang.runtime import run_worker

    run_worker(ctx.settings(), metrics_port=metrics_port, metrics_host=metrics_host)


@cli.command()
@click.option("--host", default=None, help="Bind address (default: settings, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="HTTP port (default: settings, 8080).")
@pass_ctx
def api(ctx: _Context, host: str | None, port: int | None) -> None:
    """Run the HTTP side: POST /v1/inquiries, GET /v1/inquiries/{id}, GET /healthz."""
    from indgang.runtime import run_api

    settings = ctx.settings()
    run_api(settings, host=host or settings.http_host, port=port or settings.http_port)


@cli.command()
@click.option(
    "--metrics-port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    show_default=True,
    help="Serve Prometheus metrics at this port; 0 disables them.",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True)
@pass_ctx
def mail(ctx: _Context, metrics_port: int, metrics_host: str) -> None:
    """Run the mail connector: shared mailboxes in over IMAP, receipts out over SMTP."""
    from indgang.runtime import run_mail

    run_mail(ctx.settings(), metrics_port=metrics_port, metrics_host=metrics_host)


@cli.command()
@pass_ctx
def migrate(ctx: _Context) -> None:
    """Apply the ledger's database migrations."""
    from indgang.runtime import build_ledger

    build_ledger(ctx.settings(), migrate=True)
    click.echo("ledger migrated")


@cli.command()
@click.option("--batch-size", type=int, default=256, show_default=True)
@pass_ctx
def classify(ctx: _Context, batch_size: int) -> None:
    """Classify JSON lines from stdin; one JSON line out per line in, errors included."""
    from indgang.classify_lines import classify_stream
    from indgang.runtime import build_answers, build_catalogue, build_classifier

    settings = ctx.settings()
    classify_stream(
        sys.stdin.buffer,
        sys.stdout,
        classifier=build_classifier(settings),
        catalogue=build_catalogue(settings),
        answers=build_answers(settings),
        batch_size=batch_size,
    )


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--url", default="http://127.0.0.1:8080", show_default=True)
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds to wait.")
@click.option("--concurrency", type=int, default=16, show_default=True)
@click.option("--client", "client_id", default="local-dev", show_default=True, help="Bot client.")
@click.option(
    "--secret",
    envvar="INDGANG_SEND_SECRET",
    default=None,
    help="The client's secret (default: from the settings' bot_clients).",
)
@pass_ctx
def send(
    ctx: _Context,
    file: Path,
    url: str,
    timeout: float,
    concurrency: int,
    client_id: str,
    secret: str | None,
) -> None:
    """Post inquiries (JSON lines), signed as a bot client, and print each decision once made."""
    import asyncio

    from indgang.send_file import send_file

    if secret is None:
        known = {c.id: c.secret for c in ctx.settings().bot_clients}
        if client_id not in known:
            raise click.UsageError(f"client {client_id!r} is not in the settings; give --secret")
        secret = known[client_id].get_secret_value()
    code = asyncio.run(
        send_file(
            file,
            base_url=url,
            timeout_s=timeout,
            concurrency=concurrency,
            out=sys.stdout,
            client_id=client_id,
            secret=secret,
        )
    )
    sys.exit(code)


def _jsonl_files(paths: tuple[Path, ...]) -> list[Path]:
    return [f for p in paths for f in (sorted(p.glob("*.jsonl")) if p.is_dir() else [p])]


@cli.command()
@click.option(
    "--data",
    "data_paths",
    type=click.Path(path_type=Path, exists=True),
    multiple=True,
    default=[Path("data/labelled"), Path("data/authored")],
    show_default=True,
    help="Labelled JSONL files or folders of them to train on.",
)
@click.option(
    "--held-out",
    "held_out_paths",
    type=click.Path(path_type=Path, exists=True),
    multiple=True,
    default=[Path("data/held-out")],
    show_default=True,
    help="Labelled JSONL files or folders measured on and never trained on.",
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Artifact path.")
@click.option("--seed", type=int, default=20261121, show_default=True)
@click.option(
    "--with-feedback",
    is_flag=True,
    help="Also train on operators' corrections in the ledger, exported redacted first.",
)
@click.option(
    "--feedback-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("data/feedback/corrections.jsonl"),
    show_default=True,
    help="Where --with-feedback writes the corrections (git-ignored).",
)
@pass_ctx
def train(
    ctx: _Context,
    data_paths: tuple[Path, ...],
    held_out_paths: tuple[Path, ...],
    out: Path | None,
    seed: int,
    with_feedback: bool,
    feedback_file: Path,
) -> None:
    """Train the classifier reproducibly and write the artifact with its held-out metrics."""
    from classifiers.training import DEFAULT_ARTIFACT
    from classifiers.training import train as train_model

    files = _jsonl_files(data_paths)
    if with_feedback:
        from indgang.runtime import build_ledger
        from queues.feedback_export import export_corrections

        engine = build_ledger(ctx.settings()).engine
        count = export_corrections(engine=engine, path=feedback_file)
        # stderr, so stdout stays the report's JSON.
        click.echo(f"{count} corrected inquiries exported to {feedback_file}", err=True)
        files.append(feedback_file)
    report = train_model(
        data_paths=files,
        held_out_paths=_jsonl_files(held_out_paths),
        out_path=out or DEFAULT_ARTIFACT,
        seed=seed,
    )
    click.echo(report.model_dump_json(indent=2))


@cli.command()
@click.option(
    "--data",
    "data_paths",
    type=click.Path(path_type=Path, exists=True),
    multiple=True,
    required=True,
    help="Labelled JSONL files (or folders of them) to measure on; repeat for more.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("results/evaluation.html"),
    show_default=True,
    help="Where to write the HTML report.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Artifact to evaluate (default: settings, then the shipped model).",
)
@pass_ctx
def evaluate(
    ctx: _Context, data_paths: tuple[Path, ...], report_path: Path, model_path: Path | None
) -> None:
    """Measure the classifier and the router on labelled data; print a summary, write HTML."""
    from classifiers.dataset import load_labelled
    from classifiers.evaluation import evaluate_records
    from classifiers.report import format_summary, write_html_report
    from indgang.runtime import build_answers, build_catalogue, build_classifier

    settings = ctx.settings(model_path=model_path) if model_path else ctx.settings()
    report = evaluate_records(
        classifier=build_classifier(settings),
        records=load_labelled(_jsonl_files(data_paths)),
        catalogue=build_catalogue(settings),
        answers=build_answers(settings),
    )
    click.echo(format_summary(report))
    write_html_report(report, report_path)
    click.echo(f"\nreport written to {report_path}")


@cli.command()
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="Candidate model artifact (.skops) to replay beside the live one.",
)
@click.option(
    "--catalogue",
    "catalogue_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Candidate catalogue and policy directory (default: the live one).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Replay only the newest N.")
@click.option(
    "--from-file",
    "source_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Replay inquiries from a JSON-lines file instead of the ledger.",
)
@pass_ctx
def replay(
    ctx: _Context,
    model_path: Path,
    catalogue_dir: Path | None,
    limit: int | None,
    source_file: Path | None,
) -> None:
    """Replay recorded inquiries through a candidate model and policy; print the decision diff."""
    from indgang.replay import format_report, run_replay

    report = run_replay(
        ctx.settings(),
        candidate_model=model_path,
        candidate_catalogue_dir=catalogue_dir,
        limit=limit,
        source_file=source_file,
    )
    click.echo(format_report(report))


@cli.group(name="operators")
def operators_group() -> None:
    """Dashboard accounts: operators, case workers and supervisors."""


@operators_group.command(name="create")
@click.option("--username", required=True, help="Sign-in name: a-z, 0-9, '.', '_', '-'.")
@click.option("--name", "display_name", required=True, help="Name shown in the dashboard.")
@click.option(
    "--role",
    type=click.Choice(["operator", "caseworker", "supervisor"]),
    required=True,
    help="A supervisor sees every queue; the others their department's.",
)
@click.option("--department", type=click.Choice(DEPARTMENTS), default=None)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin instead of prompting."
)
@pass_ctx
def operators_create(
    ctx: _Context,
    username: str,
    display_name: str,
    role: str,
    department: str | None,
    password_stdin: bool,
) -> None:
    """Create an account; the first supervisor is made this way."""
    from indgang.runtime import build_ledger
    from queues.accounts import Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts = Accounts(build_ledger(ctx.settings(), migrate=True).engine)
    created = accounts.create(
        username=username,
        display_name=display_name,
        password=password,
        role=role,  # type: ignore[arg-type]
        department=department,
    )
    where = created.department or "every department"
    click.echo(f"created {created.role} {created.username} ({where})")


@operators_group.command(name="list")
@pass_ctx
def operators_list(ctx: _Context) -> None:
    """List the active accounts."""
    from indgang.runtime import build_ledger
    from queues.accounts import Accounts

    for person in Accounts(build_ledger(ctx.settings()).engine).list():
        department = person.department or "-"
        click.echo(f"{person.username}\t{person.role}\t{department}\t{person.display_name}")


@cli.group(name="queues")
def queues_group() -> None:
    """Department queues."""


@queues_group.command(name="rebuild")
@pass_ctx
def queues_rebuild(ctx: _Context) -> None:
    """Rebuild queue state in the ledger by replaying the queue-events topic from its start."""
    import asyncio

    from indgang.runtime import bootstrap_servers, build_ledger
    from queues.projection import rebuild
    from queues.topic_reader import read_queue_events
    from streams.topics import Topics

    settings = ctx.settings()
    read = asyncio.run(
        read_queue_events(
            bootstrap_servers=bootstrap_servers(settings),
            topic=Topics.for_settings(settings).queue_events,
        )
    )
    results = rebuild(engine=build_ledger(settings, migrate=True).engine, events=read.events)
    applied = sum(r.applied for r in results)
    click.echo(
        f"replayed {len(results)} queue events: {applied} applied, "
        f"{len(results) - applied} not applied; {read.unreadable} unreadable messages skipped"
    )


def main() -> None:
    """Entry point: IndgangError becomes a one-line message and exit code 2."""
    try:
        cli(standalone_mode=True)
    except IndgangError as exc:
        click.echo(f"indgang: {exc}", err=True)
        sys.exit(2)
