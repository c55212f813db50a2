"""Finds the date a brief is about, in Indonesian or English text.

Briefs often give only a weekday and a day ("Rabu, 13 November"): the year is then inferred as the
most recent one, not in the future, whose calendar agrees with the weekday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from index.text.matching import one_edit_apart

# The date of a brief is normally in its title or dateline, so these lines are searched before the
# body, where earlier events are often mentioned ("on 5 November the army...").
LEAD_LINES = 3

# A day and month (29 February included) falls on every weekday within 28 consecutive years; the
# margin covers a date later in the current year and the skipped leap day of 2100.
YEAR_SEARCH_SPAN = 40

_WEEKDAYS: dict[str, int] = {
    # Indonesian
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "jum'at": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
    # English
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}

WEEKDAY_NUMBERS = _WEEKDAYS  # public: question readers skip weekday names ("Kamis 13/11")

# How Indonesian writes them out, Monday and January first (datelines, replies, test briefs).
INDONESIAN_WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
INDONESIAN_MONTHS = tuple(
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()
)

_MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip

# English words that are also month names; written in lower case they are the word, not the month
# ("drones may 3 times...").
_LOWERCASE_NOT_A_MONTH = frozenset({"may", "mar", "march"})

_APOSTROPHES = "'’"

# What may surround a dateline's date: "(Rabu, 13 November 2024)", "— 13/11/2024 —".
_DATELINE_TRIM = " \t()[]-–—|.,:;"


def _full_month_names() -> dict[str, int]:
    return {name: number for name, number in _MONTHS.items() if len(name) > 3 or name in ("mei", "may")}


def _alternation(words: dict[str, int]) -> str:
    # Longest first, so that "Wednesday" is tried before "Wed".
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(word).replace("'", f"[{_APOSTROPHES}]") for word in ordered)


_WEEKDAY = rf"(?:(?P<weekday>{_alternation(_WEEKDAYS)})\.?,?\s+)?"
_DAY = r"(?P<day>\d{1,2})(?!\d)(?:st|nd|rd|th)?"
_MONTH_NAME = rf"(?P<month>{_alternation(_MONTHS)})\b\.?"
_OPTIONAL_YEAR = r"(?:(?:,?\s+|-)(?P<year>\d{4})(?!\d))?"
# Between a day and its month: "13 November", "13th of November", "13-Nov", "13nov".
_DAY_MONTH_GAP = r"(?:\s+of\s+|\s*-\s*|\s*)"
_NUMERIC_DAY = r"(?P<day>\d{1,2})"
_NUMERIC_MONTH = r"(?P<month>\d{1,2})"
_NUMERIC_YEAR = r"(?P<year>\d{4})"
# A part of a month: "early November", "the end of October", "akhir Oktober", "mid-December".
_MONTH_PART = (
    r"(?:early|late|mid|(?:the\s+)?(?:start|end|beginning|middle)\s+of|awal|akhir|pertengahan|penghujung)"
    r"(?:\s+bulan)?"
)
_MONTH_PART_START = re.compile(rf"\b{_MONTH_PART}", re.IGNORECASE)
_MONTH_LEAD = r"(?:bulan|in|during|last|sepanjang|selama)"
_MONTH_SCOPE = re.compile(
    rf"\b(?:(?P<lead>(?:{_MONTH_LEAD}\s+)?{_MONTH_PART}|{_MONTH_LEAD})(?:\s+|(?<=mid)-))?"
    rf"(?P<month>{_alternation(_full_month_names())})\b"
    r"(?:\s+(?P<year>\d{4})(?!\d))?(?:\s+(?P<tail>lalu|kemarin|kemaren))?",
    re.IGNORECASE,
)
_NUMERIC_SEPARATOR = r"(?P<sep>[-/.])"  # the second separator must repeat the first: (?P=sep)

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # "Rabu, 13 November", "13 November 2024", "Wed 13 Nov", "13th Nov. 2024", "13th of November"
    re.compile(rf"\b{_WEEKDAY}{_DAY}{_DAY_MONTH_GAP}{_MONTH_NAME}{_OPTIONAL_YEAR}", re.IGNORECASE),
    # "Wednesday, November 13", "November 13, 2024"
    re.compile(rf"\b{_WEEKDAY}{_MONTH_NAME}\s+{_DAY}\b{_OPTIONAL_YEAR}", re.IGNORECASE),
    # "2024-11-13" (also with a time after it), "2024/11/13"
    re.compile(rf"(?<!\d){_NUMERIC_YEAR}{_NUMERIC_SEPARATOR}{_NUMERIC_MONTH}(?P=sep){_NUMERIC_DAY}(?!\d)"),
    # "13/11/2024", "13-11-2024", "13.11.2024": day first, as both languages' readers write it
    re.compile(rf"(?<!\d){_NUMERIC_DAY}{_NUMERIC_SEPARATOR}{_NUMERIC_MONTH}(?P=sep){_NUMERIC_YEAR}(?!\d)"),
    # "9 bulan 11", "tanggal 9 bulan 11 tahun 2025": the month by its number, as it is said
    re.compile(
        rf"(?<!\d){_NUMERIC_DAY}\s+bulan\s+{_NUMERIC_MONTH}(?!\d)(?:\s+(?:tahun\s+)?(?P<year>\d{{4}})(?!\d))?"
        r"(?!\s+(?:hari|minggu|pekan|jam|bulan)\b)",  # not "3 bulan 5 hari": a length of time
        re.IGNORECASE,
    ),
)


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date found in text, and whether the text gave its year or it was inferred."""

    date: date
    year_given: bool


def extract_date(text: str, today: date | None = None) -> date | None:
    """The brief's date as written in `text`: its first lines first, then the rest."""
    match = find_date(text, today)
    return match.date if match else None


def find_date(text: str, today: date | None = None, *, question: bool = False) -> DateMatch | None:
    """Like `extract_date`, also telling whether the year was written or inferred. In a
    `question`, month names typed in lower case count ("recap march 9"); in a brief's text,
    "may" and "march" in lower case are the verb and the walk."""
    reference = today or date.today()
    lead, rest = _split_lead(text)
    for region in (lead, rest):
        match = _first_date(region, reference, question)
        if match:
            return match
    return None


@dataclass(frozen=True, slots=True)
class MonthMatch:
    """A whole month a question names ("bulan November kemarin", "in October 2025")."""

    first: date  # its first day
    year_given: bool
    span: tuple[int, int]
    days: tuple[int, int] = (1, 31)  # the days of the month it names: "early November" is 1-10


def find_month(text: str, today: date | None = None) -> MonthMatch | None:
    """The month `text` names as a span of time, not inside a date: after "bulan", "in",
    "during", "last", or followed by its year or "lalu" / "kemarin" ("November" alone may be
    anything). Without a year, the latest such month up to `today`."""
    reference = today or date.today()
    taken = date_spans(text, question=True)
    for match in _MONTH_SCOPE.finditer(text):
        lead, name, year, tail = (match.group(g) for g in ("lead", "month", "year", "tail"))
        if not (lead or year or tail) or any(s < match.end() and match.start() < e for s, e in taken):
            continue
        plain_lead = (lead or "").lower() != "bulan" and not _MONTH_PART_START.search(lead or "")
        if name.islower() and name in _LOWERCASE_NOT_A_MONTH and not year and plain_lead:
            continue  # "in may" is often the verb; "the end of march" is the month
        month = _MONTHS[name.lower()]
        if year:
            first = date(int(year), month, 1)
        else:
            first = date(reference.year if month <= reference.month else reference.year - 1, month, 1)
        return MonthMatch(first, bool(year), match.span(), _days_of_part(lead or ""))
    return None


def _days_of_part(lead: str) -> tuple[int, int]:
    """The days of the month a part of it names: its first, middle or last ten or so."""
    words = set(re.findall(r"[a-z]+", lead.lower()))
    if words & {"early", "start", "beginning", "awal"}:
        return (1, 10)
    if words & {"mid", "middle", "pertengahan"}:
        return (11, 20)
    if words & {"late", "end", "akhir", "penghujung"}:
        return (21, 31)
    return (1, 31)


MONTH_NAMES = frozenset(_MONTHS)  # every spelling of a month name the reader knows, lower case

_NUMBER_NEAR = re.compile(r"\d")
_TYPO_MONTHS = tuple(name for name in _MONTHS if len(name) >= 5)


def month_typos_fixed(text: str) -> str:
    """`text` with a month name mistyped by one letter, beside a number, written right ("24
    Novmber 2025", "oktobr 3"). Its first three letters must be the month's: "match 3" stays.
    The text's length may change: read days and spans from the text this returns."""
    words = list(re.finditer(r"[^\W\d_]+|\d+", text))
    out, cursor = [], 0
    for i, match in enumerate(words):
        word = match.group().lower()
        if len(word) < 5 or word in _MONTHS or not word.isalpha():
            continue
        beside = [words[j].group() for j in (i - 1, i + 1) if 0 <= j < len(words)]
        if not any(_NUMBER_NEAR.match(b) for b in beside):
            continue
        month = next((m for m in _TYPO_MONTHS if m[:3] == word[:3] and one_edit_apart(word, m)), None)
        if month is not None:
            out += [text[cursor : match.start()], month]
            cursor = match.end()
    return "".join([*out, text[cursor:]]) if out else text


def date_spans(text: str, *, question: bool = False) -> list[tuple[int, int]]:
    """(start, end) of every written date in `text` ("Rabu, 13 November", "12/11/2024")."""
    reference = date.today()  # any day will do: only whether the words make a date matters
    spans: list[tuple[int, int]] = []
    for match in _candidates(text):
        if (not spans or match.start() >= spans[-1][1]) and _to_date(match, reference, question):
            spans.append((match.start(), match.end()))
    return spans


def is_date_only(text: str) -> bool:
    """Whether `text` is nothing but a date, as a dateline is ("Rabu, 13 November 2024")."""
    core = text.strip(_DATELINE_TRIM)
    for pattern in _PATTERNS:
        match = pattern.fullmatch(core)
        # Any reference day will do: it only picks a year, and only an impossible date gets none.
        if match and _to_date(match, date.today()):
            return True
    return False


def parse_date_value(value: object, today: date | None = None) -> date | None:
    """A date from a front-matter or metadata value: a date, an ISO string or a written date."""
    if isinstance(value, datetime):  # checked first: a datetime is also a date
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    try:
        return datetime.fromisoformat(stripped).date()
    except ValueError:
        return extract_date(stripped, today)


def _split_lead(text: str) -> tuple[str, str]:
    lines = text.split("\n")
    seen = 0
    for index, line in enumerate(lines):
        if line.strip():
            seen += 1
            if seen == LEAD_LINES:
                return "\n".join(lines[: index + 1]), "\n".join(lines[index + 1 :])
    return text, ""


def _candidates(text: str) -> list[re.Match[str]]:
    """Every reading of a date in `text`: earliest first, and at one place the longer (more
    complete) reading first."""
    found = [match for pattern in _PATTERNS for match in pattern.finditer(text)]
    return sorted(found, key=lambda match: (match.start(), -(match.end() - match.start())))


def _first_date(text: str, today: date, question: bool = False) -> DateMatch | None:
    for candidate in _candidates(text):
        found = _to_date(candidate, today, question)
        if found:
            return found
    return None


def _to_date(match: re.Match[str], today: date, question: bool = False) -> DateMatch | None:
    groups = match.groupdict()
    month = _month_number(groups["month"], question)
    if month is None:
        return None
    day = int(groups["day"])
    if groups["year"]:
        # A written year is trusted over a weekday that disagrees with it (a typo in either is
        # possible, but a wrong year is the rarer one).
        try:
            return DateMatch(date(int(groups["year"]), month, day), year_given=True)
        except ValueError:  # 31 November and the like
            return None
    weekday = _weekday_number(groups.get("weekday"))
    inferred = _infer_year(month, day, weekday, today)
    return DateMatch(inferred, year_given=False) if inferred else None


def _month_number(token: str, question: bool = False) -> int | None:
    if token.isdigit():
        month = int(token)
        return month if 1 <= month <= 12 else None
    if not question and token.islower() and token in _LOWERCASE_NOT_A_MONTH:
        return None
    return _MONTHS.get(token.lower())


def _weekday_number(token: str | None) -> int | None:
    if not token:
        return None
    return _WEEKDAYS.get(token.lower().replace("’", "'"))


def _infer_year(month: int, day: int, weekday: int | None, today: date) -> date | None:
    """The most recent date on this day and month, not after today, on the weekday if given."""
    for year in range(today.year, today.year - YEAR_SEARCH_SPAN, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February outside leap years, 31 April...
            continue
        if candidate <= today and (weekday is None or candidate.weekday() == weekday):
            return candidate
    return None
