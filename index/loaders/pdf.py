"""PDF: the extracted text, read with the plain-text layout rules, each paragraph rejoined onto
one line.
"""

from __future__ import annotations

import io
from datetime import date

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from index.loaders.brief import BriefLoadError, brief_date, parsed_brief
from index.loaders.layout import Piece, assemble, layout_of, lead_title, text_lines, unwrap
from index.records import ParsedBrief


def parse_pdf(data: bytes, file_name: str, today: date | None, max_bytes: int) -> ParsedBrief:
    # A compressed PDF may hold far more text than its size: the text is bounded too.
    extracted = _pdf_text(data, file_name, max_chars=max_bytes)
    layout = layout_of(text_lines(extracted), has_lead=True, short_line_headings=True)
    title = lead_title(layout.lead)
    # PDF text is hard-wrapped at the page width: each paragraph is rejoined onto one line.
    pieces = [
        Piece(block.heading, "heading") if block.heading is not None else Piece(unwrap(block.lines), "paragraph")
        for block in layout.blocks
    ]
    text, blocks = assemble(title, pieces)
    # Dated from the extracted text: the rebuilt one has lost the dateline, if there was one.
    known_date = brief_date(extracted, file_name, today)
    return parsed_brief(file_name, text, title, blocks, today=today, known_date=known_date)


def _pdf_text(data: bytes, file_name: str, *, max_chars: int) -> str:
    pages: list[str] = []
    length = 0
    try:
        reader = PdfReader(io.BytesIO(data))
        unlocked = not reader.is_encrypted or _unlock(reader)
        for page in reader.pages if unlocked else []:
            pages.append(page.extract_text() or "")
            length += len(pages[-1])
            if length > max_chars:  # stop reading: the brief is refused whatever follows
                break
    except Exception as error:  # pypdf signals a damaged file with many exception types
        reason = "not a readable PDF (file is damaged or encrypted)"
        raise BriefLoadError(file_name, reason) from error
    if not unlocked:
        raise BriefLoadError(file_name, "not a readable PDF (file is encrypted)")
    if length > max_chars:
        raise BriefLoadError(file_name, f"too much text (over {max_chars:,} characters)")
    text = "\n".join(pages).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BriefLoadError(file_name, "no text in the PDF (a scan without a text layer?)")
    return text


def _unlock(reader: PdfReader) -> bool:
    # Many PDFs are encrypted only to restrict printing or copying, with an empty user password.
    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError:  # AES needs the optional "cryptography" package
        return False
