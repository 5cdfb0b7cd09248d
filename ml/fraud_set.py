"""A reproducible set of cleanup submissions, honest and fraudulent, made from real bundled photographs.

Every submission is a "before" photo (litter) and an "after" photo (the same place, cleaned), or an "after"
photo alone, written as a phone writes it: a JPEG at camera quality with Make, Model, LensModel,
DateTimeOriginal with OffsetTimeOriginal, the GPS IFD (position, time, date) and ExifImageWidth/Height equal to
the pixels. The set is built from photographs shipped with scikit-image and Debian's opencv-doc (see
``photos.py``); nothing is downloaded, and the same seed gives the same attempts.

Honest pairs are made by laying real photographs of litter-like objects (a cardboard box, a circuit board,
fruit, a lighter, food packaging) on a real photograph of ground or a street, and taking the "after" photo of
the same ground without them from a few centimetres away: shifted, zoomed and turned slightly, a little
brighter or darker, with its own sensor noise, minutes later and a few metres away. Fraud attempts are made
from the same pieces the way a cheat would: an unrelated photo, a reused or edited one, the wrong place,
time or phone. docs/verification.md ("Adversarial evaluation") lists the kinds and what the set cannot show.

    python ml/fraud_set.py OUT_DIR                 # writes every photo and manifest.json
    python ml/fraud_set.py OUT_DIR --per-kind 1    # the first attempt of each kind (and what it copies)
"""

import argparse
import hashlib
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import photos
from PIL import Image, ImageDraw, ImageFilter

SEED = 20240917
TENANT = "fraud-bench"
PKT = timezone(timedelta(hours=5))
FIRST_OPENING = datetime(2024, 9, 17, 8, 0, tzinfo=PKT)
OPENINGS_APART = timedelta(minutes=40)
# The bench tenant's service area: a box around Lahore (GeoJSON order: longitude, latitude).
SERVICE_AREA = {
    "type": "Polygon",
    "coordinates": [[[74.2, 31.4], [74.5, 31.4], [74.5, 31.6], [74.2, 31.6], [74.2, 31.4]]],
}
HONEST_AREA = ((31.43, 31.57), (74.23, 74.47))  # (lat range, lng range) inside the service area, off its edges
CANVAS = (2400, 1800)
JPEG_QUALITY = 92
APPROVE = "approve"
NOT_APPROVE = "review or reject"


@dataclass(frozen=True)
class Device:
    """A phone camera as its EXIF names it, and the size of the pictures it writes."""

    make: str
    model: str
    lens: str | None
    size: tuple[int, int]
    software: str


# Half-size pictures (what a phone's "reduced size" upload setting sends), so the set generates quickly.
PIXEL_8 = Device("Google", "Pixel 8", "Pixel 8 back camera 6.9mm f/1.68", (2040, 1536), "HDR+ 1.0.641377693zd")
PIXEL_7 = Device("Google", "Pixel 7", "Pixel 7 back camera 6.81mm f/1.85", (2040, 1536), "HDR+ 1.0.540104767zd")
IPHONE_13 = Device("Apple", "iPhone 13", "iPhone 13 back dual wide camera 5.1mm f/1.6", (2016, 1512), "17.5.1")
IPHONE_13_WIDE = replace(IPHONE_13, lens="iPhone 13 back dual wide camera 1.54mm f/2.4")
GALAXY_A54 = Device("samsung", "SM-A546E", None, (2000, 1500), "A546EXXU7CXG3")
REDMI_NOTE_12 = Device("Xiaomi", "23021RAA2Y", None, (2000, 1500), "tapas_global-user 14")
HONEST_DEVICES = (PIXEL_8, IPHONE_13, GALAXY_A54, REDMI_NOTE_12)


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float

    def moved(self, metres: float, bearing_degrees: float) -> "Place":
        """A point ``metres`` away (flat-Earth approximation, fine at a few kilometres)."""
        bearing = math.radians(bearing_degrees)
        north, east = metres * math.cos(bearing), metres * math.sin(bearing)
        return Place(self.lat + north / 111_320, self.lng + east / (111_320 * math.cos(math.radians(self.lat))))


@dataclass(frozen=True)
class Litter:
    """A photographed object laid on the ground: ``size`` is its width as a share of the canvas's short side,
    ``at`` its centre as shares of the canvas."""

    photo: str
    crop: tuple[int, int, int, int] | None
    size: float
    at: tuple[float, float]
    round: bool = False


# The first three are the main object of a before photo: the ones the model reads as waste when they fill half
# the picture (measured on these grounds); the others are smaller extra items.
LITTER_OBJECTS = (
    ("opencv-doc:box.png", None, False),  # a cardboard box
    ("opencv-doc:board.jpg", None, False),  # a bare circuit board
    ("opencv-doc:fruits.jpg", None, False),  # fruit
    ("opencv-doc:box_in_scene.png", (20, 100, 330, 384), False),  # cardboard food packaging in a plastic bag
    ("opencv-doc:orange.jpg", (40, 40, 472, 472), True),  # an orange
    ("opencv-doc:stuff.jpg", (250, 290, 430, 470), False),  # a disposable lighter
    ("opencv-doc:apple.jpg", (40, 40, 472, 472), True),  # an apple
)


@dataclass(frozen=True)
class Ground:
    """A real photograph of a place, cut to a 4:3 window given as shares of the photo, maybe turned over."""

    photo: str
    window: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    transpose: Image.Transpose | None = None


TEXTURES = ("skimage:grass.png", "skimage:gravel.png", "skimage:brick.png")
# Not graffiti (opencv-doc's graf1.png): the model reads it as paper waste on its own.
STREETS = ("opencv-doc:aero1.jpg", "opencv-doc:leuvenA.jpg", "skimage:rocket.jpg", "skimage:motorcycle_left.png",
           "opencv-doc:aloeL.jpg")  # fmt: skip
TEXTURE_WINDOWS = (
    (0, 0, 0.7, 0.7),
    (0.3, 0, 1, 0.7),
    (0, 0.3, 0.7, 1),
    (0.3, 0.3, 1, 1),
    (0.15, 0.15, 0.85, 0.85),
    (0, 0, 1, 0.75),
)
STREET_WINDOWS = ((0, 0, 1, 1), (0, 0, 0.75, 1), (0.25, 0, 1, 1))
TURNS = (None, Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.ROTATE_180)


@cache
def grounds() -> tuple[Ground, ...]:
    """Places to photograph: windows of real photographs of grass, gravel, paving and streets, as they are or
    turned over (a street only mirrored). Each submission photographs its own, so none is a near-duplicate of
    another by accident (each is more than 8 bits from every other by dHash); they come round-robin over the photos."""
    by_photo = [[Ground(ref, window, turn) for turn in TURNS for window in TEXTURE_WINDOWS] for ref in TEXTURES]
    by_photo += [[Ground(ref, window, turn) for turn in TURNS[:2] for window in STREET_WINDOWS] for ref in STREETS]
    longest = max(len(views) for views in by_photo)
    return tuple(views[i] for i in range(longest) for views in by_photo if i < len(views))


# Photos that show no litter and no ground: what a cheat sends as the "after" photo.
UNRELATED = (
    "skimage:chelsea.png",  # a cat
    "opencv-doc:chicky_512.png",  # a dog
    "skimage:astronaut.png",  # a person
    "opencv-doc:building.jpg",  # a building
    "skimage:coffee.png",  # a cup
    "opencv-doc:messi5.jpg",  # a football match
    "opencv-doc:squirrel_cls.jpg",  # a squirrel
    "opencv-doc:baboon.jpg",  # a monkey
    "opencv-doc:butterfly.jpg",  # a butterfly
    "opencv-doc:home.jpg",  # a palace
    "opencv-doc:basketball1.png",  # people in a gym
    "opencv-doc:starry_night.jpg",  # a painting
    "opencv-doc:rubberwhale1.png",  # toys on a table
)


@dataclass(frozen=True)
class Scene:
    ground: Ground
    litter: tuple[Litter, ...] = ()

    def cleaned(self) -> "Scene":
        return Scene(self.ground)


@dataclass(frozen=True)
class View:
    """Where the phone pointed: a shift (shares of the picture), a zoom, a turn in degrees, an exposure."""

    dx: float = 0.0
    dy: float = 0.0
    zoom: float = 1.0
    angle: float = 0.0
    exposure: float = 1.0


@dataclass(frozen=True)
class Shot:
    """One photo as taken: what, how, by which phone, when and where. ``place`` None means no GPS fix."""

    scene: Scene
    view: View
    device: Device
    taken: datetime
    place: Place | None
    noise_seed: int


@dataclass(frozen=True)
class Attempt:
    """One submission: opened at ``opened_at`` by ``user_id``; each photo uploaded 40 s after it was taken,
    or at ``opened_at`` plus the same offset when it has no capture time."""

    name: str
    kind: str
    honest: bool
    user_id: str
    opened_at: datetime
    before: bytes | None
    after: bytes
    before_uploaded_at: datetime | None
    after_uploaded_at: datetime
    how: str

    @property
    def expected(self) -> str:
        return APPROVE if self.honest else NOT_APPROVE


class Upload(NamedTuple):
    """What an integration test uploads: one submission's photos and the decision it expects."""

    kind: str
    before: bytes | None
    after: bytes
    expected: str


# Rendering ---------------------------------------------------------------------------------------------------


@cache
def _photo(ref: str) -> Image.Image:
    return photos.open_photo(ref).convert("RGB")


def _four_by_three(image: Image.Image) -> Image.Image:
    width, height = image.size
    if width * 3 > height * 4:
        cut = (width - height * 4 // 3) // 2
        return image.crop((cut, 0, width - cut, height))
    cut = (height - width * 3 // 4) // 2
    return image.crop((0, cut, width, height - cut))


@cache
def _ground_canvas(ground: Ground) -> Image.Image:
    image = _photo(ground.photo)
    left, top, right, bottom = ground.window
    width, height = image.size
    image = _four_by_three(image.crop((round(left * width), round(top * height), right * width, bottom * height)))
    if ground.transpose is not None:
        image = image.transpose(ground.transpose)
    return image.resize(CANVAS, Image.Resampling.BICUBIC)


def _cutout(litter: Litter, short_side: int) -> tuple[Image.Image, Image.Image]:
    """The object scaled to its size and a feathered mask (an ellipse for round fruit)."""
    image = _photo(litter.photo)
    if litter.crop:
        image = image.crop(litter.crop)
    width = round(litter.size * short_side)
    image = image.resize((width, round(width * image.height / image.width)), Image.Resampling.LANCZOS)
    mask = Image.new("L", image.size, 0)
    inset = max(2, width // 60)
    box = (inset, inset, image.width - inset, image.height - inset)
    draw = ImageDraw.Draw(mask)
    (draw.ellipse if litter.round else draw.rectangle)(box, fill=255)
    return image, mask.filter(ImageFilter.GaussianBlur(inset))


@cache
def render(scene: Scene) -> Image.Image:
    canvas = _ground_canvas(scene.ground).copy()
    for litter in scene.litter:
        image, mask = _cutout(litter, CANVAS[1])
        x = round(litter.at[0] * CANVAS[0] - image.width / 2)
        y = round(litter.at[1] * CANVAS[1] - image.height / 2)
        canvas.paste(image, (x, y), mask)
    return canvas


def _framed(canvas: Image.Image, view: View, size: tuple[int, int]) -> Image.Image:
    """The part of the canvas the phone saw, at the phone's picture size: an inverse affine map from the output
    picture onto a window of 88% of the canvas, shifted, zoomed and turned as ``view`` says."""
    width, height = size
    scale = 0.88 * min(CANVAS[0] / width, CANVAS[1] / height) / view.zoom
    turn = math.radians(view.angle)
    cos, sin = math.cos(turn) * scale, math.sin(turn) * scale
    centre_x = CANVAS[0] / 2 + view.dx * CANVAS[0]
    centre_y = CANVAS[1] / 2 + view.dy * CANVAS[1]
    # canvas = A @ (output - output centre) + canvas centre
    coefficients = (
        cos,
        -sin,
        centre_x - cos * width / 2 + sin * height / 2,
        sin,
        cos,
        centre_y - sin * width / 2 - cos * height / 2,
    )
    return canvas.transform(size, Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR)


NOISE_MARGIN = 97


@cache
def _noise_field(shape: tuple[int, ...]) -> np.ndarray:
    """Sensor-like noise a little larger than a picture; each shot takes its own window of it (fresh noise per
    shot costs more than the rest of the rendering)."""
    height, width, channels = shape
    rng = np.random.default_rng(SEED)
    return rng.standard_normal((height + NOISE_MARGIN, width + NOISE_MARGIN, channels), dtype=np.float32) * 2.5


def _sensor(image: Image.Image, exposure: float, seed: int) -> Image.Image:
    """Exposure and a little sensor noise, so that two shots of one scene are never the same pixels and the file
    compresses like a camera's."""
    pixels = np.asarray(image, dtype=np.float32) * exposure
    top, left = divmod(seed % NOISE_MARGIN**2, NOISE_MARGIN)
    pixels += _noise_field(pixels.shape)[top : top + pixels.shape[0], left : left + pixels.shape[1]]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def picture(shot: Shot) -> Image.Image:
    return _sensor(_framed(render(shot.scene), shot.view, shot.device.size), shot.view.exposure, shot.noise_seed)


# EXIF --------------------------------------------------------------------------------------------------------


def _rationals(value: float) -> tuple[Fraction, Fraction, Fraction]:
    """Degrees, minutes and seconds as EXIF rationals (seconds to 1/10000)."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round((value - degrees - minutes / 60) * 3600 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


def phone_exif(
    device: Device,
    taken: datetime | None,
    place: Place | None,
    size: tuple[int, int],
    *,
    software: str | None = None,
    modified: datetime | None = None,
) -> Image.Exif:
    """EXIF as a phone camera writes it, read back by ecopulse.verification.image: Make, Model, Software and
    DateTime in IFD0; DateTimeOriginal/Digitized with OffsetTimeOriginal, LensMake/LensModel and
    ExifImageWidth/Height in the Exif IFD; latitude, longitude, GPS time and date in the GPS IFD."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = device.make, device.model
    exif[0x0131] = software or device.software
    exif[0x0112] = 1
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA002], exif_ifd[0xA003] = size
    if device.lens:
        exif_ifd[0xA433], exif_ifd[0xA434] = device.make, device.lens
    if taken is not None:
        local = taken.astimezone(PKT)
        stamp = local.strftime("%Y:%m:%d %H:%M:%S")
        exif_ifd[0x9003] = exif_ifd[0x9004] = stamp
        exif_ifd[0x9011] = exif_ifd[0x9012] = "+05:00"
        exif[0x0132] = (modified.astimezone(PKT).strftime("%Y:%m:%d %H:%M:%S")) if modified else stamp
    if place is not None:
        gps = exif.get_ifd(0x8825)
        gps[0] = b"\x02\x02\x00\x00"
        gps[1], gps[2] = ("N" if place.lat >= 0 else "S"), _rationals(place.lat)
        gps[3], gps[4] = ("E" if place.lng >= 0 else "W"), _rationals(place.lng)
        if taken is not None:
            utc = taken.astimezone(UTC)
            gps[7] = (Fraction(utc.hour), Fraction(utc.minute), Fraction(utc.second))
            gps[29] = utc.strftime("%Y:%m:%d")
    return exif


def jpeg(image: Image.Image, exif: Image.Exif | None = None, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif if exif is not None else Image.Exif())
    return buffer.getvalue()


def photo_file(shot: Shot) -> bytes:
    """The shot as the phone saves it."""
    return jpeg(picture(shot), phone_exif(shot.device, shot.taken, shot.place, shot.device.size))


def with_exif(
    image: Image.Image, shot: Shot, quality: int = JPEG_QUALITY, *, size: tuple[int, int] | None = None, **fields
) -> bytes:
    """``image`` saved with the EXIF ``shot`` would have had (a copy passed off as a fresh photo); ``size`` is
    the pixel size the EXIF records, the image's own unless given."""
    return jpeg(image, phone_exif(shot.device, shot.taken, shot.place, size or image.size, **fields), quality)


# Generating ----------------------------------------------------------------------------------------------------


@dataclass
class Draw:
    """One attempt's random choices, from its own generator seeded by the set's seed and the attempt's
    number, so any slice of the set renders the same bytes as the whole set."""

    number: int
    first_opening: datetime = FIRST_OPENING
    openings_apart: timedelta = OPENINGS_APART
    pace: float = 1.0
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([SEED, self.number])

    @property
    def opened_at(self) -> datetime:
        return self.first_opening + self.number * self.openings_apart

    def minutes(self, low: float, high: float) -> timedelta:
        """A few minutes of an honest citizen's time, shortened by ``pace``."""
        return timedelta(minutes=self.uniform(low, high) * self.pace)

    def uniform(self, low: float, high: float) -> float:
        return float(self.rng.uniform(low, high))

    def pick(self, options: tuple):
        return options[int(self.rng.integers(len(options)))]

    def seed(self) -> int:
        return int(self.rng.integers(2**31))

    def place(self) -> Place:
        (lat_low, lat_high), (lng_low, lng_high) = HONEST_AREA
        return Place(self.uniform(lat_low, lat_high), self.uniform(lng_low, lng_high))

    def view(self) -> View:
        """Where a phone points at a place: a few per cent shifted, zoomed and turned, exposed a little differently."""
        return View(
            dx=self.uniform(-0.03, 0.03),
            dy=self.uniform(-0.03, 0.03),
            zoom=self.uniform(0.96, 1.04),
            angle=self.uniform(-1.5, 1.5),
            exposure=self.uniform(0.94, 1.06),
        )

    def litter(self) -> tuple[Litter, ...]:
        """One object the model reads as litter, big enough to be seen (50-65% of the picture's short side),
        sometimes with a second, smaller one."""
        photo, crop, is_round = self.pick(LITTER_OBJECTS[:3])
        first = Litter(
            photo, crop, self.uniform(0.5, 0.65), (self.uniform(0.35, 0.6), self.uniform(0.4, 0.6)), is_round
        )
        if self.rng.random() < 0.6:
            return (first,)
        photo, crop, is_round = self.pick(LITTER_OBJECTS[3:])
        second = Litter(
            photo, crop, self.uniform(0.18, 0.28), (self.uniform(0.7, 0.85), self.uniform(0.2, 0.8)), is_round
        )
        return (first, second)

    def cleanup(self, ground: Ground, device: Device) -> tuple[Shot, Shot]:
        """An honest cleanup of ``ground``: the before photo 2-6 minutes after opening, the after photo 6-25
        minutes later from 2-12 metres away."""
        place = self.place()
        before_taken = self.opened_at + self.minutes(2, 6)
        scene = Scene(ground, self.litter())
        before = Shot(scene, self.view(), device, before_taken, place, self.seed())
        after = Shot(
            scene.cleaned(),
            self.view(),
            device,
            before_taken + self.minutes(6, 25),
            place.moved(self.uniform(2, 12), self.uniform(0, 360)),
            self.seed(),
        )
        return before, after


@dataclass(frozen=True)
class Made:
    """What a kind's recipe makes: the two photos (bytes) and how they were made."""

    before: bytes | None
    after: bytes
    how: str
    before_taken: datetime | None
    after_taken: datetime | None


Recipe = Callable[[Draw, int], Made]


def _made(before: Shot | None, after: Shot, how: str, before_data: bytes | None = None, after_data=None) -> Made:
    return Made(
        before_data if before_data is not None else (photo_file(before) if before else None),
        after_data if after_data is not None else photo_file(after),
        how,
        before.taken if before else None,
        after.taken,
    )


def honest(draw: Draw, index: int) -> Made:
    before, after = honest_shots(draw, index)
    litter = ", ".join(Path(item.photo).stem for item in before.scene.litter)
    ground = Path(before.scene.ground.photo).stem
    return _made(before, after, f"{litter} on {ground}, then the same ground from nearby")


def honest_shots(draw: Draw, index: int) -> tuple[Shot, Shot]:
    """The shots of honest attempt ``index`` (``draw`` must be that attempt's own)."""
    return _cleanup(draw, HONEST_DEVICES[index % len(HONEST_DEVICES)])


def _cleanup(draw: Draw, device: Device = PIXEL_8) -> tuple[Shot, Shot]:
    """A cleanup of the attempt's own ground (see ``grounds``), which a fraud then spoils."""
    return draw.cleanup(grounds()[draw.number], device)


def _unrelated_shot(draw: Draw, ref: str, like: Shot) -> Shot:
    return replace(like, scene=Scene(Ground(ref)), view=View(), noise_seed=draw.seed())


def after_only_unrelated(draw: Draw, index: int) -> Made:
    ref = UNRELATED[index % len(UNRELATED)]
    _, after = _cleanup(draw)
    return _made(None, _unrelated_shot(draw, ref, after), f"{Path(ref).stem} as the only photo, honest EXIF")


def after_only_clean_place(draw: Draw, index: int) -> Made:
    _, after = _cleanup(draw)
    return _made(None, after, f"clean {Path(after.scene.ground.photo).stem} as the only photo, honest EXIF")


def unrelated_pair(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    if index % 2:
        elsewhere = replace(after, scene=Scene(grounds()[SPARE_GROUNDS + index]))
        how = "litter on one ground, then another clean ground"
    else:
        elsewhere = _unrelated_shot(draw, UNRELATED[10 + index // 2], after)  # not used by after_only_unrelated
        how = f"litter on one ground, then {Path(elsewhere.scene.ground.photo).stem}"
    return _made(before, elsewhere, how)


def same_photo_twice(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    data = photo_file(before)
    if index % 3 == 0:
        return _made(before, before, "the before file uploaded again as after", data, data)
    later = replace(before, taken=after.taken, place=after.place)
    resaved = with_exif(picture(before), later, quality=88)
    return _made(before, later, "the before photo resaved with the after photo's EXIF", data, resaved)


def swapped(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    return _made(after, before, "an honest pair uploaded in reverse (clean first, litter second)")


def nothing_cleaned(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    return _made(before, replace(after, scene=before.scene), "a second shot of the litter, nothing removed")


def _copy_of_earlier(draw: Draw, index: int) -> tuple[Shot, Shot, Shot, Shot]:
    """The honest pair this copy is made from, and this attempt's own shots (its time, place and phone)."""
    earlier = replace(draw, number=index)
    source_before, source_after = honest_shots(earlier, index)
    before, after = _cleanup(draw, source_before.device)
    return source_before, source_after, before, after


def reused_earlier(draw: Draw, index: int) -> Made:
    """A copy of honest attempt ``index``'s photos (uploaded earlier in the tenant) as a new submission."""
    source_before, source_after, before, after = _copy_of_earlier(draw, index)
    old_before, old_after = picture(source_before), picture(source_after)
    variant = index % 5
    if variant == 0:
        return _made(before, after, "an earlier pair resaved at quality 75 with fresh EXIF",
                     with_exif(old_before, before, 75), with_exif(old_after, after, 75))  # fmt: skip
    if variant == 1:
        crop = _crop_share(old_after, 0.05)
        return _made(before, after, "an earlier after photo cropped 5% a side, under a fresh before photo",
                     None, with_exif(crop, after))  # fmt: skip
    if variant == 2:
        mirrored = (
            old_before.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
            old_after.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        )
        return _made(before, after, "an earlier pair mirrored, with fresh EXIF",
                     with_exif(mirrored[0], before), with_exif(mirrored[1], after))  # fmt: skip
    if variant == 3:
        half = old_after.resize((old_after.width // 2, old_after.height // 2), Image.Resampling.LANCZOS)
        return _made(before, after, "an earlier after photo at half size and quality 70, as a messenger sends it",
                     None, with_exif(half, after, 70))  # fmt: skip
    data = photo_file(source_before), photo_file(source_after)
    return _made(source_before, source_after, "an earlier pair's files uploaded again unchanged", *data)


def _crop_share(image: Image.Image, share: float) -> Image.Image:
    dx, dy = round(image.width * share), round(image.height * share)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


# Places outside the bench tenant's service area.
LONDON = Place(51.5072, -0.1276)
NEW_YORK = Place(40.7128, -74.0060)
KARACHI = Place(24.8607, 67.0011)
JUST_NORTH = Place(31.6012, 74.35)  # about 130 m north of the area's edge
JUST_EAST = Place(31.5, 74.5015)  # about 140 m east of the area's edge


def gps_outside(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    cases = (
        ("both photos in London", LONDON, LONDON),
        ("both photos in New York", NEW_YORK, NEW_YORK),
        ("both photos in Karachi, the same country", KARACHI, KARACHI),
        ("both photos just north of the service area", JUST_NORTH, JUST_NORTH),
        ("both photos just east of the service area", JUST_EAST, JUST_EAST),
        ("the after photo in London, the before photo inside", None, LONDON),
    )
    how, before_place, after_place = cases[index % len(cases)]
    if before_place is not None:
        before = replace(before, place=before_place.moved(3, 0))
    return _made(before, replace(after, place=after_place.moved(3, 90)), how)


def capture_time(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    opened = draw.opened_at
    cases = (
        ("the after photo taken 10 minutes before the before photo",
         before.taken, before.taken - timedelta(minutes=10)),
        ("the photos taken three days apart", before.taken - timedelta(days=3), after.taken),
        ("both photos taken the day before the submission was opened",
         opened - timedelta(days=1), opened - timedelta(days=1) + timedelta(minutes=14)),
        ("both photos taken an hour before the submission was opened",
         opened - timedelta(minutes=70), opened - timedelta(minutes=58)),
        ("the before photo taken 20 minutes before opening, the after photo after it",
         opened - timedelta(minutes=20), after.taken),
        ("both photos taken last year", before.taken - timedelta(days=365), after.taken - timedelta(days=365)),
    )  # fmt: skip
    how, before_taken, after_taken = cases[index % len(cases)]
    return _made(replace(before, taken=before_taken), replace(after, taken=after_taken), how)


def other_device(draw: Draw, index: int) -> Made:
    cases = (
        ("after photo from another brand of phone", PIXEL_8, IPHONE_13),
        ("after photo from another model of the same brand", PIXEL_8, PIXEL_7),
        ("after photo from the same phone model's other lens", IPHONE_13, IPHONE_13_WIDE),
        ("after photo from another brand, same picture size", GALAXY_A54, REDMI_NOTE_12),
        ("after photo from the same model at another picture size", PIXEL_8, replace(PIXEL_8, size=(2040, 1148))),
    )
    how, first, second = cases[index % len(cases)]
    before, after = _cleanup(draw, first)
    return _made(before, replace(after, device=second), how)


def exif_stripped(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    bare = Image.Exif()
    variant = index % 5
    if variant == 0:
        return _made(before, after, "the after photo without EXIF", None, jpeg(picture(after), bare))
    if variant == 1:
        return _made(before, after, "the before photo without EXIF", jpeg(picture(before), bare))
    if variant == 2:
        return _made(before, after, "both photos without EXIF", jpeg(picture(before), bare), jpeg(picture(after), bare))
    if variant == 3:
        return _made(before, replace(after, place=None), "the after photo without GPS")
    no_time = jpeg(picture(after), phone_exif(after.device, None, None, after.device.size))
    return _made(before, after, "the after photo with only its camera left in EXIF", None, no_time)


def edited(draw: Draw, index: int) -> Made:
    before, after = _cleanup(draw)
    image = picture(after)
    variant = index % 6
    if variant == 0:
        return _made(
            before, after, "the after photo saved by Snapseed", None, with_exif(image, after, software="Snapseed 2.21")
        )
    if variant == 1:
        software = "Adobe Photoshop Lightroom Classic 13.2 (Windows)"
        return _made(
            before, after, "the after photo saved by Lightroom", None, with_exif(image, after, software=software)
        )
    if variant == 2:
        return _made(
            before, after, "the after photo resaved at quality 55, EXIF kept", None, with_exif(image, after, 55)
        )
    if variant == 3:
        cropped = _crop_share(image, 0.08)
        return _made(before, after, "the after photo cropped 8% a side, EXIF kept",
                     None, with_exif(cropped, after, size=after.device.size))  # fmt: skip
    if variant == 4:
        modified = after.taken + timedelta(days=2)
        return _made(before, after, "the after photo modified two days after capture",
                     None, with_exif(image, after, modified=modified))  # fmt: skip
    return _made(before, after, "the before photo resaved at quality 60 and its size halved, EXIF kept",
                 with_exif(picture(before).resize((before.device.size[0] // 2, before.device.size[1] // 2)),
                           before, 60, size=before.device.size))  # fmt: skip


def digitally_cleaned(draw: Draw, index: int) -> Made:
    """The litter removed from the before photo with a clone tool, passed off as a fresh after photo."""
    before, after = _cleanup(draw)
    boxes = [_framed(_litter_mask(litter), before.view, before.device.size).getbbox() for litter in before.scene.litter]
    image = _cloned_over(picture(before), [box for box in boxes if box])
    if index % 2:
        image = _framed_copy(image)
        how = "the litter cloned out of the before photo, reframed 3%, fresh EXIF"
    else:
        how = "the litter cloned out of the before photo, fresh EXIF"
    return _made(before, after, how, None, with_exif(image, after))


def _litter_mask(litter: Litter) -> Image.Image:
    """White where ``litter`` lies, on a canvas like ``render``'s."""
    mask = Image.new("L", CANVAS, 0)
    image, _ = _cutout(litter, CANVAS[1])
    x = round(litter.at[0] * CANVAS[0] - image.width / 2)
    y = round(litter.at[1] * CANVAS[1] - image.height / 2)
    mask.paste(255, (x, y, x + image.width, y + image.height))
    return mask


def _cloned_over(image: Image.Image, boxes: list[tuple[int, int, int, int]]) -> Image.Image:
    """A clone fill: each object's box covered by the ground on its left and right, mirrored inwards (an
    object too wide for one clone from beside it is filled half from each side), feathered at the edges. Two
    passes, so that no object is cloned into its neighbour's box."""
    pixels = np.asarray(image).copy()
    for left, top, right, bottom in boxes * 2:
        left, top = max(left - 12, 1), max(top - 12, 0)
        right, bottom = min(right + 12, image.width - 1), min(bottom + 12, image.height)
        middle = (left + right) // 2
        rows = pixels[top:bottom]
        from_left = np.pad(rows[:, :left], ((0, 0), (0, middle - left), (0, 0)), mode="symmetric")[:, left:]
        from_right = np.pad(rows[:, right:], ((0, 0), (right - middle, 0), (0, 0)), mode="symmetric")[
            :, : right - middle
        ]
        pixels[top:bottom, left:right] = np.concatenate([from_left, from_right], axis=1)
    filled = Image.fromarray(pixels)
    mask = Image.new("L", image.size, 0)
    for left, top, right, bottom in boxes:
        ImageDraw.Draw(mask).rectangle((left - 6, top - 6, right + 6, bottom + 6), fill=255)
    return Image.composite(filled, image, mask.filter(ImageFilter.GaussianBlur(4)))


def _framed_copy(image: Image.Image) -> Image.Image:
    shift = round(image.width * 0.03)
    return image.crop((shift, shift, image.width, image.height)).resize(image.size, Image.Resampling.BICUBIC)


def screenshot(draw: Draw, index: int) -> Made:
    """A phone screenshot (PNG, no camera EXIF) of a clean place's photo, with the status and navigation bars."""
    before, after = _cleanup(draw)
    screen = Image.new("RGB", (1080, 2400), (18, 18, 18))
    shown = picture(after).resize((1080, 810), Image.Resampling.LANCZOS)
    screen.paste(shown, (0, 795))
    draw_on = ImageDraw.Draw(screen)
    draw_on.rectangle((0, 0, 1080, 96), fill=(32, 33, 36))
    draw_on.rectangle((0, 2268, 1080, 2400), fill=(32, 33, 36))
    buffer = io.BytesIO()
    screen.save(buffer, "PNG")
    if index % 2:
        buffer = io.BytesIO()
        picture(after).save(buffer, "PNG", exif=phone_exif(after.device, after.taken, after.place, after.device.size))
        return _made(before, after, "the after photo saved as PNG with its EXIF kept", None, buffer.getvalue())
    return _made(before, after, "a screenshot of a clean place's photo", None, buffer.getvalue())


def photo_of_screen(draw: Draw, index: int) -> Made:
    """The after photo taken of a monitor showing a clean place: turned, framed by the bezel, with the screen's
    pixel grid and a glare, saved by the same phone with honest EXIF."""
    before, after = _cleanup(draw)
    shown = picture(replace(after, view=View())).resize((1200, 900), Image.Resampling.BILINEAR)
    pixels = np.asarray(shown, dtype=np.float32)
    grid = np.ones_like(pixels)
    grid[::3, :, :] *= 0.75
    grid[:, ::3, :] *= 0.75
    glare = np.linspace(1.25, 0.9, pixels.shape[1], dtype=np.float32)[None, :, None]
    screen = Image.fromarray(np.clip(pixels * grid * glare, 0, 255).astype(np.uint8))
    # The screen fills most of the picture, as a cheat frames it, with a strip of bezel and room around it.
    margin = draw.uniform(0.04, 0.1)
    room = Image.new("RGB", (round(1200 * (1 + 2 * margin)), round(900 * (1 + 2 * margin))), (46, 44, 40))
    bezel = round(900 * margin * 0.5)
    at = (round(1200 * margin * draw.uniform(0.7, 1.3)), round(900 * margin * draw.uniform(0.7, 1.3)))
    room.paste((12, 12, 12), (at[0] - bezel, at[1] - bezel, at[0] + 1200 + bezel, at[1] + 900 + bezel))
    room.paste(screen, at)
    room = room.rotate(draw.uniform(-3, 3), Image.Resampling.BICUBIC, fillcolor=(46, 44, 40))
    taken = _sensor(room.resize(after.device.size, Image.Resampling.BICUBIC), 1.0, draw.seed())
    return _made(before, after, "a photo of a monitor showing a clean place", None, with_exif(taken, after))


KINDS: dict[str, tuple[int, Recipe]] = {
    "honest": (16, honest),
    "after_only_unrelated": (8, after_only_unrelated),
    "after_only_clean_place": (4, after_only_clean_place),
    "unrelated_pair": (6, unrelated_pair),
    "same_photo_twice": (4, same_photo_twice),
    "swapped": (5, swapped),
    "nothing_cleaned": (4, nothing_cleaned),
    "reused_earlier": (8, reused_earlier),
    "gps_outside": (6, gps_outside),
    "capture_time": (6, capture_time),
    "other_device": (5, other_device),
    "exif_stripped": (5, exif_stripped),
    "edited": (6, edited),
    "digitally_cleaned": (4, digitally_cleaned),
    "screenshot": (2, screenshot),
    "photo_of_screen": (3, photo_of_screen),
}
FRAUD_KINDS = tuple(kind for kind in KINDS if kind != "honest")
SPARE_GROUNDS = sum(count for count, _ in KINDS.values())  # grounds after the attempts' own, for second scenes


def _numbers() -> Iterator[tuple[int, str, int]]:
    """(position in the whole set, kind, index within the kind), honest submissions first."""
    position = 0
    for kind, (count, _) in KINDS.items():
        for index in range(count):
            yield position, kind, index
            position += 1


def attempts(per_kind: int | None = None, opened_at: datetime | None = None, pace: float = 1.0) -> Iterator[Attempt]:
    """The set in upload order (honest submissions first, so that copies of them come later), rendered lazily.

    ``per_kind`` keeps the first few attempts of each kind; a copy of an earlier submission copies honest
    attempt number ``index``, which such a slice keeps too while ``per_kind`` is at most the honest count.
    ``opened_at`` opens every submission at that moment instead of 40 minutes apart, and ``pace`` shortens an
    honest citizen's minutes (for uploads to a running system right after opening; the frauds' hours and days
    stay as they are).
    """
    for position, kind, index in _numbers():
        if per_kind is not None and index >= per_kind:
            continue
        draw = Draw(position, opened_at or FIRST_OPENING, timedelta(0) if opened_at else OPENINGS_APART, pace)
        made = KINDS[kind][1](draw, index)
        opening = draw.opened_at
        yield Attempt(
            name=f"{kind}-{index:02d}",
            kind=kind,
            honest=kind == "honest",
            user_id=f"citizen-{position % 23:02d}",
            opened_at=opening,
            before=made.before,
            after=made.after,
            before_uploaded_at=_uploaded(made.before_taken, opening, pace) if made.before else None,
            after_uploaded_at=_uploaded(made.after_taken, opening, pace),
            how=made.how,
        )


def _uploaded(taken: datetime | None, opening: datetime, pace: float) -> datetime:
    """40 s after the shot, and never before the opening (a photo taken days before is uploaded now); a photo
    without a capture time half an hour after the opening."""
    if taken is None:
        return opening + timedelta(minutes=30 * pace)
    return max(taken, opening) + timedelta(seconds=40 * pace)


def uploads(opened_at: datetime, per_kind: int = 1, pace: float = 1 / 60) -> list[Upload]:
    """The first submission of each kind (honest first) as (kind, before bytes or None, after bytes, expected),
    for an integration test uploading them through the running system right after opening each at
    ``opened_at``, with the tenant's service area set to ``SERVICE_AREA``. At the default pace an honest
    citizen's minutes are seconds: the photos are dated from 2 to 31 seconds after ``opened_at``."""
    return [Upload(a.kind, a.before, a.after, a.expected) for a in attempts(per_kind, opened_at, pace)]


def write(directory: Path, per_kind: int | None = None) -> list[dict]:
    """Write every photo into ``directory`` and a manifest.json describing each attempt; returns the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest = []
    for attempt in attempts(per_kind):
        entry = {"name": attempt.name, "kind": attempt.kind, "expected": attempt.expected, "how": attempt.how,
                 "user_id": attempt.user_id, "opened_at": attempt.opened_at.isoformat()}  # fmt: skip
        for role, data in (("before", attempt.before), ("after", attempt.after)):
            if data is None:
                continue
            path = directory / f"{attempt.name}-{role}.{'png' if data.startswith(b'\x89PNG') else 'jpg'}"
            path.write_bytes(data)
            entry[role] = {"file": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        manifest.append(entry)
    (directory / "manifest.json").write_text(json.dumps({"seed": SEED, "attempts": manifest}, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--per-kind", type=int, help="only the first attempts of each kind")
    args = parser.parse_args()
    manifest = write(args.directory, args.per_kind)
    frauds = sum(entry["kind"] != "honest" for entry in manifest)
    print(f"{len(manifest)} submissions ({frauds} fraud attempts) written to {args.directory}")


if __name__ == "__main__":
    main()
