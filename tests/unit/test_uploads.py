import pytest

from ecopulse.api.routers.reports import ReportIn
from ecopulse.uploads import ImageType, UploadKey, UploadRejected, check_size, sniff_image_type


def test_upload_key_names_tenant_user_submission_and_photo():
    key = UploadKey.parse("uploads/lahore/alice/0b9c1f3e-4b7a/before.jpg")
    assert key == UploadKey(tenant="lahore", user_id="alice", submission_id="0b9c1f3e-4b7a", photo="before")


@pytest.mark.parametrize(
    "key",
    [
        "uploads/lahore/alice/before.jpg",
        "other/lahore/alice/0b9c1f3e-4b7a/before.jpg",
        "uploads/LAHORE/alice/0b9c1f3e-4b7a/before.jpg",
        "uploads/lahore/alice/0b9c1f3e-4b7a/../../x.jpg",
        "uploads/lahore/al ice/0b9c1f3e-4b7a/before.jpg",
    ],
)
def test_keys_outside_the_layout_are_refused(key):
    with pytest.raises(UploadRejected):
        UploadKey.parse(key)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x2cftypheic\x00\x00\x00\x00mif1MiHBMiHEMiPrmiafheictmap", "image/heic"),
        (b"\x00\x00\x00\x1cftypheix\x00\x00\x00\x00mif1heixmiaf", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00heicmif1", "image/heif"),
        (b"\x00\x00\x00\x18ftypmsf1\x00\x00\x00\x00hevcmsf1", "image/heif"),
    ],
    ids=["jpeg", "png", "webp", "iphone-heic", "10-bit-heic", "heif", "heif-sequence"],
)
def test_type_comes_from_the_bytes(head, expected):
    assert sniff_image_type(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"GIF89a\x01\x00",
        b"<svg xmlns=",
        b"PK\x03\x04",
        b"",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
        b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00avifmif1",
        b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1heic",
        b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomheic",
    ],
    ids=["gif", "svg", "zip", "empty", "wave", "avif", "av1-in-heif", "heic-brand-outside-the-box", "mp4"],
)
def test_other_content_is_refused_whatever_its_name(head):
    with pytest.raises(UploadRejected, match="not a JPEG, PNG, WebP or HEIC"):
        sniff_image_type(head)


def test_size_limits():
    check_size(1, 10)
    check_size(10, 10)
    with pytest.raises(UploadRejected, match="empty"):
        check_size(0, 10)
    with pytest.raises(UploadRejected, match="11 bytes, more than the 10"):
        check_size(11, 10)


@pytest.mark.parametrize(("content_type", "extension"), [("image/heic", "heic"), ("image/heif", "heif")])
def test_an_iphone_photo_gets_a_form_and_a_key_of_its_own_type(content_type, extension):
    key = UploadKey("lahore", "alice", "0b9c1f3e-4b7a", "after")
    assert ImageType(content_type).value == content_type
    assert key.object_key(content_type) == f"uploads/lahore/alice/0b9c1f3e-4b7a/after.{extension}"
    assert UploadKey.parse(key.object_key(content_type)) == key


@pytest.mark.parametrize("extension", ["jpg", "png", "webp", "heic", "heif"])
def test_a_report_names_its_photo_in_any_accepted_type(extension):
    key = f"uploads/lahore/alice/0123abcd-0000/report.{extension}"
    assert ReportIn(waste_type="paper", lat=31.5, lng=74.3, photo_keys=[key]).photo_keys == [key]


@pytest.mark.parametrize(
    "key",
    ["uploads/lahore/alice/0123abcd-0000/after.jpg", "uploads/lahore/alice/0123abcd-0000/report.gif"],
)
def test_a_report_refuses_a_key_that_is_no_report_photo(key):
    with pytest.raises(ValueError):
        ReportIn(waste_type="paper", lat=31.5, lng=74.3, photo_keys=[key])
