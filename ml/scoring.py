"""The model's preprocessing for ml/export.py: the production implementation, not a copy.

``ecopulse.verification`` (layers/core) is the one implementation of what the model sees, so the int8
calibration sees exactly what the Lambda does. export.py runs in its own venv without the app installed, so
this module puts layers/core on the import path (the modules it needs use only numpy and Pillow) and adapts
the production steps to the in-memory PIL images export.py calibrates with. ml/evaluate.py imports the
production modules directly.
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "core"))

from ecopulse.verification.image import MODEL_SHORT_SIDE, read_exif, scaled_to_short_side, upright_rgb  # noqa: E402
from ecopulse.verification.scoring import CROP_SIZE, PIXEL_MEAN, PIXEL_SCALE, model_input  # noqa: E402

RESIZE_SHORT_SIDE = MODEL_SHORT_SIDE
__all__ = ["CROP_SIZE", "PIXEL_MEAN", "PIXEL_SCALE", "RESIZE_SHORT_SIDE", "preprocess"]


def preprocess(image: Image.Image) -> np.ndarray:
    """A PIL image to the model's (1, 3, 224, 224) float32 input, through the Lambda's own steps."""
    upright = upright_rgb(image, read_exif(image).orientation)
    return model_input(scaled_to_short_side(upright, MODEL_SHORT_SIDE))
