"""Fixtures for the catalogue and knowledge-base tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.catalogue import DEFAULT_CATALOGUE_DIR

FACTS_FILE = Path(__file__).parents[2].parent / "shared" / "CATALOGUE-FACTS.md"

Edit = Callable[[dict[str, Any]], None]
EditCatalogue = Callable[[str, Edit], Path]


@pytest.fixture
def facts() -> str:
    """CATALOGUE-FACTS.md, the only place a phone number, link or deadline may come from."""
    if not FACTS_FILE.is_file():
        pytest.skip(f"{FACTS_FILE} is not available")
    return FACTS_FILE.read_text(encoding="utf-8")


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    """A private copy of config/data that a test may break."""
    directory = tmp_path / "data"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, directory)
    return directory


@pytest.fixture
def edit_catalogue(catalogue_copy: Path) -> EditCatalogue:
    """Apply one edit to one file of a catalogue copy and return the copy's directory."""

    def edit(file_name: str, change: Edit) -> Path:
        path = catalogue_copy / file_name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return catalogue_copy

    return edit
