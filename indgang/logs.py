"""Logging set-up for every Indgang process: one redacted handler, JSON lines or plain text."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

from classifiers.log_redaction import install_redacting_filter
from classifiers.redaction import redact

LogFormat = Literal["json", "text"]
# Fields a log call may pass with `extra=`; they become JSON fields. Only ids and labels from
# fixed sets belong here, never text: the inquiry's words stay in the ledger.
CONTEXT_FIELDS = ("inquiry_id", "channel", "action", "queue", "department", "topic")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line; every free-text part redacted."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            # The handler's RedactingFilter did this already; a handler without it must not leak.
            "message": redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                # A client chooses its inquiry ids, and one may have put a CPR number in it.
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        """The traceback, redacted: exception messages quote the values they refused."""
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 (logging's name)
        """The stack, redacted."""
        return redact(super().formatStack(stack_info))


class TextFormatter(logging.Formatter):
    """Plain timestamped lines for reading at a terminal, tracebacks redacted."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        """The traceback, redacted."""
        return redact(super().formatException(ei))


def logging_config(*, level: str, fmt: LogFormat) -> dict[str, Any]:
    """The dictConfig of every process; the Faust worker hands it to mode, which clears ours."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if fmt == "json" else {"()": TextFormatter, "format": TEXT_FORMAT}
    )
    quiet = logging.getLevelName(max(logging.WARNING, logging.getLevelName(level)))
    return {
        "version": 1,
        # Loggers made at import time (every module's `log`) must keep logging.
        "disable_existing_loggers": False,
        "formatters": {"indgang": formatter},
        "filters": {"redact": {"()": "classifiers.log_redaction.RedactingFilter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "indgang",
                "filters": ["redact"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        # aiokafka logs a line per connection retry and spaCy one per pipeline built: noise.
        "loggers": {name: {"level": quiet} for name in ("aiokafka", "spacy")},
    }


def configure_logging(level: str, fmt: LogFormat = "json") -> None:
    """Every record of the process through one handler on stderr, redacted, as `fmt`."""
    logging.config.dictConfig(logging_config(level=level, fmt=fmt))
    # Handlers someone added before (none in our processes) get the filter too.
    install_redacting_filter()
