"""The real classifier, created once for the verification tests as the Lambda creates it once per container."""

from pathlib import Path

import pytest

from ecopulse.verification.classifier import WasteClassifier

MODEL_DIR = Path(__file__).resolve().parents[3] / "layers" / "model"


@pytest.fixture(scope="session")
def classifier() -> WasteClassifier:
    return WasteClassifier(MODEL_DIR)
