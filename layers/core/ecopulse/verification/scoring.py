"""The model's preprocessing and scoring: the one implementation, used by the Lambda and by ml/evaluate.py.

numpy and Pillow only; the onnxruntime session lives in ``classifier``. The I/O contract is in
layers/model/MODEL_CARD.json: short side resized to 256 px with Pillow BILINEAR (``Photo.view``), centre crop
224x224, (pixel - 127) / 128, NCHW RGB; a different filter or crop changes the scores.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ecopulse.waste import WasteType

CROP_SIZE = 224
PIXEL_MEAN = 127.0
PIXEL_SCALE = 128.0
TOP_LABELS = 5
NOT_WASTE = "not_waste"
WASTE_TYPES = tuple(waste_type.value for waste_type in WasteType)


@dataclass(frozen=True)
class LabelScore:
    index: int
    label: str
    probability: float


@dataclass(frozen=True)
class Classification:
    """What the model sees in a photo.

    ``type_scores`` holds the seven waste types and ``not_waste`` (summing to 1); ``waste_probability`` is
    1 - not_waste, the summed mass that separates waste from the rest better than the argmax does.
    ``embedding`` is the 1280-d pooled feature vector as little-endian float16 bytes (2.5 KB), kept for
    before/after comparison and a later learned head.
    """

    top_labels: tuple[LabelScore, ...]
    type_scores: dict[str, float]
    waste_type: str
    waste_probability: float
    embedding: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "top_labels": [
                {"index": s.index, "label": s.label, "probability": round(s.probability, 4)} for s in self.top_labels
            ],
            "type_scores": {name: round(score, 4) for name, score in self.type_scores.items()},
            "waste_type": self.waste_type,
            "waste_probability": round(self.waste_probability, 4),
        }


def model_input(view: Image.Image) -> np.ndarray:
    """Centre-crop 224x224 from the short-side-256 view and scale to the model's (1, 3, 224, 224) float32."""
    width, height = view.size
    left, top = (width - CROP_SIZE) // 2, (height - CROP_SIZE) // 2
    crop = view.crop((left, top, left + CROP_SIZE, top + CROP_SIZE))
    pixels = (np.asarray(crop, dtype=np.float32) - PIXEL_MEAN) / PIXEL_SCALE
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])


def softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    probabilities: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return probabilities


def load_waste_classes(path: Path) -> dict[str, list[int]]:
    """Read {waste type: [ImageNet indices]} from waste_classes.json, skipping its "notes"."""
    data = json.loads(Path(path).read_text())
    return {waste_type: [int(i) for i in data[waste_type]] for waste_type in WASTE_TYPES}


def type_scores(probabilities: np.ndarray, waste_classes: dict[str, list[int]]) -> dict[str, float]:
    """Sum the softmax mass of each waste type; the remainder is not_waste."""
    scores = {name: float(probabilities[indices].sum()) for name, indices in waste_classes.items()}
    scores[NOT_WASTE] = max(0.0, 1.0 - sum(scores.values()))
    return scores


def classification(
    logits: np.ndarray, embedding: np.ndarray, labels: list[str], waste_classes: dict[str, list[int]]
) -> Classification:
    """Score one image's 1000 logits (softmax in float64) and keep its embedding as float16."""
    probabilities = softmax(np.asarray(logits, dtype=np.float64).reshape(-1))
    top = np.argsort(-probabilities, kind="stable")[:TOP_LABELS]
    scores = type_scores(probabilities, waste_classes)
    return Classification(
        top_labels=tuple(LabelScore(int(i), labels[i], float(probabilities[i])) for i in top),
        type_scores=scores,
        waste_type=max(scores, key=scores.__getitem__),
        waste_probability=1.0 - scores[NOT_WASTE],
        embedding=np.asarray(embedding, dtype="<f2").tobytes(),
    )
