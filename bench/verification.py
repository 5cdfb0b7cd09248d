"""Photo verification speed on one core: decode, signals, inference and the whole verify_photo per image, cold
start (imports + session creation) and the model files' sizes.

Run: .venv/bin/python bench/verification.py [--runs 40]

The photos are real ones (scikit-image's coffee and astronaut) upscaled to phone sizes with a little sensor-like
noise and saved at JPEG quality 95 with camera EXIF, so they decode like phone photos (a 12-MP one is ~3 MB);
the 12-MP one is also saved as an iPhone saves HEIC, in 512-px tiles. The duplicate index is in memory: in AWS
its four DynamoDB queries and one batch write come on top.
"""

import argparse
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skimage_data
from stats import Rows, print_table, spread

from ecopulse.verification.classifier import MODEL_FILE, WasteClassifier
from ecopulse.verification.duplicates import PhotoMatch, PhotoRecord, distance_to
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.hashing import hash_variants
from ecopulse.verification.image import MODEL_SHORT_SIDE, load_photo
from ecopulse.verification.service import DEFAULT_POLICY, PhotoContext, photo_signals, verify_photo

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "layers" / "model"
MODEL_FILES = ("efficientnet_lite0.onnx", "efficientnet_lite0.int8.onnx", "imagenet_labels.json", "waste_classes.json")
INT8_FILE = "efficientnet_lite0.int8.onnx"
SUBMITTED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LAHORE = GeoPoint(31.5204, 74.3587)
COLD_START = """
import time
start = time.perf_counter()
from ecopulse.verification.classifier import WasteClassifier
from ecopulse.verification.service import verify_photo
imported = time.perf_counter()
WasteClassifier({model_dir!r})
created = time.perf_counter()
print((imported - start) * 1000, (created - imported) * 1000)
"""


class MemoryIndex:
    def __init__(self) -> None:
        self.records: dict[str, PhotoRecord] = {}

    def find_near(self, tenant: str, phash: int, max_distance: int) -> list[PhotoMatch]:
        found = [
            PhotoMatch(r.photo_key, r.submission_id, r.user_id, r.phash, distance_to(phash, r.variants), r.created_at)
            for r in self.records.values()
            if r.tenant == tenant
        ]
        return [match for match in found if match.distance <= max_distance]

    def remember(self, record: PhotoRecord) -> None:
        self.records[record.photo_key] = record


def phone_picture(pixels: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """A real photo upscaled to a phone's size, with noise so it compresses like a sensor's output."""
    upscaled = np.asarray(Image.fromarray(pixels).convert("RGB").resize(size, Image.Resampling.BICUBIC), np.float32)
    noisy = upscaled + np.random.default_rng(0).normal(0, 3, upscaled.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def camera_exif(make: str, model: str) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    exif.get_ifd(0x8769)[0x9003] = (SUBMITTED - timedelta(hours=1)).strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(0x8769)[0x9011] = "+00:00"
    return exif


def phone_jpeg(pixels: np.ndarray, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    phone_picture(pixels, size).save(buffer, "JPEG", quality=95, exif=camera_exif("Google", "Pixel 8"))
    return buffer.getvalue()


def phone_heic(pixels: np.ndarray, size: tuple[int, int]) -> bytes:
    """HEIC the way an iPhone stores it: 512-px tiles, the camera's EXIF, about 1.5 MB for 12 MP."""
    buffer = io.BytesIO()
    exif = camera_exif("Apple", "iPhone 15 Pro").tobytes()
    phone_picture(pixels, size).save(buffer, "HEIF", quality=55, tile_size=512, exif=exif)
    return buffer.getvalue()


def libjpeg_alone(data: bytes) -> None:
    """Pillow's JPEG decoding at the DCT scale load_photo picks and nothing else: the floor under "decode",
    nearly all of it libjpeg-turbo's entropy decoding, which reads the whole file at any scale."""
    image = Image.open(io.BytesIO(data), formats=["JPEG"])
    image.draft("RGB", (MODEL_SHORT_SIDE, MODEL_SHORT_SIDE))
    image.load()


def timed(action, runs: int) -> list[float]:
    action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def cold_start(runs: int) -> tuple[list[float], list[float]]:
    imports, sessions = [], []
    for _ in range(runs):
        script = COLD_START.format(model_dir=str(MODEL_DIR))
        output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        imported, created = map(float, output.split())
        imports.append(imported)
        sessions.append(created)
    return imports, sessions


def measure(runs: int = 40, cold_runs: int = 5) -> Rows:
    """Pinned to one core, as a Lambda of this size gets; the process's cores are given back afterwards."""
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        return _measure_on_one_core(runs, cold_runs)
    finally:
        os.sched_setaffinity(0, cores)


def _measure_on_one_core(runs: int, cold_runs: int) -> Rows:
    classifier, int8 = WasteClassifier(MODEL_DIR), WasteClassifier(MODEL_DIR, INT8_FILE)
    images = {
        "12-MP JPEG 4032x3024": phone_jpeg(skimage_data.coffee(), (4032, 3024)),
        "1-MP JPEG 1152x864": phone_jpeg(skimage_data.astronaut(), (1152, 864)),
        "12-MP HEIC 4032x3024": phone_heic(skimage_data.coffee(), (4032, 3024)),
    }
    rows = {}
    for name, data in images.items():
        index = MemoryIndex()
        photo = load_photo(data, DEFAULT_POLICY.max_bytes, DEFAULT_POLICY.max_pixels)
        context = PhotoContext(
            "bench",
            "alice",
            "sub-00000001",
            "uploads/bench/alice/sub-00000001/report.jpg",
            SUBMITTED,
            report_location=LAHORE,
        )
        label = f"{name} ({len(data) / 1e6:.1f} MB)"
        stages = {
            "decode": lambda data=data: load_photo(data, DEFAULT_POLICY.max_bytes, DEFAULT_POLICY.max_pixels),
        }
        if photo.format == "JPEG":
            stages["decode, libjpeg-turbo alone at that scale"] = lambda data=data: libjpeg_alone(data)
        stages |= {
            "signals + hash": lambda photo=photo, context=context: (
                photo_signals(photo, context, DEFAULT_POLICY),
                hash_variants(photo.view),
            ),
            "inference": lambda photo=photo: classifier.run(photo.view),
            "inference, int8 file (not shipped)": lambda photo=photo: int8.run(photo.view),
            "verify_photo (whole)": lambda data=data, context=context, index=index: verify_photo(
                data, context, classifier, index, lambda: SUBMITTED
            ),
        }
        for stage, action in stages.items():
            rows[f"{label}: {stage} (ms)"] = spread(timed(action, runs))

    imports, sessions = cold_start(cold_runs)
    rows["cold start: imports (ms)"] = spread(imports)
    rows[f"cold start: session creation, {'int8' if MODEL_FILE == INT8_FILE else 'fp32'} (ms)"] = spread(sessions)
    rows["cold start: total (ms)"] = spread([a + b for a, b in zip(imports, sessions, strict=True)])
    for name in MODEL_FILES:
        size = (MODEL_DIR / name).stat().st_size
        rows[f"file {name} ({'MB' if size >= 1e6 else 'kB'})"] = {"value": size / 1e6 if size >= 1e6 else size / 1e3}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs per image and stage")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes for the cold start")
    args = parser.parse_args()
    rows = measure(args.runs, args.cold_runs)
    print(f"1 core, {args.runs} runs per stage, onnxruntime intra-op threads 1")
    print_table(rows, ("p50", "p95", "value"))
    print("aims at p50: inference <= 10 ms, whole verify_photo <= 60 ms (a 12-MP JPEG <= 25 ms); cold start <= 1 s")


if __name__ == "__main__":
    main()
