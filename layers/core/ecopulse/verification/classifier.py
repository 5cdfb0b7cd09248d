"""EfficientNet-Lite0 on onnxruntime: ImageNet labels, EcoPulse waste types and a scene embedding per photo."""

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from ecopulse.verification.image import Photo
from ecopulse.verification.scoring import Classification, classification, load_waste_classes, model_input

# The fp32 model, not the int8 one beside it in the model layer: int8 runs in half the time (3.4 ms against 6 ms)
# but its waste decision (waste probability >= 0.5) agrees with fp32's on 96% of 926 bundled pictures and copies
# of them, short of the 99% it has to reach to replace fp32 (docs/model.md, ``ml/evaluate.py --decision-check``).
MODEL_FILE = "efficientnet_lite0.onnx"


def open_session(path: Path) -> ort.InferenceSession:
    """One intra-op thread, sequential: a Lambda's vCPU share gains nothing from more threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class WasteClassifier:
    """Create once per container (module scope in the handler): loading the session takes ~50 ms.

    ``model_dir`` holds the model layer's files: the verify function passes its ``MODEL_DIR`` setting, /opt,
    where Lambda mounts the layer (template.yaml). ``model_file`` is ``MODEL_FILE`` but for comparisons."""

    def __init__(self, model_dir: Path | str, model_file: str = MODEL_FILE) -> None:
        model_dir = Path(model_dir)
        self.labels: list[str] = json.loads((model_dir / "imagenet_labels.json").read_text())
        self.waste_classes = load_waste_classes(model_dir / "waste_classes.json")
        self.session = open_session(model_dir / model_file)
        self._input_name = self.session.get_inputs()[0].name

    def run(self, view: Image.Image) -> tuple[np.ndarray, np.ndarray]:
        """(logits, embedding) for one short-side-256 view."""
        logits, embedding = self.session.run(["logits", "embedding"], {self._input_name: model_input(view)})
        return logits[0], embedding[0]

    def classify(self, photo: Photo) -> Classification:
        return classification(*self.run(photo.view), self.labels, self.waste_classes)
