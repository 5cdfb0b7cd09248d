"""heif_layout on boxes made here: sequences found by brand or by track, and the end of the item data read from
every form of item location the standard allows."""

import struct

import pytest

from ecopulse.verification.heif import MalformedHeif, heif_layout


def box(kind: bytes, payload: bytes, *, large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def ftyp(major: bytes = b"heic", compatible: bytes = b"mif1heic") -> bytes:
    return box(b"ftyp", major + bytes(4) + compatible)


def iloc(version: int, extents: list[tuple[int, int]], *, base_offset: int = 0, method: int = 0) -> bytes:
    """One item, its extents (offset, length) with 4-byte fields; version 1 and 2 with a 4-byte base offset."""
    base_size = 4 if version else 0
    id_size = 4 if version == 2 else 2
    fields = struct.pack(">B3xBB", version, 0x44, base_size << 4) + (1).to_bytes(id_size, "big")
    fields += (1).to_bytes(id_size, "big")
    if version:
        fields += struct.pack(">H", method)
    fields += struct.pack(">H", 0) + base_offset.to_bytes(base_size, "big") + struct.pack(">H", len(extents))
    fields += b"".join(struct.pack(">II", offset, length) for offset, length in extents)
    return box(b"iloc", fields)


def heif(locations: bytes, data: bytes = bytes(100), **ftyp_brands: bytes) -> bytes:
    return ftyp(**ftyp_brands) + box(b"meta", bytes(4) + box(b"hdlr", bytes(24)) + locations) + box(b"mdat", data)


def declaring_two_extents(one_extent: bytes) -> bytes:
    """The extent count (the two bytes before the last extent's eight) raised to 2 over the one extent held."""
    return one_extent[:-10] + struct.pack(">H", 2) + one_extent[-8:]


def test_the_end_of_the_item_data_is_the_furthest_extent():
    layout = heif(iloc(0, [(200, 50), (120, 10)]))
    assert heif_layout(layout).items_end == 250


@pytest.mark.parametrize("version", [1, 2])
def test_extents_count_from_the_base_offset_in_later_versions(version):
    assert heif_layout(heif(iloc(version, [(20, 30)], base_offset=100))).items_end == 150


def test_extents_inside_the_meta_box_or_another_item_are_not_file_offsets():
    assert heif_layout(heif(iloc(1, [(5_000_000, 10)], method=1))).items_end == 0


def test_a_sequence_is_told_by_its_brand_or_by_a_movie_box_alone():
    by_brand = heif(iloc(0, [(0, 1)]), major=b"msf1", compatible=b"hevcmif1")
    by_track = heif(iloc(0, [(0, 1)])) + box(b"moov", box(b"mvhd", bytes(100)))
    assert heif_layout(by_brand).is_sequence and heif_layout(by_track).is_sequence
    assert not heif_layout(heif(iloc(0, [(0, 1)]))).is_sequence


def test_a_sequence_needs_no_item_locations():
    assert heif_layout(ftyp(b"msf1", b"hevc") + box(b"moov", b"")).is_sequence


def test_boxes_with_a_64_bit_size_or_running_to_the_end_are_walked():
    meta = box(b"meta", bytes(4) + iloc(0, [(10, 10)]), large=True)
    data = ftyp() + meta + struct.pack(">I4s", 0, b"mdat") + bytes(50)
    assert heif_layout(data).items_end == 20


def test_bytes_after_the_last_box_end_the_walk():
    data = heif(iloc(0, [(10, 10)])) + b"PK\x03\x04 a zip as motion photos append their video"
    assert heif_layout(data).items_end == 20


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (box(b"meta", b"") + ftyp(), "file type box"),
        (ftyp() + box(b"mdat", bytes(10)), "no complete meta box"),
        (ftyp() + box(b"meta", bytes(4) + box(b"hdlr", bytes(24)))[:-1], "no complete meta box"),
        (heif(b""), "no item locations"),
        (heif(iloc(3, [(0, 1)])), "version 3"),
        (heif(declaring_two_extents(iloc(0, [(0, 1)]))), "cut short"),
        (heif(iloc(0, [(0, 1)]).replace(b"\x44", b"\x24", 1)), "neither 0, 4 nor 8"),
    ],
    ids=["no-ftyp", "no-meta", "meta-cut", "no-iloc", "iloc-version", "iloc-cut", "iloc-field-size"],
)
def test_a_structure_that_cannot_be_walked_is_malformed(data, problem):
    with pytest.raises(MalformedHeif, match=problem):
        heif_layout(data)
