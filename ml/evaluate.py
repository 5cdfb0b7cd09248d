"""Compare the fp32 and int8 ONNX models on real photos and generated images.

Needs only onnxruntime, numpy and Pillow (scikit-image / scikit-learn and
Debian's opencv-doc just supply photo files; missing ones are skipped), so it
runs in the same environment as the Lambda:

    python ml/evaluate.py                # summary tables
    python ml/evaluate.py --verbose      # one line per image
    python ml/evaluate.py --json out.json
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import photos
import scoring
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO_ROOT / "layers" / "model"
EVAL_SET = Path(__file__).resolve().parent / "eval_set.json"
MODELS = {"fp32": "efficientnet_lite0.onnx", "int8": "efficientnet_lite0.int8.onnx"}
GENERATED_SIZE = (320, 240)
CONFIDENT = 0.5


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
    expected = scoring.NOT_WASTE
    return [{"ref": f"generated:{name}", "expected": expected, "image": image} for name, image in items]


def photo_items(eval_set: Path) -> tuple:
    """Load the listed photos, applying optional crops; report the ones absent here."""
    items, missing = [], []
    for entry in json.loads(eval_set.read_text())["photos"]:
        ref = entry["photo"]
        if not photos.available(ref):
            missing.append(ref)
            continue
        image = photos.open_photo(ref)
        if "crop" in entry:
            image = image.crop(tuple(entry["crop"]))
            ref = f"{ref}[crop {','.join(map(str, entry['crop']))}]"
        items.append({"ref": ref, "photo": entry["photo"], "expected": entry["expected"], "image": image})
    return items, missing


def open_session(path: Path) -> tuple:
    """One intra-op thread and sequential execution: what a Lambda vCPU slice gets."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    start = time.perf_counter()
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session, (time.perf_counter() - start) * 1000


def run_model(session, inputs: list, repeats: int) -> tuple:
    """Logits per image, the first call's ms (a cold start pays it) and warm per-image ms samples."""
    input_name = session.get_inputs()[0].name
    start = time.perf_counter()
    session.run(["logits"], {input_name: inputs[0]})
    first_ms = (time.perf_counter() - start) * 1000
    for x in inputs[1:3]:
        session.run(["logits"], {input_name: x})
    logits, latencies = [], []
    for x in inputs:
        for _ in range(repeats):
            start = time.perf_counter()
            out = session.run(["logits"], {input_name: x})[0][0]
            latencies.append((time.perf_counter() - start) * 1000)
        logits.append(out)
    return logits, first_ms, latencies


def fraction(hits, count: int) -> float:
    return sum(bool(hit) for hit in hits) / count if count else float("nan")


def agreement(items: list, predictions: dict, calibration: set) -> dict:
    """How far int8 strays from fp32, overall and on the photos it was not calibrated on."""
    fp32_top1 = [top5[0] for top5 in predictions["fp32"]["top5"]]
    int8_top5 = predictions["int8"]["top5"]
    same_top1 = [a == b[0] for a, b in zip(fp32_top1, int8_top5, strict=True)]
    in_top5 = [a in b for a, b in zip(fp32_top1, int8_top5, strict=True)]
    held_out = [i for i, item in enumerate(items) if item.get("photo", item["ref"]) not in calibration]
    confident = [i for i, p in enumerate(predictions["fp32"]["top1_prob"]) if p >= CONFIDENT]
    types = zip(predictions["fp32"]["types"], predictions["int8"]["types"], strict=True)
    return {
        "imagenet_top1": fraction(same_top1, len(items)),
        "imagenet_top1_held_out": fraction([same_top1[i] for i in held_out], len(held_out)),
        "held_out_count": len(held_out),
        "imagenet_top1_confident": fraction([same_top1[i] for i in confident], len(confident)),
        "confident_count": len(confident),
        "fp32_top1_in_int8_top5": fraction(in_top5, len(items)),
        "waste_type": fraction([a[0] == b[0] for a, b in types], len(items)),
    }


def print_verbose(items: list, predictions: dict, labels: list) -> None:
    for i, item in enumerate(items):
        cells = []
        for name in MODELS:
            best, score, _ = predictions[name]["types"][i]
            top = labels[predictions[name]["top5"][i][0]].split(",")[0]
            verdict = "ok  " if best == item["expected"] else "MISS"
            cells.append(f"{name} {verdict} {best}:{score:.2f} ({top})")
        print(f"{item['ref']:52.52} want {item['expected']:9} | " + " | ".join(cells))
    print()


def print_summary(results: dict) -> None:
    per_class, agree = results["per_class"], results["agreement"]
    counts = results["images"]
    print(
        f"onnxruntime {results['onnxruntime']}, Python {results['python']}; "
        f"{counts['real']} real photos + {counts['generated']} generated images; "
        f"preprocessing {results['preprocess_ms_mean']:.1f} ms/image\n"
    )
    print(f"{'expected type':14} {'n':>3}  {'fp32':>11}  {'int8':>11}")
    rows = dict(per_class)
    rows["all"] = {key: sum(row[key] for row in per_class.values()) for key in ("n", *MODELS)}
    for waste_type, row in rows.items():
        cells = [
            f"{row[name]:>3}/{row['n']:<3} {row[name] / row['n']:4.0%}" if row["n"] else f"{'-':>11}"
            for name in MODELS
        ]
        print(f"{waste_type:14} {row['n']:>3}  {cells[0]:>11}  {cells[1]:>11}")
    print(
        f"\nfp32 vs int8: ImageNet top-1 agreement {agree['imagenet_top1']:.1%}"
        f" (held out from calibration: {agree['imagenet_top1_held_out']:.1%} of {agree['held_out_count']};"
        f" where fp32 top-1 p >= {CONFIDENT}: {agree['imagenet_top1_confident']:.1%}"
        f" of {agree['confident_count']}),\n"
        f"              fp32 top-1 in int8 top-5 {agree['fp32_top1_in_int8_top5']:.1%},"
        f" waste-type agreement {agree['waste_type']:.1%}\n"
    )
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--eval-set", type=Path, default=EVAL_SET)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per image and model")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    waste_classes = scoring.load_waste_classes(args.model_dir / "waste_classes.json")
    labels = json.loads((args.model_dir / "imagenet_labels.json").read_text())
    card = json.loads((args.model_dir / "MODEL_CARD.json").read_text())

    items, missing = photo_items(args.eval_set)
    real_count = len(items)
    items += generated_images()
    for ref in missing:
        print(f"skipped (not on this machine): {ref}", file=sys.stderr)

    start = time.perf_counter()
    inputs = [scoring.preprocess(item["image"]) for item in items]
    preprocess_ms = (time.perf_counter() - start) * 1000 / len(items)

    results = {
        "onnxruntime": ort.__version__,
        "python": sys.version.split()[0],
        "images": {"real": real_count, "generated": len(items) - real_count, "skipped": missing},
        "preprocess_ms_mean": preprocess_ms,
        "models": {},
    }
    predictions = {}
    for name, filename in MODELS.items():
        path = args.model_dir / filename
        session, create_ms = open_session(path)
        logits, first_ms, latencies = run_model(session, inputs, args.repeats)
        predictions[name] = {
            "top5": [np.argsort(-row)[:5].tolist() for row in logits],
            "top1_prob": [float(scoring.softmax(row.astype(np.float64)).max()) for row in logits],
            "types": [scoring.predict_type(row, waste_classes) for row in logits],
        }
        results["models"][name] = {
            "file_bytes": path.stat().st_size,
            "session_create_ms": create_ms,
            "first_run_ms": first_ms,
            "latency_ms_mean": statistics.fmean(latencies),
            "latency_ms_p50": float(np.percentile(latencies, 50)),
            "latency_ms_p90": float(np.percentile(latencies, 90)),
        }

    results["per_class"] = {}
    for waste_type in (*scoring.WASTE_TYPES, scoring.NOT_WASTE):
        rows = [i for i, item in enumerate(items) if item["expected"] == waste_type]
        results["per_class"][waste_type] = {"n": len(rows)} | {
            name: sum(predictions[name]["types"][i][0] == waste_type for i in rows) for name in MODELS
        }
    results["agreement"] = agreement(items, predictions, set(card["quantization"]["calibration_photos"]))

    if args.verbose:
        print_verbose(items, predictions, labels)
    print_summary(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
