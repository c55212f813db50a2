"""Plain text (.txt) and Markdown (.md, with YAML front matter): the file's own text is kept, so
a citation's offsets point into what the author wrote.
"""

from __future__ import annotations

from datetime import date

import frontmatter
import yaml

from index.dates import parse_date_value
from index.loaders.brief import BriefLoadError, decode, parsed_brief
from index.loaders.layout import heading_level, layout_of, lead_title, text_lines
from index.records import ParsedBrief
from index.text.language import normalize_language_code


def parse_txt(data: bytes, file_name: str, today: date | None, _max_bytes: int) -> ParsedBrief:
    text = decode(data, file_name)
    layout = layout_of(text_lines(text), has_lead=True, short_line_headings=True)
    return parsed_brief(file_name, text, lead_title(layout.lead), layout.blocks, today=today)


def parse_md(data: bytes, file_name: str, today: date | None, _max_bytes: int) -> ParsedBrief:
    metadata, body = _front_matter(decode(data, file_name), file_name)
    lines = text_lines(body)
    title = _metadata_text(metadata.get("title"))
    # A leading "# Title" is the title; so is a plain first line when the front matter has none.
    has_lead = bool(lines) and (
        heading_level(lines[0].text) == 1 or (title is None and heading_level(lines[0].text) is None)
    )
    layout = layout_of(lines, has_lead=has_lead, short_line_headings=False)
    return parsed_brief(
        file_name,
        body,
        title or lead_title(layout.lead),
        layout.blocks,
        today=today,
        known_date=parse_date_value(metadata.get("date"), today),
        url=_metadata_text(metadata.get("url") or metadata.get("link")),
        language=normalize_language_code(metadata.get("language") or metadata.get("lang")),
    )


def _front_matter(text: str, file_name: str) -> tuple[dict[str, object], str]:
    try:
        metadata, body = frontmatter.parse(text)
    except (yaml.YAMLError, ValueError) as error:
        raise BriefLoadError(file_name, "front matter is not valid YAML") from error
    return metadata, body


def _metadata_text(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None
