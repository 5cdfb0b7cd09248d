"""Shared test set-up: the repository root and a region for boto3 clients made at import time."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
