"""The impact certificate: a PDF rendered with fpdf2 (pure Python), the ``Certificates`` port of
``ecopulse.impact``.

The same request, cleanups and retirement always give the same bytes (the creation date is the retirement's),
so the SHA-256 recorded when the request was issued can be checked again at any time by rendering it anew. The
chain commits to the cleanups' hash, not to the PDF: the PDF names the transaction, so that transaction cannot
carry the PDF's hash.
"""

from datetime import UTC

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ecopulse.impact import PLACE_DECIMALS, CreditRequest, ImpactEntry, Retirement

NO_PHOTOS = (
    "Photos are not shown. The city keeps only the original photographs, which carry what their cameras recorded "
    "(places, times, devices); a certificate shows no copy of them."
)


def _text(value: object) -> str:
    """The PDF's core fonts are Latin-1: anything else is shown as '?' rather than refused."""
    return str(value).encode("latin-1", "replace").decode("latin-1")


def place_of(entry: ImpactEntry) -> str:
    """About 100 m: the rounding the public sees reports at."""
    if entry.lat is None or entry.lng is None:
        return "not recorded"
    return f"{entry.lat:.{PLACE_DECIMALS}f}, {entry.lng:.{PLACE_DECIMALS}f}"


class PdfCertificates:
    def __init__(self, registry_address: str = "", chain_id: int = 0) -> None:
        self._registry_address = registry_address
        self._chain_id = chain_id

    def render(self, request: CreditRequest, entries: list[ImpactEntry], retirement: Retirement) -> bytes:
        pdf = FPDF()
        pdf.set_creation_date(retirement.retired_at.astimezone(UTC))
        pdf.set_title(f"Impact certificate {request.request_id}")
        pdf.set_author(_text(request.tenant))
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        width = pdf.epw

        def line(text: str, size: int = 10, style: str = "") -> None:
            pdf.set_font("Helvetica", style, size)
            pdf.multi_cell(width, size * 0.5 + 1, _text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        line("Impact certificate", 20, "B")
        pdf.ln(2)
        kilograms = sum(entry.kilograms for entry in entries)
        line(
            f"{request.organisation} funded {request.credits} impact credits in {request.tenant}: "
            f"{len(entries)} cleanups of litter, verified by the city and estimated at {kilograms:g} kg "
            "(one credit is one kilogram)."
        )
        line(
            "What is certified is verified cleanups, counted at the city's estimate of kilograms per category of "
            "litter. It is not a carbon credit and certifies no tonnes of CO2."
        )
        pdf.ln(2)
        line("Request", 12, "B")
        line(f"Request id: {request.request_id}")
        line(f"Zone: {request.zone_id or 'the whole city'}; period: {request.period_start} to {request.period_end}")
        line(f"Sponsor's address on chain: {retirement.sponsor}")
        pdf.ln(2)
        line("Retirement on chain", 12, "B")
        line(f"Transaction: {retirement.tx_hash}")
        line(f"Block {retirement.block_number}, {retirement.retired_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC")
        if self._registry_address:
            line(f"ImpactRegistry {self._registry_address} on chain {self._chain_id}")
        line(f"Credits retired: {retirement.amount}")
        line(f"Cleanups hash (SHA-256 of the ids below, sorted, one per line): {retirement.cleanups_hash}")
        line(
            f"Check it: GET /public/impact-credits/{request.tenant}/{request.request_id}/verification "
            "(add ?sha256=<this file's SHA-256>)"
        )
        pdf.ln(2)
        line("Cleanups funded", 12, "B")
        line(NO_PHOTOS, 8)
        pdf.ln(1)
        columns = (("Date", 0.14), ("Category", 0.14), ("Place (about 100 m)", 0.24), ("kg", 0.08), ("Id", 0.40))
        pdf.set_font("Helvetica", "B", 8)
        for title, share in columns:
            pdf.cell(width * share, 6, title, border=1)
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)
        for entry in entries:
            cells = (
                f"{entry.verified_at:%Y-%m-%d}",
                entry.category,
                place_of(entry),
                f"{entry.kilograms:g}",
                entry.submission_id,
            )
            for (_, share), value in zip(columns, cells, strict=True):
                pdf.cell(width * share, 5, _text(value), border=1)
            pdf.ln()
        return bytes(pdf.output())
