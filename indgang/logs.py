"""Logging set-up for every Indgang process."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    """Plain, timestamped lines on stderr; messages never carry inquiry text."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"
    )
    # aiokafka logs a line per connection retry; those are noise while a broker restarts.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLevelName(level)))
