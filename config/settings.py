"""The one settings object: environment variables over an optional YAML file over defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from models.errors import ConfigError

DEV_SECRET = "indgang-dev-secret"
# The local development bot client's secret: `indgang send` signs with it out of the box.
DEV_BOT_SECRET = "indgang-local-dev-bot-secret"
PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "change-me", "secret", DEV_SECRET, DEV_BOT_SECRET, "indgang-dev-citizen-key"}
)


class BotClient(BaseModel):
    """A chat- or voicebot allowed to post inquiries; it signs with its own secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    secret: SecretStr
    # Where decisions of asynchronous requests are delivered; none means the client polls.
    callback_url: HttpUrl | None = None


class Mailbox(BaseModel):
    """A shared mailbox watched over IMAP."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    host: str
    port: int = Field(default=993, ge=1, le=65535)
    tls: bool = True
    username: str
    password: SecretStr
    folder: str = "INBOX"
    # Processed mail is moved here, only after its inquiry is durable.
    processed_folder: str = "Indgang/Behandlet"
    # Copies of Indgang's own receipts (SmtpServer.copy_to) are filed here, not taken in.
    receipts_folder: str = "Indgang/Kvitteringer"
    # Auto-replies to and bounces of Indgang's own receipts are filed here, not taken in.
    machine_replies_folder: str = "Indgang/Automatisk"


class SmtpServer(BaseModel):
    """Where receipts and answers to mailed inquiries are sent from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    # SMTP cannot say whether a mail was taken when the sender died between the final dot and
    # the server's reply. Sending each receipt in the same transaction to a watched mailbox too
    # lets its copy settle that doubt; without one, a doubtful receipt is sent again.
    copy_to: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    # How long a receipt in doubt waits for its copy before it is sent again.
    confirm_within_s: float = Field(default=300.0, gt=0)


class Settings(BaseSettings):
    """Everything Indgang reads from its environment, validated once and passed in."""

    model_config = SettingsConfigDict(
        env_prefix="INDGANG_", env_ignore_empty=True, extra="forbid", frozen=True
    )

    environment: Literal["local", "test", "production"] = "local"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # JSON lines for log shippers; "text" reads better at a terminal. Both are redacted.
    log_format: Literal["json", "text"] = "json"

    # Kafka: unset means "start the embedded Tansu broker".
    kafka_bootstrap_servers: str | None = None
    topic_prefix: str = Field(default="indgang", pattern=r"^[a-z][a-z0-9_.-]*$")
    topic_partitions: int = Field(default=4, ge=1, le=256)
    topic_replication_factor: int = Field(default=1, ge=1, le=5)
    # Tansu answers a JoinGroup after half the session timeout; Kafka refuses sessions under 6 s.
    consumer_session_timeout_s: float = Field(default=6.0, ge=6.0, le=300.0)
    consumer_heartbeat_s: float = Field(default=2.0, gt=0.0)
    # Tansu holds a fetch for this long even when records are there (streams/fast_fetch.py).
    # 5, not 20: at 100 webhook requests/s the median answer fell from 72 to 51 ms; an idle
    # worker then fetches 200 times a second, which Kafka answers at once when records are there.
    consumer_fetch_max_wait_ms: int = Field(default=5, ge=1, le=1500)
    worker_batch_size: int = Field(default=200, ge=1, le=10_000)
    # Short: below capacity every item waits this long for company (3 ms: p99 35 ms at 200/s,
    # 10 ms: 59 ms); under a backlog batches fill at once whatever it is.
    worker_batch_wait_s: float = Field(default=0.003, gt=0.0, le=5.0)
    # Processes that classify, route and redact beside the worker's event loop and ledger
    # writes; 0 does it on a thread of the worker itself (less memory, about half the speed).
    worker_decide_processes: int = Field(default=1, ge=0, le=32)

    database_url: str = "sqlite:///var/indgang.db"
    data_dir: Path = Path("var")

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)

    # An inquiry accepted but not decided after this long is published again.
    redelivery_after_s: float = Field(default=30.0, gt=0.0)
    redelivery_interval_s: float = Field(default=5.0, gt=0.0)
    # How long an Idempotency-Key stays bound: far beyond any bot's retries, and then forgotten
    # so the table does not grow with every request for ever.
    idempotency_key_ttl_h: float = Field(default=24.0, gt=0.0)
    # The dashboard locks a user name for a while after this many failed sign-ins in a row.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_s: float = Field(default=900.0, gt=0.0)

    catalogue_dir: Path | None = None
    model_path: Path | None = None

    secret_key: SecretStr = SecretStr(DEV_SECRET)
    # Operators' dashboard sessions (signed cookies with secret_key).
    session_max_age_s: int = Field(default=8 * 3600, ge=60)

    # Bot clients by webhook: signed requests, replay window, synchronous answers, callbacks.
    bot_clients: list[BotClient] = Field(
        default_factory=lambda: [BotClient(id="local-dev", secret=SecretStr(DEV_BOT_SECRET))]
    )
    signature_max_age_s: int = Field(default=300, ge=1, le=3600)
    # A bot's `received_at` (or a call event's `at`) further ahead of our clock is refused (422):
    # the queue's age and the due time count from it. Old times are accepted.
    received_at_max_ahead_s: int = Field(default=300, ge=0, le=3600)
    sync_wait_s: float = Field(default=8.0, gt=0.0, le=60.0)
    callback_attempts: int = Field(default=6, ge=1, le=50)
    callback_backoff_s: float = Field(default=2.0, gt=0.0)

    # Pseudonymous citizen keys for first-contact resolution: HMAC-SHA256 with this secret.
    citizen_key_secret: SecretStr = SecretStr("indgang-dev-citizen-key")
    repeat_contact_days: int = Field(default=7, ge=1, le=90)

    # Shared mailboxes (IMAP) and the SMTP server that sends receipts; none by default.
    mailboxes: list[Mailbox] = Field(default_factory=list)
    smtp: SmtpServer | None = None
    mail_poll_s: float = Field(default=30.0, gt=0.0)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.consumer_heartbeat_s * 3 > self.consumer_session_timeout_s:
            raise ValueError("consumer_heartbeat_s must be at most a third of the session timeout")
        if self.environment == "production" and self.kafka_bootstrap_servers is None:
            raise ValueError("production needs INDGANG_KAFKA_BOOTSTRAP_SERVERS")
        if self.environment == "production":
            placeholders = [
                name
                for name, value in (
                    ("secret_key", self.secret_key),
                    ("citizen_key_secret", self.citizen_key_secret),
                    *((f"bot_clients[{c.id}].secret", c.secret) for c in self.bot_clients),
                )
                if value.get_secret_value() in PLACEHOLDER_SECRETS
            ]
            if placeholders:
                raise ValueError(
                    "; ".join(f"{name}: placeholder secret" for name in placeholders)
                    + "; set real secrets in production"
                )
        if len({c.id for c in self.bot_clients}) != len(self.bot_clients):
            raise ValueError("bot_clients: two clients share an id")
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
