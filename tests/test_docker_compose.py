"""Static checks of the production deployment: docker-compose.yml, Dockerfile, .dockerignore.

Docker does not run here, so these read the files and check what would otherwise only show
up at `docker compose up`: a missing KRaft variable, an INDGANG_* name Settings does not know,
a dependency that waits on a health check nobody defined, a worker that cannot be scaled.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# Subcommands of the `indgang` CLI that the image and compose file may run. A CLI test
# checks this set against the real command group once the CLI exists.
COMPOSE_COMMANDS = frozenset({"migrate", "worker", "api", "mail", "run"})

ENGINE_SERVICES = ("migrate", "worker", "api")
LONG_RUNNING_ENGINE_SERVICES = ("worker", "api", "mail")

# Every variable the official apache/kafka image needs once any KAFKA_* variable is given
# (STREAMING-NOTES, "Apache Kafka in docker-compose"), plus the ones this deployment relies on.
REQUIRED_KRAFT_VARIABLES = frozenset(
    {
        "KAFKA_NODE_ID",
        "KAFKA_PROCESS_ROLES",
        "KAFKA_LISTENERS",
        "KAFKA_ADVERTISED_LISTENERS",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
        "KAFKA_CONTROLLER_QUORUM_VOTERS",
        "KAFKA_CONTROLLER_LISTENER_NAMES",
        "KAFKA_INTER_BROKER_LISTENER_NAME",
        "CLUSTER_ID",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE",
        "KAFKA_LOG_DIRS",
    }
)

# What an operator would put in the shell or an .env file; used to interpolate the file.
OPERATOR_ENVIRONMENT = {
    "POSTGRES_PASSWORD": "s3cure-db-pass",
    "INDGANG_SECRET_KEY": "a-long-random-production-secret-value",
    "INDGANG_CITIZEN_KEY_SECRET": "another-long-random-production-value",
    "INDGANG_BOT_CLIENTS": '[{"id": "muni-chat", "secret": "a-third-long-random-value"}]',
}
REQUIRED_FROM_OPERATOR = (
    "POSTGRES_PASSWORD",
    "INDGANG_SECRET_KEY",
    "INDGANG_CITIZEN_KEY_SECRET",
    "INDGANG_BOT_CLIENTS",
)

_REFERENCE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
_INDGANG_NAME = re.compile(r"\bINDGANG_[A-Z0-9_]+\b")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Resolve ${NAME}, ${NAME:-default} and ${NAME:?error} as docker compose does."""

    def resolve(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        unset = current is None or (current == "" and op is not None and op.startswith(":"))
        if op is not None and op.endswith("?") and unset:
            raise KeyError(f"required variable {name} is missing: {arg}")
        if op is not None and op.endswith("-") and unset:
            return arg
        return current or ""

    return _REFERENCE.sub(resolve, value.replace("$$", "\0")).replace("\0", "$")


def environment_of(service: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    raw = service.get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value), env) for key, value in raw.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("depends_on", {})
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in raw.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text()


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    loaded = yaml.safe_load(compose_text)
    assert isinstance(loaded, dict), "docker-compose.yml is not a mapping"
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def kafka_env(services: dict[str, dict[str, Any]]) -> dict[str, str]:
    return environment_of(services["kafka"], OPERATOR_ENVIRONMENT)


def test_every_service_the_engine_needs_is_defined(services: dict[str, dict[str, Any]]) -> None:
    assert {"kafka", "postgres", "migrate", "worker", "api"} <= set(services)


def test_kafka_image_is_the_official_one_pinned_to_a_release(
    services: dict[str, dict[str, Any]],
) -> None:
    image = services["kafka"]["image"]
    match = re.fullmatch(r"apache/kafka:(\d+)\.(\d+)\.(\d+)", image)
    assert match, f"kafka image {image!r} is not apache/kafka pinned to X.Y.Z"
    assert int(match[1]) in (3, 4)


def test_kafka_gets_every_variable_a_single_kraft_node_needs(kafka_env: dict[str, str]) -> None:
    missing = REQUIRED_KRAFT_VARIABLES - set(kafka_env)
    assert not missing, f"kafka is missing {sorted(missing)}; the image's defaults are gone"
    assert all(value.strip() for value in kafka_env.values()), "a KAFKA_* variable is empty"


def test_kafka_runs_broker_and_controller_in_one_node(kafka_env: dict[str, str]) -> None:
    assert set(kafka_env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = kafka_env["KAFKA_NODE_ID"]
    controller = kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    listeners = dict(
        item.split("://", 1) for item in kafka_env["KAFKA_LISTENERS"].split(",") if item
    )
    assert listeners == {"PLAINTEXT": ":9092", controller: ":9093"}
    assert kafka_env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node_id}@kafka:9093"
    assert kafka_env["KAFKA_INTER_BROKER_LISTENER_NAME"] == "PLAINTEXT"
    protocols = dict(
        item.split(":", 1) for item in kafka_env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    assert set(listeners) <= set(protocols), "every listener needs a security protocol"
    assert kafka_env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", kafka_env["CLUSTER_ID"]), "not a base64 UUID"


def test_kafka_internal_topics_fit_on_a_single_broker(kafka_env: dict[str, str]) -> None:
    assert kafka_env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert kafka_env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    assert kafka_env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"
    assert kafka_env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"


def test_kafka_never_creates_topics_behind_indgangs_back(kafka_env: dict[str, str]) -> None:
    assert kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_kafka_keeps_its_log_on_a_named_volume(
    compose: dict[str, Any], kafka_env: dict[str, str]
) -> None:
    log_dir = kafka_env["KAFKA_LOG_DIRS"]
    mounts = dict(
        reversed(mount.split(":")[:2]) for mount in compose["services"]["kafka"]["volumes"]
    )
    assert log_dir in mounts, f"{log_dir} is not mounted"
    assert mounts[log_dir] in compose.get("volumes", {}), "kafka's log dir is not a named volume"


def test_kafka_is_healthy_only_when_the_broker_answers(
    services: dict[str, dict[str, Any]],
) -> None:
    check = " ".join(services["kafka"]["healthcheck"]["test"])
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in check
    assert "--bootstrap-server localhost:9092" in check


def test_postgres_credentials_come_from_the_operator(
    services: dict[str, dict[str, Any]],
) -> None:
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(postgres["environment"])
    assert postgres.get("volumes"), "postgres data would be lost with the container"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_secrets_have_no_default_and_must_be_supplied(compose_text: str) -> None:
    for name in REQUIRED_FROM_OPERATOR:
        references = [m for m in _REFERENCE.finditer(compose_text) if m["name"] == name]
        assert references, f"{name} is never used"
        for reference in references:
            assert reference["op"] == ":?", f"{reference[0]} must be required, not defaulted"
        without = {k: v for k, v in OPERATOR_ENVIRONMENT.items() if k != name}
        with pytest.raises(KeyError, match=name):
            interpolate(compose_text, without)


@pytest.mark.parametrize("name", ENGINE_SERVICES)
def test_engine_processes_reach_kafka_on_its_advertised_listener(
    name: str, services: dict[str, dict[str, Any]], kafka_env: dict[str, str]
) -> None:
    env = environment_of(services[name], OPERATOR_ENVIRONMENT)
    advertised = {
        listener.split("://", 1)[1]
        for listener in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    }
    servers = set(env["INDGANG_KAFKA_BOOTSTRAP_SERVERS"].split(","))
    assert servers, f"{name} has no Kafka address and would start the embedded broker"
    assert servers <= advertised


@pytest.mark.parametrize("name", ENGINE_SERVICES)
def test_engine_processes_reach_postgres_with_the_psycopg_driver(
    name: str, services: dict[str, dict[str, Any]]
) -> None:
    env = environment_of(services[name], OPERATOR_ENVIRONMENT)
    postgres = environment_of(services["postgres"], OPERATOR_ENVIRONMENT)
    url = make_url(env["INDGANG_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.database == postgres["POSTGRES_DB"]


def test_every_indgang_variable_is_a_setting(compose_text: str) -> None:
    names = set(_INDGANG_NAME.findall(compose_text))
    assert "INDGANG_KAFKA_BOOTSTRAP_SERVERS" in names
    unknown = {
        name for name in names if name.removeprefix("INDGANG_").lower() not in Settings.model_fields
    }
    assert not unknown, f"not fields of config.settings.Settings: {sorted(unknown)}"


@pytest.mark.parametrize("name", ENGINE_SERVICES)
def test_engine_environment_passes_production_validation(
    name: str, services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment_of(services[name], OPERATOR_ENVIRONMENT)
    assert env["INDGANG_ENVIRONMENT"] == "production"
    for key in list(os.environ):
        if key.startswith("INDGANG_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.environment == "production"
    assert not settings.uses_embedded_broker


def test_every_service_depended_on_as_healthy_has_a_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        for dependency, condition in depends_on(service).items():
            assert dependency in services, f"{name} depends on undefined {dependency}"
            if condition == "service_healthy":
                healthcheck = services[dependency].get("healthcheck", {})
                reason = f"{name} waits for {dependency} to be healthy, which has no healthcheck"
                assert healthcheck.get("test"), reason
                assert not healthcheck.get("disable"), reason


def test_migrations_run_once_before_the_engine_starts(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate = services["migrate"]
    assert depends_on(migrate) == {"postgres": "service_healthy"}
    assert migrate["restart"] == "no"
    for name in LONG_RUNNING_ENGINE_SERVICES:
        assert depends_on(services[name]) == {
            "kafka": "service_healthy",
            "postgres": "service_healthy",
            "migrate": "service_completed_successfully",
        }
        assert services[name]["restart"] == "unless-stopped"


def test_engine_services_share_one_environment(services: dict[str, dict[str, Any]]) -> None:
    environments = [environment_of(services[n], OPERATOR_ENVIRONMENT) for n in ENGINE_SERVICES]
    assert all(env == environments[0] for env in environments)


def test_worker_can_be_scaled(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker, "a fixed name allows only one replica"
    for port in worker.get("ports", []):
        published = port.get("published") if isinstance(port, dict) else str(port).split(":")
        assert not published or len(published) == 1, f"fixed host port {port} blocks replicas"
    assert worker["deploy"]["replicas"] >= 2


def test_api_is_published_and_checked_without_curl(services: dict[str, dict[str, Any]]) -> None:
    api = services["api"]
    assert "8080:8080" in api["ports"]
    check = " ".join(api["healthcheck"]["test"])
    assert check.startswith("CMD python -c")
    assert "urllib" in check
    assert "http://localhost:8080/healthz" in check
    assert "curl" not in check


def test_compose_runs_only_known_subcommands(services: dict[str, dict[str, Any]]) -> None:
    engine = {name: service for name, service in services.items() if "build" in service}
    assert set(ENGINE_SERVICES) <= set(engine)
    for name, service in engine.items():
        command = service["command"]
        assert isinstance(command, list), f"{name}: use the exec form for the command"
        assert command[0] in COMPOSE_COMMANDS, f"{name} runs unknown subcommand {command[0]!r}"
    assert services["api"]["command"] == ["api", "--host", "0.0.0.0", "--port", "8080"]


def test_image_runs_the_indgang_cli_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    values: dict[str, list[str]] = {}
    for keyword, rest in instructions:
        values.setdefault(keyword, []).append(rest)
    assert all(base.startswith("python:3.11-slim") for base in values["FROM"])
    assert json.loads(values["ENTRYPOINT"][-1]) == ["indgang"]
    default = json.loads(values["CMD"][-1])
    assert default[0] in COMPOSE_COMMANDS
    assert any(rest.startswith("pip install .") for rest in values["RUN"])
    user = values["USER"][-1].split(":")[0]
    assert user not in ("root", "0")


def test_build_context_leaves_out_local_state() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", "var", ".venv", "__pycache__", "*.db", ".pytest_cache"} <= patterns
    assert not {"pyproject.toml", "README.md", "*.md", "*.toml"} & patterns


def test_every_compose_command_is_a_real_cli_command() -> None:
    from indgang.cli import cli

    assert set(cli.commands) >= COMPOSE_COMMANDS


MAIL_SETTINGS = {"INDGANG_MAILBOXES", "INDGANG_SMTP"}
MAILBOXES = (
    '[{"name": "borgerservice", "host": "imap.kommune.example", '
    '"username": "borgerservice@kommune.example", "password": "an-imap-password"}]'
)


def test_the_mail_connector_is_opt_in_behind_its_profile(
    services: dict[str, dict[str, Any]], compose_text: str
) -> None:
    assert services["mail"]["profiles"] == ["mail"]
    assert [name for name, service in services.items() if "profiles" in service] == ["mail"]
    # Compose interpolates profiled services too: the default deployment needs no mail value.
    interpolate(compose_text, {**OPERATOR_ENVIRONMENT, "GRAFANA_ADMIN_PASSWORD": "not-admin"})


def test_the_mail_connector_shares_the_engine_environment_and_adds_only_mail_settings(
    services: dict[str, dict[str, Any]],
) -> None:
    mail = environment_of(services["mail"], OPERATOR_ENVIRONMENT)
    api = environment_of(services["api"], OPERATOR_ENVIRONMENT)
    assert {k: v for k, v in mail.items() if k not in MAIL_SETTINGS} == api
    assert (mail["INDGANG_MAILBOXES"], mail["INDGANG_SMTP"]) == ("[]", "null")


def test_the_mail_environment_passes_production_validation_with_the_operators_mailboxes(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = {**OPERATOR_ENVIRONMENT, "INDGANG_MAILBOXES": MAILBOXES}
    env = environment_of(services["mail"], operator)
    for key in list(os.environ):
        if key.startswith("INDGANG_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert [mailbox.name for mailbox in settings.mailboxes] == ["borgerservice"]
    assert settings.smtp is None
    assert not settings.uses_embedded_broker


def test_the_mail_connector_serves_metrics_on_the_compose_network_only(
    services: dict[str, dict[str, Any]],
) -> None:
    mail = services["mail"]
    assert mail["command"] == ["mail", "--metrics-port", "8082", "--metrics-host", "0.0.0.0"]
    assert "ports" not in mail
