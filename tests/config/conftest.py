"""Fixtures for the catalogue and knowledge-base tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FACTS_FILE = Path(__file__).parents[2].parent / "shared" / "CATALOGUE-FACTS.md"


@pytest.fixture
def facts() -> str:
    """CATALOGUE-FACTS.md, the only place a phone number, link or deadline may come from."""
    if not FACTS_FILE.is_file():
        pytest.skip(f"{FACTS_FILE} is not available")
    return FACTS_FILE.read_text(encoding="utf-8")
