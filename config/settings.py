"""The one settings object: environment variables over an optional YAML file over defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from models.errors import ConfigError

PLACEHOLDER_SECRETS = frozenset({"changethis", "change-me", "secret", "indgang-dev-secret"})
DEV_SECRET = "indgang-dev-secret"


class Settings(BaseSettings):
    """Everything Indgang reads from its environment, validated once and passed in."""

    model_config = SettingsConfigDict(
        env_prefix="INDGANG_", env_ignore_empty=True, extra="forbid", frozen=True
    )

    environment: Literal["local", "test", "production"] = "local"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Kafka: unset means "start the embedded Tansu broker".
    kafka_bootstrap_servers: str | None = None
    topic_prefix: str = Field(default="indgang", pattern=r"^[a-z][a-z0-9_.-]*$")
    topic_partitions: int = Field(default=4, ge=1, le=256)
    topic_replication_factor: int = Field(default=1, ge=1, le=5)
    # Tansu answers a JoinGroup after half the session timeout; Kafka refuses sessions under 6 s.
    consumer_session_timeout_s: float = Field(default=6.0, ge=6.0, le=300.0)
    consumer_heartbeat_s: float = Field(default=2.0, gt=0.0)
    worker_batch_size: int = Field(default=200, ge=1, le=10_000)
    worker_batch_wait_s: float = Field(default=0.05, gt=0.0, le=5.0)

    database_url: str = "sqlite:///var/indgang.db"
    data_dir: Path = Path("var")

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)

    # An inquiry accepted but not decided after this long is published again.
    redelivery_after_s: float = Field(default=30.0, gt=0.0)
    redelivery_interval_s: float = Field(default=5.0, gt=0.0)

    catalogue_dir: Path | None = None
    model_path: Path | None = None

    secret_key: SecretStr = SecretStr(DEV_SECRET)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.consumer_heartbeat_s * 3 > self.consumer_session_timeout_s:
            raise ValueError("consumer_heartbeat_s must be at most a third of the session timeout")
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() in PLACEHOLDER_SECRETS
        ):
            raise ValueError("secret_key is a placeholder; set INDGANG_SECRET_KEY in production")
        if self.environment == "production" and self.kafka_bootstrap_servers is None:
            raise ValueError("production needs INDGANG_KAFKA_BOOTSTRAP_SERVERS")
        return self

    @property
    def uses_embedded_broker(self) -> bool:
        """True when no Kafka is configured and Indgang starts Tansu itself."""
        return self.kafka_bootstrap_servers is None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Build and validate the settings, raising ConfigError that names the file and key."""
    cls: type[Settings] = Settings
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: settings file not found")

        class _FromFile(Settings):
            model_config = SettingsConfigDict(**{**Settings.model_config, "yaml_file": config_file})

        cls = _FromFile
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        where = str(config_file) if config_file else "environment (INDGANG_*)"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise ConfigError(f"{where}: {problems}") from exc
