"""Shared test set-up: the repository root and a region for boto3 clients made at import time."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


SYSTEM_SUITES = (ROOT / "tests" / "integration", ROOT / "tests" / "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Suites that need emulators or the running system are marked ``system``: a bare ``pytest`` runs only the
    in-process ones, ``scripts/test`` runs all."""
    for item in items:
        if any(item.path.is_relative_to(suite) for suite in SYSTEM_SUITES):
            item.add_marker(pytest.mark.system)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
