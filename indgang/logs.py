"""Logging set-up for every Indgang process."""

from __future__ import annotations

import logging

from classifiers.log_redaction import install_redacting_filter


def configure_logging(level: str) -> None:
    """Plain, timestamped lines on stderr, with personal data redacted from every line."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"
    )
    # Messages should never carry inquiry text; when one does anyway, no CPR number leaks.
    install_redacting_filter()
    # aiokafka logs a line per connection retry and spaCy one per pipeline built: noise.
    for noisy in ("aiokafka", "spacy"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
