"""Bad uploads made in memory: bombs, truncated and corrupt files, polyglots, print and editing formats.

Every file in ``hostile_files()`` must be refused by ``load_photo`` with ``expected_code``; the unit suite
checks that with bounded memory and time, the integration suite through the running system. Odd files whose
pixels are sound are accepted; they are in ``tolerated_files()``.
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image

from ecopulse.verification.service import DEFAULT_POLICY
from tests.unit.verification.pictures import (
    camera_exif,
    encode,
    heif_declaring,
    heif_sequence,
    iphone_heic,
    skimage_photo,
)


@dataclass(frozen=True)
class HostileFile:
    name: str
    data: bytes
    content_type_claimed: str
    expected_code: str


@dataclass(frozen=True)
class ToleratedFile:
    """A sound photo with something odd outside its pixels: bytes after the image (motion photos carry their
    video there) or a damaged EXIF block, which is read leniently; or a HEIC as phones and cameras store it.
    ``exif_present`` and ``camera`` are what should be read from it."""

    name: str
    data: bytes
    exif_present: bool
    camera: str | None


def hostile_files(max_bytes: int = DEFAULT_POLICY.max_bytes) -> list[HostileFile]:
    """The corpus for the default pixel limit (50 MP) and an upload limit of ``max_bytes``."""
    photo = _photo()
    jpeg, png, webp = encode(photo), encode(photo, "PNG"), encode(photo, "WEBP", lossless=True)
    heic = iphone_heic(photo)
    return [
        *_sizes(jpeg, max_bytes),
        *_unsupported_formats(photo),
        *_disguised_documents(),
        *_bombs(),
        *_damaged(photo, jpeg, png, webp, heic),
        *_wrong_shapes(),
        *_animations(photo),
        *_print_and_editing_modes(photo),
    ]


def tolerated_files() -> list[ToleratedFile]:
    photo = _photo()
    jpeg = encode(photo)
    return [
        ToleratedFile("jpeg-with-zip-appended", jpeg + _zip(), False, None),
        ToleratedFile("jpeg-with-64kb-exif-of-5000-tags", encode(photo, exif=_huge_exif()), True, "Google Pixel 8"),
        ToleratedFile(
            "jpeg-exif-ifd-offset-outside-the-block", encode(photo, exif=_exif_ifd_at(0xFFFF0000)), False, None
        ),
        ToleratedFile("jpeg-exif-tag-value-outside-the-block", encode(photo, exif=_exif_value_outside()), True, "Pix"),
        ToleratedFile("jpeg-exif-ifd-chain-loops-on-itself", encode(photo, exif=_exif_ifd_loop()), True, "Pix"),
        ToleratedFile("jpeg-exif-not-tiff", encode(photo, exif=b"Exif\x00\x00" + b"garbage" * 20), False, None),
        ToleratedFile("heic-from-an-iphone-in-tiles", iphone_heic(photo), True, "Apple iPhone 15 Pro"),
        ToleratedFile("heic-with-a-zip-appended", iphone_heic(photo) + _zip(), True, "Apple iPhone 15 Pro"),
        ToleratedFile("heic-with-a-second-picture", _heic_pair(photo), True, "Google Pixel 8"),
        ToleratedFile("heic-10-bit-from-a-mirrorless-camera", _heic_10_bit(photo), True, "SONY ILCE-7M4"),
    ]


def _photo() -> Image.Image:
    return skimage_photo("coffee").resize((240, 160))


def _sizes(jpeg: bytes, max_bytes: int) -> list[HostileFile]:
    padded = jpeg + b"\x00" * (max_bytes + 1 - len(jpeg))
    return [
        HostileFile("zero-bytes", b"", "image/jpeg", "size"),
        HostileFile("one-byte-over-the-limit", padded, "image/jpeg", "size"),
        HostileFile("one-byte", b"\xff", "image/jpeg", "type"),
    ]


def _unsupported_formats(photo: Image.Image) -> list[HostileFile]:
    psd = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, photo.height, photo.width, 8, 3) + b"\x00" * 64
    return [
        HostileFile("gif", encode(photo, "GIF"), "image/gif", "type"),
        HostileFile("gif-animated", _animated(photo, "GIF"), "image/gif", "type"),
        HostileFile("gif-bomb-65535x65535", _gif_declaring(65535, 65535), "image/gif", "type"),
        HostileFile("bmp", encode(photo, "BMP"), "image/bmp", "type"),
        HostileFile("tiff", encode(photo, "TIFF"), "image/tiff", "type"),
        HostileFile("ico", encode(photo, "ICO"), "image/x-icon", "type"),
        HostileFile("psd", psd, "image/vnd.adobe.photoshop", "type"),
        HostileFile("avif", _iso_media(b"avif", b"avifmif1miaf"), "image/avif", "type"),
        HostileFile("avif-branded-as-plain-heif", _iso_media(b"mif1", b"mif1avifmiaf"), "image/heif", "type"),
        HostileFile("jpeg-xl-codestream", b"\xff\x0a\xfa\x7f\x01\x90\x08" + bytes(64), "image/jxl", "type"),
        HostileFile("riff-wave-audio", b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + bytes(64), "image/webp", "type"),
    ]


def _disguised_documents() -> list[HostileFile]:
    html = b"<!DOCTYPE html><html><body><script>fetch('/steal?c='+document.cookie)</script></body></html>"
    svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><rect width='99' height='99'/></svg>"
    pdf = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return [
        HostileFile("zip-named-jpeg", _zip(), "image/jpeg", "type"),
        HostileFile("html-named-jpeg", html, "image/jpeg", "type"),
        HostileFile("svg-with-script", svg, "image/svg+xml", "type"),
        HostileFile("svg-named-jpeg", b"<?xml version='1.0'?>\n" + svg, "image/jpeg", "type"),
        HostileFile("pdf-named-jpeg", pdf, "image/jpeg", "type"),
        HostileFile("html-behind-jpeg-magic", b"\xff\xd8\xff\xe0" + html, "image/jpeg", "corrupt"),
        HostileFile("zip-behind-png-signature", b"\x89PNG\r\n\x1a\n" + _zip(), "image/png", "corrupt"),
    ]


def _bombs() -> list[HostileFile]:
    """Huge canvases declared over a few bytes of data; canvases within the limit that still decode from a file
    thousands of times smaller than any photo of that size; and text chunks that inflate to 64 MB: Pillow stops
    inflating PNG text at 1 MB, so those are refused as damaged."""
    zlib_bomb = _zlib_bomb()
    return [
        HostileFile("png-bomb-100000x100000", _png_declaring(100_000, 100_000), "image/png", "pixels"),
        HostileFile("png-bomb-just-over-50mp", _png_declaring(7072, 7072), "image/png", "pixels"),
        HostileFile("jpeg-bomb-65000x65000", _jpeg_declaring(65_000, 65_000), "image/jpeg", "pixels"),
        HostileFile("webp-vp8x-canvas-bomb", _webp_vp8x_declaring(1 << 24, 1 << 24), "image/webp", "pixels"),
        HostileFile("webp-vp8l-bomb-16384x16384", _webp_vp8l_declaring(16384, 16384), "image/webp", "pixels"),
        HostileFile("webp-vp8-bomb-16383x16383", _webp_vp8_declaring(16383, 16383), "image/webp", "pixels"),
        HostileFile("webp-lossless-24mp-in-a-few-bytes", _flat("RGB", "WEBP", lossless=True), "image/webp", "pixels"),
        HostileFile("png-one-bit-24mp-in-a-few-kb", _flat("1", "PNG"), "image/png", "pixels"),
        HostileFile("heic-bomb-65535x65535", heif_declaring(65_535, 65_535), "image/heic", "pixels"),
        HostileFile("heic-bomb-just-over-50mp", heif_declaring(7072, 7072), "image/heic", "pixels"),
        HostileFile("heic-24mp-canvas-over-a-64x64-picture", heif_declaring(6000, 4000), "image/heic", "pixels"),
        HostileFile(
            "png-ztxt-zlib-bomb", _png_with_chunk(b"zTXt", b"note\x00\x00" + zlib_bomb), "image/png", "corrupt"
        ),
        HostileFile("png-iccp-zlib-bomb", _png_with_chunk(b"iCCP", b"icc\x00\x00" + zlib_bomb), "image/png", "corrupt"),
    ]


def _flat(mode: str, image_format: str, **options) -> bytes:
    """A valid 24-megapixel image of one colour: the encoder packs it into bytes, the decoder unpacks it all."""
    buffer = io.BytesIO()
    Image.new(mode, (6000, 4000)).save(buffer, image_format, **options)
    return buffer.getvalue()


def _damaged(photo: Image.Image, jpeg: bytes, png: bytes, webp: bytes, heic: bytes) -> list[HostileFile]:
    return [
        *(
            HostileFile(f"{kind}-truncated-at-{cut}", data[: _cut(data, cut)], f"image/{kind}", "corrupt")
            for kind, data in (("jpeg", jpeg), ("png", png), ("webp", webp), ("heic", heic))
            for cut in ("header", "half", "ninety-percent")
        ),
        HostileFile("heic-missing-its-last-byte", heic[:-1], "image/heic", "corrupt"),
        HostileFile("heic-with-an-empty-meta-box", _iso_media(b"heic", b"mif1heic"), "image/heic", "corrupt"),
        HostileFile("heic-picture-larger-than-its-canvas", _heic_canvas_shrunk(photo), "image/heic", "corrupt"),
        HostileFile("jpeg-without-a-frame", b"\xff\xd8\xff\xfe\x00\x04hi\xff\xd9", "image/jpeg", "corrupt"),
        HostileFile(
            "jpeg-huffman-table-overwritten", _overwritten(jpeg, jpeg.index(b"\xff\xc4") + 4), "image/jpeg", "corrupt"
        ),
        HostileFile("jpeg-scan-with-a-second-frame-header", _in_the_scan(jpeg, b"\xff\xc0"), "image/jpeg", "corrupt"),
        HostileFile("jpeg-scan-with-a-second-image-start", _in_the_scan(jpeg, b"\xff\xd8"), "image/jpeg", "corrupt"),
        HostileFile("png-idat-overwritten", _overwritten(png, png.index(b"IDAT") + 40), "image/png", "corrupt"),
        HostileFile("png-header-checksum-wrong", png[:29] + b"\x00\x00\x00\x00" + png[33:], "image/png", "corrupt"),
        HostileFile("png-without-pixel-data", png[:33] + _chunk(b"IEND", b""), "image/png", "corrupt"),
        HostileFile("webp-lossless-bitstream-overwritten", _overwritten(webp, 40), "image/webp", "corrupt"),
        HostileFile("webp-lossy-partition-beyond-the-file", _vp8_partition_beyond(photo), "image/webp", "corrupt"),
    ]


def _wrong_shapes() -> list[HostileFile]:
    return [
        HostileFile("png-one-pixel", encode(Image.new("RGB", (1, 1), "green"), "PNG"), "image/png", "shape"),
        HostileFile("jpeg-63-pixels-wide", encode(Image.new("RGB", (63, 400), "green")), "image/jpeg", "shape"),
        HostileFile("webp-11-to-1", encode(Image.new("RGB", (704, 64), "green"), "WEBP"), "image/webp", "shape"),
        # 40 MP is under the pixel limit, but the model would resize a 40:1 sliver into a 10-MP picture.
        HostileFile("png-sliver-40000x1000", _png_declaring(40_000, 1_000), "image/png", "shape"),
    ]


def _animations(photo: Image.Image) -> list[HostileFile]:
    return [
        HostileFile("apng", _animated(photo, "PNG"), "image/png", "animated"),
        HostileFile("webp-animated", _animated(photo, "WEBP"), "image/webp", "animated"),
        HostileFile("heif-sequence", heif_sequence(photo), "image/heic", "animated"),
    ]


def _print_and_editing_modes(photo: Image.Image) -> list[HostileFile]:
    levels = np.asarray(photo, dtype=np.uint16) * 257
    return [
        HostileFile("jpeg-cmyk", encode(photo.convert("CMYK")), "image/jpeg", "colour"),
        HostileFile(
            "jpeg-cmyk-with-camera-exif", encode(photo.convert("CMYK"), exif=camera_exif()), "image/jpeg", "colour"
        ),
        HostileFile("png-16-bit-grey", _png16(levels[:, :, 0], colour_type=0), "image/png", "depth"),
        HostileFile("png-16-bit-grey-alpha", _png16(levels[:, :, :2], colour_type=4), "image/png", "depth"),
        HostileFile("png-16-bit-rgb", _png16(levels, colour_type=2), "image/png", "depth"),
        HostileFile(
            "png-16-bit-rgba", _png16(np.dstack([levels, levels[:, :, :1]]), colour_type=6), "image/png", "depth"
        ),
        HostileFile("heif-10-bit-grey", _heif_deep(levels[:, :, 0], "L;16"), "image/heif", "depth"),
    ]


def _cut(data: bytes, where: str) -> int:
    return {"header": 20, "half": len(data) // 2, "ninety-percent": len(data) * 9 // 10}[where]


def _overwritten(data: bytes, at: int) -> bytes:
    return data[:at] + bytes(range(0, 256, 7)) * 4 + data[at + 148 :]


def _in_the_scan(jpeg: bytes, marker: bytes) -> bytes:
    """A marker in the middle of the entropy-coded data. libjpeg fails on a structural one (a second frame or
    image); a stray end-of-image or restart marker, like most flipped bits, it recovers from with grey blocks,
    damage no decoder can tell from a picture."""
    scan = jpeg.index(b"\xff\xda")
    middle = scan + (len(jpeg) - scan) // 2
    return jpeg[:middle] + marker + jpeg[middle:]


def _vp8_partition_beyond(photo: Image.Image) -> bytes:
    """The VP8 frame tag's first-partition size set to its maximum, far past the end of the file."""
    data = encode(photo, "WEBP", quality=90)
    return data[:20] + b"\xff\xff\xff" + data[23:]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, bit_depth: int, colour_type: int, scanlines: bytes, *extra: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + b"".join(extra)
        + _chunk(b"IDAT", zlib.compress(scanlines))
        + _chunk(b"IEND", b"")
    )


def _png_declaring(width: int, height: int) -> bytes:
    """A header declaring a huge canvas over 64 bytes of pixel data: refused unread, or it is a bomb."""
    return _png(width, height, 8, 2, b"\x00" * 64)


def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    return _png(64, 64, 8, 0, b"\x00" * 65 * 64, _chunk(kind, body))


def _png16(levels: np.ndarray, colour_type: int) -> bytes:
    height, width = levels.shape[:2]
    rows = levels.astype(">u2").reshape(height, -1).view(np.uint8)
    scanlines = np.hstack([np.zeros((height, 1), np.uint8), rows]).tobytes()
    return _png(width, height, 16, colour_type, scanlines)


def _zlib_bomb() -> bytes:
    """64 MB of zeros in 64 KB, compressed a megabyte at a time so that making it costs no memory."""
    squeezer, zeros = zlib.compressobj(9), bytes(1 << 20)
    return b"".join(squeezer.compress(zeros) for _ in range(64)) + squeezer.flush()


def _jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (64, 64), "green")))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _webp_vp8_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (64, 64), "green"), "WEBP"))
    data[26:30] = struct.pack("<HH", width, height)
    return bytes(data)


def _webp_vp8l_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (64, 64), "green"), "WEBP", lossless=True))
    bits = int.from_bytes(data[21:25], "little")
    bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
    data[21:25] = bits.to_bytes(4, "little")
    return bytes(data)


def _webp_vp8x_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (64, 64), "green"), "WEBP", exif=camera_exif()))
    data[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def _gif_declaring(width: int, height: int) -> bytes:
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + frame + b";"


def _iso_media(brand: bytes, compatible: bytes) -> bytes:
    """An ISO base media file (HEIF, AVIF) as far as its ``ftyp`` and an empty ``meta`` box."""
    ftyp = brand + b"\x00\x00\x00\x00" + compatible
    meta = b"\x00\x00\x00\x00" + bytes(24)
    return struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp + struct.pack(">I", 8 + len(meta)) + b"meta" + meta


def _heif_deep(levels: np.ndarray, mode: str, exif: Image.Exif | None = None) -> bytes:
    """16-bit samples saved by pillow-heif as a 10-bit HEIF."""
    height, width = levels.shape[:2]
    deep = pillow_heif.from_bytes(mode, (width, height), levels.astype("<u2").tobytes())
    buffer = io.BytesIO()
    deep.save(buffer, quality=90, exif=None if exif is None else exif.tobytes())
    return buffer.getvalue()


def _heic_10_bit(photo: Image.Image) -> bytes:
    exif = camera_exif(camera=("SONY", "ILCE-7M4"))
    return _heif_deep(np.asarray(photo, dtype=np.uint16) * 257, "RGB;16", exif)


def _heic_pair(photo: Image.Image) -> bytes:
    """Two pictures, the first the primary one: a burst's pick, one half of a stereo pair."""
    buffer = io.BytesIO()
    photo.save(buffer, "HEIF", save_all=True, append_images=[photo.rotate(180)], exif=camera_exif().tobytes())
    return buffer.getvalue()


def _heic_canvas_shrunk(photo: Image.Image) -> bytes:
    """The real picture larger than the canvas declared in ``ispe``: decoded in full, it would outgrow the
    pixel cap that the canvas was checked against."""
    data = bytearray(encode(photo, "HEIF"))
    extents = data.index(b"ispe") + 8
    data[extents : extents + 8] = struct.pack(">II", 64, 64)
    return bytes(data)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def _animated(photo: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    photo.save(buffer, image_format, save_all=True, append_images=[photo.rotate(180)], duration=100, loop=0)
    return buffer.getvalue()


def _huge_exif() -> Image.Exif:
    """Near the 64 KB a JPEG segment can hold: 5000 private tags in IFD0, as maker notes can bloat it."""
    exif = camera_exif()
    for offset in range(5000):
        exif[0xC000 + offset] = offset
    return exif


def _tiff_ifd(entries: list[tuple[int, int, int, int]], next_ifd: int) -> bytes:
    packed = b"".join(struct.pack("<HHII", *entry) for entry in entries)
    return struct.pack("<H", len(entries)) + packed + struct.pack("<I", next_ifd)


def _exif_ifd_at(offset: int) -> bytes:
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", offset)


def _exif_value_outside() -> bytes:
    """Make ("Pix", inline in its entry) is readable; Model's 400 bytes are said to be 4 GB into the block."""
    entries = [(0x010F, 2, 4, int.from_bytes(b"Pix\x00", "little")), (0x0110, 2, 400, 0xFFFFFF00)]
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + _tiff_ifd(entries, 0)


def _exif_ifd_loop() -> bytes:
    """IFD0 names itself as the next IFD."""
    entries = [(0x010F, 2, 4, int.from_bytes(b"Pix\x00", "little"))]
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + _tiff_ifd(entries, 8)
