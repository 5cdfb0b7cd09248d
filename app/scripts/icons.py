"""Draws the citizen app's icons (a white leaf on the brand green) for the web app manifest, so that the app
installs with icons made in the repository: 192 and 512 px, a maskable 512 px with the safe-zone margin, the
180 px Apple touch icon, and an SVG favicon. Run from app/: `python3 scripts/icons.py`."""

from pathlib import Path

from PIL import Image, ImageDraw

PUBLIC = Path(__file__).resolve().parents[1] / "public"
GREEN = (21, 101, 52)
WHITE = (255, 255, 255)
SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<rect width="100" height="100" rx="20" fill="#156534"/>
<path d="M28 72 C28 40 48 26 74 26 C74 54 58 72 28 72 Z" fill="#fff"/>
<path d="M30 70 L62 40" stroke="#156534" stroke-width="4" stroke-linecap="round"/>
</svg>
"""


def leaf(size: int, margin: float) -> Image.Image:
    """The leaf drawn inside `margin` (a fraction of the side) on a full green square."""
    image = Image.new("RGB", (size, size), GREEN)
    draw = ImageDraw.Draw(image)
    inner = size * (1 - 2 * margin)

    def at(x: float, y: float) -> tuple[float, float]:
        return (size * margin + inner * x, size * margin + inner * y)

    draw.ellipse([at(0.18, 0.18), at(0.82, 0.82)], fill=WHITE)
    draw.polygon([at(0.18, 0.82), at(0.5, 0.82), at(0.18, 0.5)], fill=WHITE)
    draw.line([at(0.22, 0.78), at(0.66, 0.34)], fill=GREEN, width=max(2, size // 40))
    return image


def main() -> None:
    PUBLIC.mkdir(exist_ok=True)
    for name, size, margin in (
        ("icon-192.png", 192, 0.08),
        ("icon-512.png", 512, 0.08),
        ("icon-maskable-512.png", 512, 0.2),
        ("apple-touch-icon.png", 180, 0.1),
    ):
        leaf(size, margin).save(PUBLIC / name, optimize=True)
    (PUBLIC / "favicon.svg").write_text(SVG)


if __name__ == "__main__":
    main()
