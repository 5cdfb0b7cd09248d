"""Real photographs that ship inside packages, addressed as "source:file".

The model cannot be checked against a hub data set offline, so calibration and
evaluation use photos bundled with scikit-image, scikit-learn and Debian's
opencv-doc. A reference such as "skimage:coffee.png" resolves the same way on
every machine that has the package installed.
"""

import importlib.util
from pathlib import Path

from PIL import Image

OPENCV_DOC_DIR = Path("/usr/share/doc/opencv-doc/examples/data")

CALIBRATION_PHOTOS = (
    "skimage:astronaut.png",
    "skimage:brick.png",
    "skimage:camera.png",
    "skimage:chelsea.png",
    "skimage:clock_motion.png",
    "skimage:coffee.png",
    "skimage:coins.png",
    "skimage:color.png",
    "skimage:grass.png",
    "skimage:gravel.png",
    "skimage:hubble_deep_field.jpg",
    "skimage:ihc.png",
    "skimage:moon.png",
    "skimage:motorcycle_left.png",
    "skimage:motorcycle_right.png",
    "skimage:page.png",
    "skimage:retina.jpg",
    "skimage:rocket.jpg",
    "skimage:text.png",
    "sklearn:china.jpg",
    "sklearn:flower.jpg",
)


def _package_dir(name: str) -> Path:
    """Locate an installed package without importing it (skimage imports are slow)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def resolve(ref: str) -> Path:
    """Map "skimage:x", "sklearn:x", "opencv-doc:x" or a plain path to a file."""
    source, sep, name = ref.partition(":")
    if not sep:
        return Path(ref)
    if source == "skimage":
        return _package_dir("skimage") / "data" / name
    if source == "sklearn":
        return _package_dir("sklearn") / "datasets" / "images" / name
    if source == "opencv-doc":
        return OPENCV_DOC_DIR / name
    raise ValueError(f"unknown photo source in {ref!r}")


def available(ref: str) -> bool:
    """True when the referenced file exists on this machine."""
    try:
        return resolve(ref).is_file()
    except FileNotFoundError:
        return False


def open_photo(ref: str) -> Image.Image:
    """Open a referenced photo fully into memory."""
    with Image.open(resolve(ref)) as image:
        image.load()
        return image.copy()
