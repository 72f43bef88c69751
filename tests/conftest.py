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


@pytest.fixture(scope="session")
def seed_analysis(seed_text):
    """Every table of the seed article, analysed once per session (the review pages are built from it)."""
    import extract

    return extract.analyze(seed_text, source="h200-china-chips.txt")


# A test that runs the flow (it needs a Prefect server, directly or through a fixture that made a run) or a
# whole command in a subprocess is slow: `make test` deselects them, `make test-all` (and CI) runs them.
_SLOW_FIXTURES = {"prefect_api"}
_SLOW_MODULES = {"test_serve", "test_dask", "test_crash"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if uses & _SLOW_FIXTURES or item.module.__name__.rsplit(".", 1)[-1] in _SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
