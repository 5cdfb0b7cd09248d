"""Compare the fp32 and int8 ONNX models on real photos and generated images, through the Lambda's own code.

Every image goes through ecopulse.verification exactly as an upload does: its file bytes into ``load_photo``
(sniffing, EXIF orientation, reduced JPEG decoding, the 256-px view), then the model input and the scoring of
``ecopulse.verification.scoring``. Crops and generated images are handed over as PNG files. Needs only
onnxruntime, numpy and Pillow besides the app (scikit-image / scikit-learn and Debian's opencv-doc just supply
photo files; missing ones are skipped):

    python ml/evaluate.py                  # summary tables
    python ml/evaluate.py --verbose        # one line per image
    python ml/evaluate.py --decode-check   # also: reduced vs full JPEG decoding on 12-MP copies
    python ml/evaluate.py --hash-check     # also: are copies of the photos found in the duplicate index?
    python ml/evaluate.py --pair-check     # also: embedding similarity of same-scene and different photos
    python ml/evaluate.py --decision-check # also: int8 against fp32 on every bundled picture and copies of them
    python ml/evaluate.py --json out.json
"""

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import photos
from PIL import Image

from ecopulse.verification.classifier import WasteClassifier
from ecopulse.verification.duplicates import distance_to, hamming, hash_bands
from ecopulse.verification.facts import cosine_similarity
from ecopulse.verification.hashing import hash_variants
from ecopulse.verification.image import PhotoRejected, load_photo
from ecopulse.verification.scoring import NOT_WASTE, WASTE_TYPES, Classification, classification, model_input

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO_ROOT / "layers" / "model"
EVAL_SET = Path(__file__).resolve().parent / "eval_set.json"
MODELS = {"fp32": "efficientnet_lite0.onnx", "int8": "efficientnet_lite0.int8.onnx"}
GENERATED_SIZE = (320, 240)
PHONE_SIZE = (4032, 3024)
CONFIDENT = 0.5
WASTE_DECISION = 0.5  # a photo "shows waste" when its waste probability is at least this
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png")
DUPLICATE_DISTANCE = 8
SAME_PLACE_SIMILARITY = 0.65
# Two views of one scene each (stereo pairs, video frames, a second shot), all in Debian's opencv-doc.
SAME_SCENE_PAIRS = (
    ("leuvenA.jpg", "leuvenB.jpg"),
    ("aloeL.jpg", "aloeR.jpg"),
    ("basketball1.png", "basketball2.png"),
    ("rubberwhale1.png", "rubberwhale2.png"),
    ("graf1.png", "graf3.png"),
    ("aero1.jpg", "aero3.jpg"),
    ("Blender_Suzanne1.jpg", "Blender_Suzanne2.jpg"),
    ("left01.jpg", "right01.jpg"),
    ("left.jpg", "right.jpg"),
)
MAX_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 50_000_000


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _rgb(array: np.ndarray) -> Image.Image:
    return Image.fromarray(np.asarray(array).astype(np.uint8)).convert("RGB")


def generated_images() -> list:
    """Images with no object in them: every one should come out not_waste."""
    width, height = GENERATED_SIZE
    rng = np.random.default_rng(20240601)
    colours = {
        "white": (255, 255, 255),
        "black": (0, 0, 0),
        "grey": (128, 128, 128),
        "red": (220, 30, 30),
        "green": (40, 170, 60),
        "blue": (30, 60, 200),
        "yellow": (240, 220, 40),
        "brown": (120, 80, 40),
    }
    x = np.linspace(0, 255, width, dtype=np.float32)[np.newaxis, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, np.newaxis].repeat(width, 1)
    radius = np.hypot(x - 127.5, y - 127.5)
    items = [(f"solid-{name}", Image.new("RGB", GENERATED_SIZE, rgb)) for name, rgb in colours.items()]
    items += [
        ("noise-uniform-rgb", _rgb(rng.integers(0, 256, (height, width, 3)))),
        ("noise-uniform-grey", _rgb(rng.integers(0, 256, (height, width)))),
        ("noise-gaussian", _rgb(np.clip(rng.normal(128, 40, (height, width, 3)), 0, 255))),
        ("gradient-horizontal", _rgb(x)),
        ("gradient-vertical", _rgb(y)),
        ("gradient-colour", _rgb(np.stack([x, y, 255 - x], axis=-1))),
        ("gradient-radial", _rgb(255 * radius / radius.max())),
    ]
    return [{"ref": f"generated:{name}", "expected": NOT_WASTE, "data": png_bytes(image)} for name, image in items]


def photo_items(eval_set: Path) -> tuple:
    """The listed photos' file bytes (a crop is cut from the upright photo and passed on as PNG); and the
    references absent on this machine."""
    items, missing = [], []
    for entry in json.loads(eval_set.read_text())["photos"]:
        ref = entry["photo"]
        if not photos.available(ref):
            missing.append(ref)
            continue
        data = photos.resolve(ref).read_bytes()
        if "crop" in entry:
            upright = load_photo(data, MAX_BYTES, MAX_PIXELS, reduce=False).image
            data = png_bytes(upright.crop(tuple(entry["crop"])))
            ref = f"{ref}[crop {','.join(map(str, entry['crop']))}]"
        items.append({"ref": ref, "photo": entry["photo"], "expected": entry["expected"], "data": data})
    return items, missing


def open_classifier(model_dir: Path, filename: str) -> tuple:
    """The production classifier (one intra-op thread, sequential) and how long it took to create."""
    start = time.perf_counter()
    classifier = WasteClassifier(model_dir, filename)
    return classifier, (time.perf_counter() - start) * 1000


def run_model(classifier: WasteClassifier, inputs: list, repeats: int) -> tuple:
    """Classifications per image, the first run's ms (a cold start pays it) and warm per-image ms samples."""
    session = classifier.session
    input_name = session.get_inputs()[0].name
    outputs = ["logits", "embedding"]
    start = time.perf_counter()
    session.run(outputs, {input_name: inputs[0]})
    first_ms = (time.perf_counter() - start) * 1000
    for x in inputs[1:3]:
        session.run(outputs, {input_name: x})
    results, latencies = [], []
    for x in inputs:
        for _ in range(repeats):
            start = time.perf_counter()
            logits, embedding = session.run(outputs, {input_name: x})
            latencies.append((time.perf_counter() - start) * 1000)
        results.append(classification(logits[0], embedding[0], classifier.labels, classifier.waste_classes))
    return results, first_ms, latencies


def fraction(hits, count: int) -> float:
    return sum(bool(hit) for hit in hits) / count if count else float("nan")


def top_indices(result: Classification) -> list:
    return [label.index for label in result.top_labels]


def agreement(items: list, predictions: dict, calibration: set) -> dict:
    """How far int8 strays from fp32, overall and on the photos it was not calibrated on."""
    fp32, int8 = predictions["fp32"], predictions["int8"]
    same_top1 = [top_indices(a)[0] == top_indices(b)[0] for a, b in zip(fp32, int8, strict=True)]
    in_top5 = [top_indices(a)[0] in top_indices(b) for a, b in zip(fp32, int8, strict=True)]
    held_out = [i for i, item in enumerate(items) if item.get("photo", item["ref"]) not in calibration]
    confident = [i for i, result in enumerate(fp32) if result.top_labels[0].probability >= CONFIDENT]
    return {
        "imagenet_top1": fraction(same_top1, len(items)),
        "imagenet_top1_held_out": fraction([same_top1[i] for i in held_out], len(held_out)),
        "held_out_count": len(held_out),
        "imagenet_top1_confident": fraction([same_top1[i] for i in confident], len(confident)),
        "confident_count": len(confident),
        "fp32_top1_in_int8_top5": fraction(in_top5, len(items)),
        "waste_type": fraction([a.waste_type == b.waste_type for a, b in zip(fp32, int8, strict=True)], len(items)),
        "decisions": decision_agreement(fp32, int8, [item["ref"] for item in items]),
    }


def decision_agreement(fp32: list, int8: list, refs: list) -> dict:
    """int8 against fp32 on what a verdict reads: the waste decision (waste probability >= WASTE_DECISION), the
    predicted waste type, the waste probability itself, and the embedding that the before/after check compares
    by cosine."""
    pairs = list(zip(fp32, int8, strict=True))
    decisions = [(a.waste_probability >= WASTE_DECISION) == (b.waste_probability >= WASTE_DECISION) for a, b in pairs]
    differences = [abs(a.waste_probability - b.waste_probability) for a, b in pairs]
    cosines = [cosine_similarity(a.embedding, b.embedding) for a, b in pairs]
    return {
        "images": len(pairs),
        "waste_decision": fraction(decisions, len(pairs)),
        "waste_type": fraction([a.waste_type == b.waste_type for a, b in pairs], len(pairs)),
        "waste_probability_mean_abs_diff": statistics.fmean(differences),
        "waste_probability_max_abs_diff": max(differences),
        "embedding_cosine_mean": statistics.fmean(cosines),
        "embedding_cosine_min": min(cosines),
        "decision_disagreements": [
            {"ref": ref, "fp32": round(a.waste_probability, 3), "int8": round(b.waste_probability, 3)}
            for ref, (a, b), same in zip(refs, pairs, decisions, strict=True)
            if not same
        ],
        "type_disagreements": [
            {"ref": ref, "fp32": a.waste_type, "int8": b.waste_type}
            for ref, (a, b) in zip(refs, pairs, strict=True)
            if a.waste_type != b.waste_type
        ],
    }


def bundled_pictures() -> list:
    """Every picture shipped in scikit-image's data and Debian's opencv-doc that ``load_photo`` accepts. The two
    models are compared with each other, so a picture needs no label, whatever it shows."""
    folders = {"skimage": photos.resolve("skimage:x").parent, "opencv-doc": photos.OPENCV_DOC_DIR}
    pictures = []
    for source, folder in folders.items():
        for path in sorted(folder.iterdir()) if folder.is_dir() else ():
            if path.suffix.lower() not in PICTURE_SUFFIXES:
                continue
            data = path.read_bytes()
            try:
                upright = load_photo(data, MAX_BYTES, MAX_PIXELS, reduce=False).image
            except PhotoRejected:
                continue
            pictures.append({"ref": f"{source}:{path.name}", "data": data, "upright": upright})
    return pictures


def _darker(image: Image.Image, factor: float) -> Image.Image:
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) * factor, 0, 255).astype(np.uint8))


# Copies an upload might be: a part of the scene, mirrored, under other light, recompressed.
VARIANTS = {
    "top-left 70%": lambda image: _jpeg(_crop(image, 0, 0, 0.3, 0.3), 90),
    "bottom-right 70%": lambda image: _jpeg(_crop(image, 0.3, 0.3, 0, 0), 90),
    "centre 50%": lambda image: _jpeg(_crop(image, 0.25, 0.25, 0.25, 0.25), 90),
    "mirrored": lambda image: _jpeg(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 90),
    "darker": lambda image: _jpeg(_darker(image, 0.6), 90),
    "brighter": lambda image: _jpeg(_darker(image, 1.3), 90),
    "JPEG quality 50": lambda image: _jpeg(image, 50),
}


def decision_check(classifiers: dict, calibration: set) -> dict:
    """The agreement of ``decision_agreement`` on every bundled picture and its VARIANTS, each decoded once
    through ``load_photo`` and read by both models; and on those never used to calibrate int8."""
    refs, views = [], []
    for picture in bundled_pictures():
        copies = {"": picture["data"]} | {name: copy(picture["upright"]) for name, copy in VARIANTS.items()}
        for name, data in copies.items():
            try:
                views.append(load_photo(data, MAX_BYTES, MAX_PIXELS).view)
            except PhotoRejected:
                continue  # a crop of a small picture can fall under the minimum side
            refs.append(f"{picture['ref']} {name}".strip())
    readings = {
        model: [classification(*classifier.run(view), classifier.labels, classifier.waste_classes) for view in views]
        for model, classifier in classifiers.items()
    }
    held_out = [i for i, ref in enumerate(refs) if ref.split(" ")[0] not in calibration]
    return {
        "pictures": sum(" " not in ref for ref in refs),
        "all": decision_agreement(readings["fp32"], readings["int8"], refs),
        "held_out": decision_agreement(
            *([readings[model][i] for i in held_out] for model in ("fp32", "int8")), [refs[i] for i in held_out]
        ),
    }


def phone_sized_jpeg(data: bytes) -> bytes:
    """The photo upscaled to a 12-MP phone frame and saved at quality 95, so reduced decoding has work to do."""
    upright = load_photo(data, MAX_BYTES, MAX_PIXELS, reduce=False).image
    scale = (PHONE_SIZE[0] * PHONE_SIZE[1] / (upright.width * upright.height)) ** 0.5
    size = (round(upright.width * scale), round(upright.height * scale))
    buffer = io.BytesIO()
    upright.resize(size, Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def decode_check(classifier: WasteClassifier, items: list) -> dict:
    """Reduced (production) vs full-resolution JPEG decoding of 12-MP copies of the real photos: do the
    model's answers move, and what does each decode cost?"""
    rows = []
    for item in items:
        data = phone_sized_jpeg(item["data"])
        row = {}
        for mode, reduce in (("reduced", True), ("full", False)):
            start = time.perf_counter()
            photo = load_photo(data, MAX_BYTES, MAX_PIXELS, reduce=reduce)
            row[f"{mode}_ms"] = (time.perf_counter() - start) * 1000
            row[mode] = classifier.classify(photo)
        rows.append(row)
    deltas = [abs(row["reduced"].waste_probability - row["full"].waste_probability) for row in rows]
    return {
        "images": len(rows),
        "imagenet_top1": fraction([top_indices(r["reduced"])[0] == top_indices(r["full"])[0] for r in rows], len(rows)),
        "waste_type": fraction([r["reduced"].waste_type == r["full"].waste_type for r in rows], len(rows)),
        "waste_probability_max_abs_diff": max(deltas),
        "waste_probability_mean_abs_diff": statistics.fmean(deltas),
        "decode_ms_p50_reduced": statistics.median(r["reduced_ms"] for r in rows),
        "decode_ms_p50_full": statistics.median(r["full_ms"] for r in rows),
    }


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _crop(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    width, height = image.size
    return image.crop(
        (round(width * left), round(height * top), round(width * (1 - right)), round(height * (1 - bottom)))
    )


def _square(image: Image.Image) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def _random_copy(image: Image.Image, rng: np.random.Generator) -> bytes:
    cropped = _crop(image, *rng.uniform(0.02, 0.10, 4))
    scale = rng.uniform(0.4, 1.0)
    shrunk = cropped.resize((max(64, round(cropped.width * scale)), max(64, round(cropped.height * scale))))
    return _jpeg(shrunk, int(rng.integers(50, 90)))


COPIES = {
    "half size": lambda image, rng: _jpeg(image.resize((image.width // 2, image.height // 2)), 90),
    "JPEG quality 40": lambda image, rng: _jpeg(image, 40),
    "centre crop 5%/side": lambda image, rng: _jpeg(_crop(image, 0.05, 0.05, 0.05, 0.05), 90),
    "centre crop 10%/side": lambda image, rng: _jpeg(_crop(image, 0.10, 0.10, 0.10, 0.10), 90),
    "square crop": lambda image, rng: _jpeg(_square(image), 90),
    "crop 2-10% per side, resize, recompress": _random_copy,
    "one side cropped 5%": lambda image, rng: _jpeg(_crop(image, 0, 0.05, 0, 0), 90),
    "one side cropped 15%": lambda image, rng: _jpeg(_crop(image, 0, 0, 0.15, 0), 90),
}


def hash_check(items: list) -> dict:
    """Would the duplicate index find copies of each real photo (within the threshold and sharing a band),
    and how often does it match two different photos?"""

    def hashes(data: bytes) -> tuple:
        return hash_variants(load_photo(data, MAX_BYTES, MAX_PIXELS).view)

    def found(query: int, variants: tuple) -> bool:
        near = [variant for variant in variants if hamming(query, variant) <= DUPLICATE_DISTANCE]
        return any(set(hash_bands(query)) & set(hash_bands(variant)) for variant in near)

    rng = np.random.default_rng(20240601)
    originals = [load_photo(item["data"], MAX_BYTES, MAX_PIXELS, reduce=False).image for item in items]
    stored = [hashes(png_bytes(image)) for image in originals]
    recall = {}
    for name, copy in COPIES.items():
        hits = [found(hashes(copy(image, rng))[0], variants) for image, variants in zip(originals, stored, strict=True)]
        recall[name] = fraction(hits, len(stored))
    pairs = [(i, j) for i in range(len(stored)) for j in range(len(stored)) if i != j]
    false_matches = [(items[i]["ref"], items[j]["ref"]) for i, j in pairs if found(stored[i][0], stored[j])]
    return {
        "photos": len(stored),
        "threshold": DUPLICATE_DISTANCE,
        "recall": recall,
        "false_match_rate": len(false_matches) / len(pairs),
        "false_matches": false_matches,
        "different_photos_min_distance": min(distance_to(stored[i][0], stored[j]) for i, j in pairs),
    }


def pair_check(classifier: WasteClassifier, items: list) -> dict:
    """Embedding cosine of two views of the same scene against that of different photos: the before/after
    check calls a pair the same place without GPS at SAME_PLACE_SIMILARITY or more."""

    def embedding(data: bytes) -> bytes:
        return classifier.classify(load_photo(data, MAX_BYTES, MAX_PIXELS)).embedding

    refs = [(f"opencv-doc:{a}", f"opencv-doc:{b}") for a, b in SAME_SCENE_PAIRS]
    refs = [pair for pair in refs if all(photos.available(ref) for ref in pair)]
    same = {
        f"{a} / {b}": cosine_similarity(*(embedding(photos.resolve(r).read_bytes()) for r in (a, b))) for a, b in refs
    }
    paired = {ref for pair in refs for ref in pair}
    others = [(item["ref"], embedding(item["data"])) for item in items if item["ref"] not in paired]
    different = [cosine_similarity(a[1], b[1]) for i, a in enumerate(others) for b in others[i + 1 :]]
    return {
        "same_scene": same,
        "different_pairs": len(different),
        "different_max": max(different),
        "different_p99": float(np.percentile(different, 99)),
        "different_median": float(np.median(different)),
        "different_at_or_above_threshold": fraction(
            [value >= SAME_PLACE_SIMILARITY for value in different], len(different)
        ),
    }


def print_verbose(items: list, predictions: dict) -> None:
    for i, item in enumerate(items):
        cells = []
        for name in MODELS:
            result = predictions[name][i]
            score = result.type_scores[result.waste_type]
            top = result.top_labels[0].label.split(",")[0]
            verdict = "ok  " if result.waste_type == item["expected"] else "MISS"
            cells.append(f"{name} {verdict} {result.waste_type}:{score:.2f} ({top})")
        print(f"{item['ref']:52.52} want {item['expected']:9} | " + " | ".join(cells))
    print()


def print_decisions(what: str, agree: dict) -> None:
    print(
        f"int8 vs fp32 on {what} ({agree['images']} images): waste decision (p >= {WASTE_DECISION}) agrees on"
        f" {agree['waste_decision']:.1%}, waste type on {agree['waste_type']:.1%};\n"
        f"              |waste probability difference| mean {agree['waste_probability_mean_abs_diff']:.4f}"
        f" max {agree['waste_probability_max_abs_diff']:.3f}; embedding cosine mean"
        f" {agree['embedding_cosine_mean']:.4f} min {agree['embedding_cosine_min']:.4f}"
    )
    for disagreement in agree["decision_disagreements"] + agree["type_disagreements"]:
        print(f"              differs: {disagreement}")


def print_summary(results: dict) -> None:
    per_class, agree = results["per_class"], results["agreement"]
    counts = results["images"]
    print(
        f"onnxruntime {results['onnxruntime']}, Python {results['python']}; "
        f"{counts['real']} real photos + {counts['generated']} generated images; "
        f"decoding + preprocessing {results['preprocess_ms_mean']:.1f} ms/image\n"
    )
    print(f"{'expected type':14} {'n':>3}  {'fp32':>11}  {'int8':>11}")
    rows = dict(per_class)
    rows["all"] = {key: sum(row[key] for row in per_class.values()) for key in ("n", *MODELS)}
    for waste_type, row in rows.items():
        cells = [
            f"{row[name]:>3}/{row['n']:<3} {row[name] / row['n']:4.0%}" if row["n"] else f"{'-':>11}" for name in MODELS
        ]
        print(f"{waste_type:14} {row['n']:>3}  {cells[0]:>11}  {cells[1]:>11}")
    print(
        f"\nfp32 vs int8: ImageNet top-1 agreement {agree['imagenet_top1']:.1%}"
        f" (held out from calibration: {agree['imagenet_top1_held_out']:.1%} of {agree['held_out_count']};"
        f" where fp32 top-1 p >= {CONFIDENT}: {agree['imagenet_top1_confident']:.1%}"
        f" of {agree['confident_count']}),\n"
        f"              fp32 top-1 in int8 top-5 {agree['fp32_top1_in_int8_top5']:.1%},"
        f" waste-type agreement {agree['waste_type']:.1%}"
    )
    print_decisions("the evaluation set", agree["decisions"])
    print()
    header = ("MB", "session ms", "1st run ms", "mean ms", "p50 ms", "p90 ms")
    print(f"{'model':6} " + " ".join(f"{h:>10}" for h in header) + "   (1 thread)")
    for name, info in results["models"].items():
        values = (
            info["file_bytes"] / 1e6,
            info["session_create_ms"],
            info["first_run_ms"],
            info["latency_ms_mean"],
            info["latency_ms_p50"],
            info["latency_ms_p90"],
        )
        print(f"{name:6} " + " ".join(f"{v:10.2f}" for v in values))
    check = results.get("decode_check")
    if check:
        print(
            f"\nreduced vs full decoding of {check['images']} 12-MP copies (fp32): ImageNet top-1 agreement "
            f"{check['imagenet_top1']:.1%}, waste-type agreement {check['waste_type']:.1%},\n"
            f"              |waste probability difference| max {check['waste_probability_max_abs_diff']:.3f}"
            f" mean {check['waste_probability_mean_abs_diff']:.3f}; decode p50 {check['decode_ms_p50_reduced']:.0f} ms"
            f" reduced vs {check['decode_ms_p50_full']:.0f} ms full"
        )
    for model, check in results.get("pair_check", {}).items():
        print(f"\n{model}: embedding cosine, same scene (same place at >= {SAME_PLACE_SIMILARITY}):")
        for name, value in check["same_scene"].items():
            print(f"  {name:66} {value:.3f}")
        print(
            f"  {check['different_pairs']} pairs of different photos: median {check['different_median']:.3f},"
            f" p99 {check['different_p99']:.3f}, max {check['different_max']:.3f};"
            f" {check['different_at_or_above_threshold']:.1%} at or above the threshold"
        )
    check = results.get("decision_check")
    if check:
        print()
        print_decisions(f"{check['pictures']} bundled pictures and their copies", check["all"])
        print_decisions("the same, never used to calibrate int8", check["held_out"])
    check = results.get("hash_check")
    if check:
        print(f"\ncopies of {check['photos']} real photos found in the duplicate index")
        print(f"(within {check['threshold']} bits of a stored variant that shares a band with the copy's hash):")
        for name, share in check["recall"].items():
            print(f"  {name:42} {share:6.0%}")
        print(
            f"  different photos matched: {check['false_match_rate']:.2%} of pairs {check['false_matches']};"
            f" nearest different pair {check['different_photos_min_distance']} bits"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--eval-set", type=Path, default=EVAL_SET)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per image and model")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--decode-check", action="store_true", help="compare reduced and full JPEG decoding")
    parser.add_argument("--hash-check", action="store_true", help="measure the duplicate index on copies")
    parser.add_argument("--pair-check", action="store_true", help="measure before/after scene similarity")
    parser.add_argument("--decision-check", action="store_true", help="int8 against fp32 on every bundled picture")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    card = json.loads((args.model_dir / "MODEL_CARD.json").read_text())
    items, missing = photo_items(args.eval_set)
    real_count = len(items)
    items += generated_images()
    for ref in missing:
        print(f"skipped (not on this machine): {ref}", file=sys.stderr)

    start = time.perf_counter()
    inputs = [model_input(load_photo(item["data"], MAX_BYTES, MAX_PIXELS).view) for item in items]
    preprocess_ms = (time.perf_counter() - start) * 1000 / len(items)

    results = {
        "onnxruntime": ort.__version__,
        "python": sys.version.split()[0],
        "images": {"real": real_count, "generated": len(items) - real_count, "skipped": missing},
        "preprocess_ms_mean": preprocess_ms,
        "models": {},
    }
    predictions, classifiers = {}, {}
    for name, filename in MODELS.items():
        classifiers[name], create_ms = open_classifier(args.model_dir, filename)
        predictions[name], first_ms, latencies = run_model(classifiers[name], inputs, args.repeats)
        results["models"][name] = {
            "file_bytes": (args.model_dir / filename).stat().st_size,
            "session_create_ms": create_ms,
            "first_run_ms": first_ms,
            "latency_ms_mean": statistics.fmean(latencies),
            "latency_ms_p50": float(np.percentile(latencies, 50)),
            "latency_ms_p90": float(np.percentile(latencies, 90)),
        }

    results["per_class"] = {}
    for waste_type in (*WASTE_TYPES, NOT_WASTE):
        rows = [i for i, item in enumerate(items) if item["expected"] == waste_type]
        results["per_class"][waste_type] = {"n": len(rows)} | {
            name: sum(predictions[name][i].waste_type == waste_type for i in rows) for name in MODELS
        }
    calibration = set(card["quantization"]["calibration_photos"])
    results["agreement"] = agreement(items, predictions, calibration)
    if args.decode_check:
        results["decode_check"] = decode_check(classifiers["fp32"], items[:real_count])
    if args.pair_check:
        results["pair_check"] = {name: pair_check(classifiers[name], items[:real_count]) for name in MODELS}
    if args.decision_check:
        results["decision_check"] = decision_check(classifiers, calibration)
    if args.hash_check:
        results["hash_check"] = hash_check(items[:real_count])

    if args.verbose:
        print_verbose(items, predictions)
    print_summary(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
