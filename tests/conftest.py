"""Session fixtures shared by every test module."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Return ../shared; skip where it is absent (a user's clone), but fail in CI, where it must exist."""
    if SHARED.is_dir():
        return SHARED
    if os.environ.get("CI"):
        pytest.fail(f"{SHARED} is missing: CI must run beside ../shared")
    pytest.skip("../shared is not present in this clone")


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The article the project began with, as shipped in corpus/."""
    return (ROOT / "corpus" / "h200-china-chips.txt").read_text(encoding="utf-8")
