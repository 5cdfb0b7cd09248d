"""A 64-bit difference hash (dHash) per photo, with crop variants so cropped copies are found too.

dHash was measured against pHash on 115 photos from scikit-image and opencv-doc (docs/verification.md): both
survive resizing, recompression and brightness changes with a distance of at most 4, both lose a photo once
5% is cropped off each side, and dHash held up slightly better under one-sided crops. Neither global hash is
crop-invariant, so a photo is indexed under the hashes of a few centred crops of itself as well: a copy
cropped by up to ~12% per side then lands within a few bits of one of them. The mirror image is indexed too:
flipping a photo left to right is the cheapest way to make an old photo look new to a hash.
"""

import numpy as np
from PIL import Image, ImageOps

HASH_WIDTH, HASH_HEIGHT = 9, 8
CENTRE_CROPS = (0.03, 0.06, 0.09, 0.12)


def dhash(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    """64 bits: is each of 8x8 grey cells brighter than its left neighbour, row by row, first bit highest.
    ``box`` hashes that region of ``image`` as if it had been cropped first."""
    grey = image if image.mode == "L" else image.convert("L")
    cells = grey.resize((HASH_WIDTH, HASH_HEIGHT), Image.Resampling.BOX, box=box)
    levels = np.asarray(cells, dtype=np.int16)
    bits = (levels[:, 1:] > levels[:, :-1]).ravel()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def hash_variants(view: Image.Image) -> tuple[int, ...]:
    """The photo's own hash first, then those of its centred crops, its centred square (square crops are what
    social apps make) and its mirror image. The view is turned grey once and each region is read in place, not
    copied."""
    width, height = view.size
    boxes = [(0, 0, width, height)]
    for fraction in CENTRE_CROPS:
        dx, dy = round(width * fraction), round(height * fraction)
        boxes.append((dx, dy, width - dx, height - dy))
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    boxes.append((left, top, left + side, top + side))
    grey = view.convert("L")
    hashes = [dhash(grey, box) for box in boxes] + [dhash(ImageOps.mirror(grey))]
    return tuple(dict.fromkeys(hashes))
