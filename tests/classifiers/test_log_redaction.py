"""Personal data is redacted from every log line an Indgang process writes."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from classifiers.log_redaction import RedactingFilter, install_redacting_filter

CPR_NUMBER = "170325-1423"


@pytest.fixture
def bare_root_logger(monkeypatch: pytest.MonkeyPatch) -> logging.Logger:
    """Give the test a root logger without pytest's handlers, as a fresh process has."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    return root


@pytest.fixture
def make_mail() -> Callable[..., str]:
    """Return a factory for citizen mail bodies carrying a CPR number."""

    def make(cpr: str = CPR_NUMBER, phone: str = "51 24 88 30") -> str:
        return f"Hej\n\nMin søn har CPR {cpr}, ring på {phone}.\n\nMvh Hanne"

    return make


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """Return a logger writing through a redacting handler into a buffer."""
    buffer = io.StringIO()
    logger = logging.getLogger("test.log_redaction")
    handler = logging.StreamHandler(buffer)
    logger.addHandler(handler)
    install_redacting_filter(logger)
    yield logger, buffer
    logger.removeHandler(handler)


def test_cpr_number_in_a_mail_never_reaches_a_log_line(
    tmp_path: Path, make_mail: Callable[..., str]
) -> None:
    # A process of its own: pytest's capture handlers would otherwise stop basicConfig.
    script = (
        "import logging, sys\n"
        "from indgang.logs import configure_logging\n"
        "configure_logging('INFO')\n"
        "log = logging.getLogger('indgang.test')\n"
        "log.info('could not route mail %s: %s', 'm-1', sys.argv[1])\n"
    )
    log_file = tmp_path / "stderr.log"
    with log_file.open("w", encoding="utf-8") as stderr:
        subprocess.run([sys.executable, "-c", script, make_mail()], stderr=stderr, check=True)
    line = log_file.read_text(encoding="utf-8")
    assert "could not route mail m-1" in line
    assert "170325" not in line
    assert "1423" not in line
    assert "[CPR]" in line
    assert "[TELEFON]" in line


def test_a_number_split_between_template_and_argument_is_still_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = captured
    logger.warning("CPR 170325-%s", "1423")
    assert buffer.getvalue() == "CPR [CPR]\n"


def test_a_log_call_with_wrong_arguments_neither_raises_nor_leaks(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = captured
    logger.error("mail from %s and %s", "anne@example.dk")
    assert "anne@example.dk" not in buffer.getvalue()
    assert "[EMAIL]" in buffer.getvalue()


def test_installing_twice_adds_one_filter_per_handler(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, _ = captured
    install_redacting_filter(logger)
    filters = logger.handlers[0].filters
    assert sum(isinstance(f, RedactingFilter) for f in filters) == 1


def test_records_from_child_loggers_are_redacted_by_the_root_handlers(
    bare_root_logger: logging.Logger, make_mail: Callable[..., str]
) -> None:
    buffer = io.StringIO()
    bare_root_logger.addHandler(logging.StreamHandler(buffer))
    install_redacting_filter()
    logging.getLogger("streams.worker.deep").error("%s", make_mail(cpr="2303611348"))
    assert "2303611348" not in buffer.getvalue()
    assert "[CPR]" in buffer.getvalue()
