"""Each fraud and quality signal on its own: when it flags, when it does not, and what it tells the admin."""

from datetime import UTC, datetime, timedelta

import pytest
from PIL import ImageFilter

from ecopulse.verification import signals
from ecopulse.verification.duplicates import PhotoMatch
from ecopulse.verification.geo import GeoPoint
from ecopulse.verification.image import PhotoExif, load_photo
from ecopulse.verification.jpeg import estimate_quality
from tests.unit.verification.pictures import LAHORE, darker, encode, opencv_photo, skimage_photo

SUBMITTED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(hours=72)
# About 1.1 km north-east of LAHORE.
NEARBY = GeoPoint(31.5280, 74.3660)


def load(data: bytes):
    return load_photo(data, 10_000_000, 50_000_000)


def exif_taken(local: datetime, offset_hours: float | None) -> PhotoExif:
    offset = None if offset_hours is None else timedelta(hours=offset_hours)
    return PhotoExif(present=True, taken_local=local, taken_utc_offset=offset, camera="Google Pixel 8")


def test_a_photo_taken_an_hour_before_submission_is_fine():
    signal = signals.capture_time(exif_taken(datetime(2024, 5, 1, 16, 0), 5), SUBMITTED, MAX_AGE)
    assert not signal.flagged and signal.value == 1.0
    assert signal.reason == "taken 60 minutes before submission"


def test_an_old_photo_is_flagged_with_its_age():
    signal = signals.capture_time(exif_taken(datetime(2024, 4, 20, 17, 0), 5), SUBMITTED, MAX_AGE)
    assert signal.flagged and signal.reason == "taken 11 days before it was submitted"


def test_a_photo_dated_after_its_submission_is_flagged():
    signal = signals.capture_time(exif_taken(datetime(2024, 5, 2, 17, 0), 5), SUBMITTED, MAX_AGE)
    assert signal.flagged and "after it was submitted" in signal.reason


def test_an_unknown_camera_time_zone_widens_the_window_by_fourteen_hours():
    taken = SUBMITTED.replace(tzinfo=None) - MAX_AGE - timedelta(hours=10)
    assert signals.capture_time(exif_taken(taken, 0), SUBMITTED, MAX_AGE).flagged
    unknown = signals.capture_time(exif_taken(taken, None), SUBMITTED, MAX_AGE)
    assert not unknown.flagged and "time zone unknown" in unknown.reason
    much_older = signals.capture_time(exif_taken(taken - timedelta(hours=5), None), SUBMITTED, MAX_AGE)
    assert much_older.flagged


def test_no_capture_time_is_not_this_signals_concern():
    signal = signals.capture_time(PhotoExif(), SUBMITTED, MAX_AGE)
    assert not signal.flagged and signal.value is None


def test_gps_far_from_the_report_is_flagged_with_the_distance():
    signal = signals.gps_distance(NEARBY, LAHORE, 250)
    assert signal.flagged and 1000 < signal.value < 1200
    assert signal.reason == "taken 1.1 km from the reported place"
    assert not signals.gps_distance(NEARBY, LAHORE, 2000).flagged


@pytest.mark.parametrize(("location", "report"), [(None, LAHORE), (LAHORE, None)])
def test_gps_distance_needs_both_positions(location, report):
    signal = signals.gps_distance(location, report, 250)
    assert not signal.flagged and signal.value is None


def test_missing_exif_is_flagged_when_there_is_none_or_no_time_and_no_camera():
    assert signals.missing_exif(PhotoExif()).flagged
    assert signals.missing_exif(PhotoExif(present=True, software="Snapseed")).flagged
    camera_only = signals.missing_exif(PhotoExif(present=True, camera="Apple iPhone 15"))
    assert not camera_only.flagged and camera_only.value == ["capture time", "GPS position"]


def test_known_image_editors_are_flagged_and_phone_firmware_is_not():
    assert signals.editing_software(PhotoExif(present=True, software="Adobe Photoshop 25.1")).flagged
    assert signals.editing_software(load(opencv_photo("ela_modified.jpg")).exif).flagged
    assert not signals.editing_software(load(opencv_photo("leuvenA.jpg")).exif).flagged  # iOS "12.0"
    assert not signals.editing_software(PhotoExif()).flagged


def test_edits_leave_traces_in_real_photos_exif():
    gimp = signals.edited_after_capture(load(opencv_photo("ela_modified.jpg")).exif, (897, 708))
    assert gimp.flagged and gimp.reason == "modified 18 days after it was taken"
    leuven = signals.edited_after_capture(load(opencv_photo("leuvenA.jpg")).exif, (751, 563))
    assert leuven.flagged and "EXIF says 3264x2448 but the image is 751x563" in leuven.reason


def test_an_untouched_camera_photo_has_no_edit_trace_even_when_stored_rotated():
    exif = PhotoExif(
        present=True, taken_local=datetime(2024, 5, 1), modified_local=datetime(2024, 5, 1), pixel_size=(4000, 3000)
    )
    assert not signals.edited_after_capture(exif, (4000, 3000)).flagged
    assert not signals.edited_after_capture(exif, (3000, 4000)).flagged


@pytest.mark.parametrize("quality", [30, 50, 75, 90, 95])
def test_the_quality_pillow_saved_at_is_read_back_from_the_quantization_tables(quality):
    photo = load(encode(skimage_photo("coffee"), quality=quality))
    assert estimate_quality(photo.quantization).quality == quality
    assert estimate_quality(photo.quantization).standard


def test_a_real_camera_photo_with_its_own_tables_gets_an_estimate_but_not_standard():
    estimate = estimate_quality(load(opencv_photo("HappyFish.jpg")).quantization)
    assert not estimate.standard and 1 <= estimate.quality <= 100


def test_recompression_below_camera_quality_and_non_camera_formats_are_flagged():
    coffee = skimage_photo("coffee")
    low = signals.recompression("JPEG", load(encode(coffee, quality=60)).quantization, 80)
    assert low.flagged and low.value == {"quality": 60, "standard_tables": True}
    assert not signals.recompression("JPEG", load(encode(coffee, quality=92)).quantization, 80).flagged
    png = signals.recompression("PNG", (), 80)
    assert png.flagged and "screenshot" in png.reason


def test_blur_flags_a_defocused_real_photo_and_passes_the_sharp_one():
    coffee = skimage_photo("coffee")
    sharp = signals.blur(load(encode(coffee)).view, 20)
    blurred = signals.blur(load(encode(coffee.filter(ImageFilter.GaussianBlur(4)))).view, 20)
    assert not sharp.flagged and blurred.flagged
    assert blurred.value < 20 < sharp.value


def test_blur_flags_real_motion_blur():
    assert signals.blur(load(opencv_photo("text_defocus.jpg")).view, 20).flagged


def test_darkness_flags_a_photo_too_dark_to_judge():
    coffee = skimage_photo("coffee")
    bright = signals.darkness(load(encode(coffee)).view, 35)
    dark = signals.darkness(load(encode(darker(coffee, 0.15))).view, 35)
    assert not bright.flagged and dark.flagged
    assert dark.value < 35 < bright.value


def _match(user: str, distance: int) -> PhotoMatch:
    return PhotoMatch("uploads/lahore/x/sub-00000009/before.jpg", "sub-00000009", user, 0xABC, distance, SUBMITTED)


def test_a_near_duplicate_names_the_earlier_submission_and_who_sent_it():
    assert not signals.near_duplicate([], "alice").flagged
    other = signals.near_duplicate([_match("bob", 5), _match("bob", 2)], "alice")
    assert (
        other.flagged
        and other.reason == "the same picture as submission sub-00000009 by another user (bob), 2 bits apart"
    )
    assert other.value["matches"][0]["user_id"] == "bob"
    assert "by the same user" in signals.near_duplicate([_match("alice", 0)], "alice").reason
