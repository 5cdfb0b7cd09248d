"""Preprocessing and waste-type scoring for the EfficientNet-Lite0 ONNX model.

Kept to numpy + Pillow so the Lambda can mirror it exactly; any change here
changes what the model sees and must be repeated in the app package.
"""

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

RESIZE_SHORT_SIDE = 256
CROP_SIZE = 224
PIXEL_MEAN = 127.0
PIXEL_SCALE = 128.0
NOT_WASTE = "not_waste"
WASTE_TYPES = ("plastic", "glass", "metal", "paper", "organic", "e_waste", "mixed")


def preprocess(image: Image.Image) -> np.ndarray:
    """Turn a PIL image into the model's (1, 3, 224, 224) float32 input.

    EXIF orientation is applied first because phone uploads are often stored
    sideways. Resize uses Pillow's BILINEAR filter (antialiased on downscale),
    matching the calibration and evaluation runs.
    """
    image = ImageOps.exif_transpose(image).convert("RGB")
    width, height = image.size
    scale = RESIZE_SHORT_SIDE / min(width, height)
    size = (max(CROP_SIZE, round(width * scale)), max(CROP_SIZE, round(height * scale)))
    image = image.resize(size, Image.BILINEAR)
    left = (size[0] - CROP_SIZE) // 2
    top = (size[1] - CROP_SIZE) // 2
    image = image.crop((left, top, left + CROP_SIZE, top + CROP_SIZE))
    pixels = (np.asarray(image, dtype=np.float32) - PIXEL_MEAN) / PIXEL_SCALE
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])


def softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def load_waste_classes(path) -> dict:
    """Read {waste_type: [imagenet indices]}, skipping the "notes" entry."""
    data = json.loads(Path(path).read_text())
    return {waste_type: [int(i) for i in data[waste_type]] for waste_type in WASTE_TYPES}


def type_scores(probs: np.ndarray, waste_classes: dict) -> dict:
    """Sum the softmax mass of each waste type; the remainder is not_waste."""
    scores = {waste_type: float(probs[indices].sum()) for waste_type, indices in waste_classes.items()}
    scores[NOT_WASTE] = max(0.0, 1.0 - sum(scores.values()))
    return scores


def predict_type(logits: np.ndarray, waste_classes: dict) -> tuple:
    """Return (best type, its score, all scores) for one image's 1000 logits."""
    scores = type_scores(softmax(np.asarray(logits, dtype=np.float64).reshape(-1)), waste_classes)
    best = max(scores, key=scores.get)
    return best, scores[best], scores
