"""A logging filter that redacts personal data before any handler writes a record."""

from __future__ import annotations

import logging

from classifiers.redaction import redact


class RedactingFilter(logging.Filter):
    """Replace CPR, phone, case numbers and mail addresses in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; never drops a record."""
        # Format first: personal data usually arrives in %s args, and redacting each arg
        # alone would miss a number split between the template and an arg.
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # logging would print the raw msg and args in its error report; redact those.
            message = f"{record.msg!s} (arguments that did not fit: {record.args!r})"
        record.msg = redact(message)
        record.args = None
        return True


def install_redacting_filter(logger: logging.Logger | None = None) -> None:
    """Attach one RedactingFilter to every handler of logger (the root logger by default)."""
    # On handlers, not the logger: a logger's filters skip records propagated from children.
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
