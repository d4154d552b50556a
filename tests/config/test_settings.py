"""Settings: environment over a YAML file over defaults, and unsafe combinations refused."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from config.settings import load_settings
from models.errors import ConfigError

WriteSettings = Callable[..., Path]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's or CI's INDGANG_* variables out of every test."""
    for name in list(os.environ):
        if name.upper().startswith("INDGANG_"):
            monkeypatch.delenv(name)


@pytest.fixture
def settings_file(tmp_path: Path) -> WriteSettings:
    """Write a YAML settings file with the given keys and return its path."""

    def write(**values: object) -> Path:
        path = tmp_path / "indgang.yaml"
        path.write_text(yaml.safe_dump(values), encoding="utf-8")
        return path

    return write


def test_defaults_start_the_embedded_broker_locally() -> None:
    """With nothing configured, Indgang runs on its own with Tansu."""
    settings = load_settings()
    assert settings.uses_embedded_broker
    assert settings.environment == "local"
    assert settings.http_port == 8080


def test_configured_bootstrap_servers_turn_the_embedded_broker_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pointing at a Kafka cluster means Indgang must not start its own."""
    monkeypatch.setenv("INDGANG_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    assert not load_settings().uses_embedded_broker


def test_settings_file_overrides_defaults(settings_file: WriteSettings) -> None:
    """A deployment's YAML file replaces defaults key by key."""
    settings = load_settings(config_file=settings_file(http_port=9000, log_level="DEBUG"))
    assert (settings.http_port, settings.log_level) == (9000, "DEBUG")
    assert settings.topic_prefix == "indgang"


def test_environment_overrides_settings_file(
    monkeypatch: pytest.MonkeyPatch, settings_file: WriteSettings
) -> None:
    """An operator can change one value without editing the file."""
    monkeypatch.setenv("INDGANG_HTTP_PORT", "9100")
    settings = load_settings(config_file=settings_file(http_port=9000, log_level="DEBUG"))
    assert settings.http_port == 9100
    assert settings.log_level == "DEBUG"


def test_missing_settings_file_stops_startup_naming_the_file(tmp_path: Path) -> None:
    """A named file that is not there is a deployment mistake, not a reason to use defaults."""
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError, match=rf"{re.escape(str(missing))}: settings file not found"):
        load_settings(config_file=missing)


def test_bad_value_in_settings_file_stops_startup_naming_file_and_key(
    settings_file: WriteSettings,
) -> None:
    """The error says which file and which key to fix."""
    path = settings_file(http_port=0)
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}: http_port"):
        load_settings(config_file=path)


def test_unknown_key_in_settings_file_stops_startup(settings_file: WriteSettings) -> None:
    """A misspelt key would otherwise be ignored and its default silently used."""
    path = settings_file(http_prot=9000)
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}: http_prot"):
        load_settings(config_file=path)


def test_bad_environment_value_stops_startup_naming_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a file, the error points at the INDGANG_* variables."""
    monkeypatch.setenv("INDGANG_HTTP_PORT", "not-a-port")
    with pytest.raises(ConfigError, match=r"environment \(INDGANG_\*\): http_port"):
        load_settings()


@pytest.mark.parametrize("placeholder", ["indgang-dev-secret", "changethis", "secret"])
def test_production_with_a_placeholder_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, placeholder: str
) -> None:
    """A well-known secret in production would let anyone sign requests."""
    monkeypatch.setenv("INDGANG_ENVIRONMENT", "production")
    monkeypatch.setenv("INDGANG_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("INDGANG_SECRET_KEY", placeholder)
    with pytest.raises(ConfigError, match="secret_key: placeholder secret"):
        load_settings()


def test_production_with_the_default_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forgetting to set a secret at all is the same mistake."""
    monkeypatch.setenv("INDGANG_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    with pytest.raises(ConfigError, match="secret_key: placeholder secret"):
        load_settings(environment="production")


def test_production_with_a_real_secret_and_kafka_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal is about placeholders, not about production itself."""
    monkeypatch.setenv("INDGANG_ENVIRONMENT", "production")
    monkeypatch.setenv("INDGANG_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("INDGANG_SECRET_KEY", "a-long-random-value-from-the-vault")
    monkeypatch.setenv("INDGANG_CITIZEN_KEY_SECRET", "another-long-random-value")
    monkeypatch.setenv(
        "INDGANG_BOT_CLIENTS", '[{"id": "muni-chat", "secret": "a-third-long-random-value"}]'
    )
    settings = load_settings()
    assert settings.environment == "production"
    assert not settings.uses_embedded_broker


def test_production_with_the_development_bot_client_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The local development client's secret is public: a production bot must not use it."""
    monkeypatch.setenv("INDGANG_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("INDGANG_SECRET_KEY", "a-long-random-value-from-the-vault")
    monkeypatch.setenv("INDGANG_CITIZEN_KEY_SECRET", "another-long-random-value")
    with pytest.raises(ConfigError, match=r"bot_clients\[local-dev\]\.secret: placeholder"):
        load_settings(environment="production")


def test_two_bot_clients_with_one_id_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client id picks the secret a signature is checked with, so it must be unique."""
    monkeypatch.setenv(
        "INDGANG_BOT_CLIENTS",
        '[{"id": "chat", "secret": "one-secret-value"}, {"id": "chat", "secret": "other-value"}]',
    )
    with pytest.raises(ConfigError, match="two clients share an id"):
        load_settings()


def test_production_without_kafka_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded broker is for development; production must name its cluster."""
    monkeypatch.setenv("INDGANG_SECRET_KEY", "a-long-random-value-from-the-vault")
    with pytest.raises(ConfigError, match="production needs INDGANG_KAFKA_BOOTSTRAP_SERVERS"):
        load_settings(environment="production")


def test_heartbeat_over_a_third_of_the_session_is_refused(settings_file: WriteSettings) -> None:
    """Fewer than three heartbeats per session lets one lost beat evict a healthy consumer."""
    path = settings_file(consumer_session_timeout_s=6.0, consumer_heartbeat_s=2.5)
    with pytest.raises(ConfigError, match="at most a third of the session timeout"):
        load_settings(config_file=path)


def test_heartbeat_of_exactly_a_third_of_the_session_is_accepted() -> None:
    """The limit itself is allowed."""
    settings = load_settings(consumer_session_timeout_s=9.0, consumer_heartbeat_s=3.0)
    assert settings.consumer_heartbeat_s == 3.0
