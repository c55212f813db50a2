"""What a question says about *when*: a date, "today"/"yesterday", "day 992", or "the latest".

Reading the question (`read_date_intent`) needs no index; deciding which briefs that means
(`resolve_dates`) needs the dates the index holds, because questions are read against the
briefs, not the calendar:

- "today" / "hari ini" is the newest brief's date, and "yesterday" / "kemarin" the newest date
  before it. Briefs are published after the day they cover and not every day, so the wall clock
  would often point at a day that has no brief; the newest brief is what a reader calls today's.
- a date written without a year ("13 November", "Rabu, 13 November") is the most recent such day
  not after the newest brief (and on that weekday when one is named).
- "hari ke-992" / "day 992" is the brief whose lead line says so.
- "terbaru" / "latest" filters nothing: it asks the ranking to prefer newer briefs.

A scope that matches no brief is dropped, so a date that names something else ("the treaty of
17 August 1945") never empties the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index.dates import date_spans, find_date

_TODAY = re.compile(r"\b(?:hari\s+ini|today)\b", re.IGNORECASE)
_YESTERDAY = re.compile(r"\b(?:kemarin|kemaren|yesterday)\b", re.IGNORECASE)
# "terakhir" and "recent" are left out: they as often mean "final" or "in recent years".
_LATEST = re.compile(r"\b(?:terbaru|terkini|latest|newest|most\s+recent)\b", re.IGNORECASE)
_DAY_NUMBER = re.compile(r"\b(?:hari\s+ke-?\s*|day\s+)(\d{1,5})\b", re.IGNORECASE)

# How far into a brief its lead line can reach: the seed brief's is about 120 characters.
LEAD_CHARS = 300


@dataclass(frozen=True, slots=True)
class DateIntent:
    """The time words of a question, before they are matched to the briefs."""

    has_date: bool = False  # the question writes a calendar date
    relative: str | None = None  # "today" | "yesterday"
    day_number: int | None = None  # "hari ke-992" -> 992
    latest: bool = False

    @property
    def scoped(self) -> bool:
        """Whether the question names a day (the search is then limited to it, if it exists)."""
        return self.has_date or self.relative is not None or self.day_number is not None


def read_date_intent(question: str) -> DateIntent:
    day_number = _DAY_NUMBER.search(question)
    relative = "yesterday" if _YESTERDAY.search(question) else "today" if _TODAY.search(question) else None
    return DateIntent(
        # Any reference day will do here: only whether a date is written matters.
        has_date=find_date(question, date.today(), question=True) is not None,
        relative=relative,
        day_number=int(day_number.group(1)) if day_number else None,
        latest=_LATEST.search(question) is not None,
    )


def time_spans(question: str) -> list[tuple[int, int]]:
    """(start, end) of the question's time words: dates, today / yesterday, day numbers, latest;
    in order, not overlapping."""
    spans = list(date_spans(question, question=True))
    for pattern in (_TODAY, _YESTERDAY, _LATEST, _DAY_NUMBER):
        spans.extend(match.span() for match in pattern.finditer(question))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def lead_mentions_day(lead: str, day_number: int) -> bool:
    """Whether a brief's lead line says it is about day `day_number` ("hari ke-992", "day 992")."""
    return any(int(match.group(1)) == day_number for match in _DAY_NUMBER.finditer(lead))


def resolve_dates(question: str, intent: DateIntent, brief_dates: list[date]) -> list[date]:
    """The brief dates (of `brief_dates`, newest first) a dated question asks about; [] if none.

    A written date wins over "today"/"yesterday" (the question "what happened on 12 November,
    yesterday?" is about 12 November whatever the newest brief is).
    """
    if not brief_dates:
        return []
    newest = brief_dates[0]
    if intent.has_date:
        match = find_date(question, newest, question=True)
        return [match.date] if match and match.date in brief_dates else []
    if intent.relative == "today":
        return [newest]
    if intent.relative == "yesterday":
        return brief_dates[1:2]
    return []
