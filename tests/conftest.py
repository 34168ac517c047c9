"""Shared test paths: the repository root and ``../shared`` beside it (CI keeps it there)."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` (vectors, manifests, research) relative to the repository root."""
    return SHARED
