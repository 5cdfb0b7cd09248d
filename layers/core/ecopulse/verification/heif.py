"""What a HEIF file's boxes (ISO/IEC 14496-12 and 23008-12) say before a decoder sees it: is it an image sequence,
and does it hold every byte its images point to?

The second question is libheif's to answer, but it answers it only for a single-picture image: a picture stored
as a grid of tiles (iPhones store every photo as 512x512 tiles) decodes with each missing tile drawn as a flat
green square, so a truncated upload would pass for a photo with holes in it. The item locations (``iloc``) are
therefore checked against the length of the file first.
"""

from collections.abc import Iterator
from dataclasses import dataclass

SEQUENCE_BRANDS = frozenset({b"msf1", b"hevc", b"hevx", b"hevm", b"hevs"})
_FILE_OFFSETS = 0  # iloc construction method 0: extents are offsets into the file itself


class MalformedHeif(ValueError):
    """The boxes cannot be walked: a box is cut short, or one every HEIF image needs is missing."""


@dataclass(frozen=True)
class HeifLayout:
    """``brands``: the ``ftyp`` box's major and compatible brands. ``tracks``: whether the file has a movie box,
    which holds an image sequence's timed pictures. ``items_end``: the furthest byte that any item's data
    reaches (0 when it is not known before the file is walked)."""

    brands: frozenset[bytes]
    tracks: bool
    items_end: int = 0

    @property
    def is_sequence(self) -> bool:
        """An animation or a burst: timed pictures in a track, or a brand that announces them."""
        return self.tracks or bool(self.brands & SEQUENCE_BRANDS)


def heif_layout(data: bytes) -> HeifLayout:
    """Walk the top-level boxes, read the brands and, unless the file is a sequence, where its items' data lies.

    Bytes after the last whole box are not walked: a truncated box ends the walk, and so do bytes that are not
    boxes at all (a trailer, as phones append to motion photos).
    """
    top_level = list(_boxes(data, 0, len(data)))
    if not top_level or top_level[0][0] != b"ftyp":
        raise MalformedHeif("the file does not start with a file type box")
    _, ftyp_start, ftyp_end = top_level[0]
    brands = frozenset(data[offset : offset + 4] for offset in range(ftyp_start + 8, ftyp_end - 3, 4))
    layout = HeifLayout(brands | {data[ftyp_start : ftyp_start + 4]}, any(kind == b"moov" for kind, *_ in top_level))
    if layout.is_sequence:
        return layout
    meta = next(((start, end) for kind, start, end in top_level if kind == b"meta"), None)
    if meta is None:
        raise MalformedHeif("the file has no complete meta box")
    iloc = next(((start, end) for kind, start, end in _boxes(data, meta[0] + 4, meta[1]) if kind == b"iloc"), None)
    if iloc is None:
        raise MalformedHeif("the meta box has no item locations")
    return HeifLayout(layout.brands, layout.tracks, max(_file_extent_ends(_Fields(data, *iloc)), default=0))


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each whole box between ``start`` and ``end``."""
    offset = start
    while offset + 8 <= end:
        size, kind, header = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8], 8
        if size == 1:
            if offset + 16 > end:
                return
            size, header = int.from_bytes(data[offset + 8 : offset + 16], "big"), 16
        elif size == 0:
            size = end - offset  # the box runs to the end of its parent
        if size < header or offset + size > end:
            return
        yield kind, offset + header, offset + size
        offset += size


class _Fields:
    """Big-endian unsigned fields read in turn from one box's payload, never past its end."""

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data, self.offset, self.end = data, start, end

    def uint(self, size: int) -> int:
        if self.offset + size > self.end:
            raise MalformedHeif("the item locations are cut short")
        value = int.from_bytes(self.data[self.offset : self.offset + size], "big")
        self.offset += size
        return value


def _file_extent_ends(iloc: _Fields) -> Iterator[int]:
    """The end of each extent of item data stored in the file itself (ISO/IEC 14496-12, 8.11.3)."""
    version = iloc.uint(1)
    iloc.uint(3)  # flags
    if version > 2:
        raise MalformedHeif(f"item locations of version {version} are not defined")
    sizes = iloc.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 0x0F
    sizes = iloc.uint(1)
    base_offset_size, index_size = sizes >> 4, (sizes & 0x0F) if version else 0
    if any(size not in (0, 4, 8) for size in (offset_size, length_size, base_offset_size, index_size)):
        raise MalformedHeif("the item locations declare a field size of neither 0, 4 nor 8 bytes")
    id_size = 4 if version == 2 else 2
    for _ in range(iloc.uint(id_size)):
        iloc.uint(id_size)  # item ID
        construction_method = iloc.uint(2) & 0x0F if version else _FILE_OFFSETS
        data_reference = iloc.uint(2)
        base_offset = iloc.uint(base_offset_size)
        for _ in range(iloc.uint(2)):
            iloc.uint(index_size)
            extent_offset, extent_length = iloc.uint(offset_size), iloc.uint(length_size)
            if construction_method == _FILE_OFFSETS and data_reference == 0:
                yield base_offset + extent_offset + extent_length
