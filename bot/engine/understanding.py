"""What a message asks, read once, in Indonesian or English: its kind, the day(s) it names and its
topic. Everything after this (retrieval, abstention, the answer's shape, follow-ups) works from
the `Understanding`, never from the raw words again.

Kinds, as readers of daily briefs ask them:

- `day_summary`: "Ringkas berita hari ini", "News of November 30, 2025", "Apa yang terjadi
  kemarin?": what a day's brief says, across its sections (no topic words left);
- `latest`: "Berita terbaru Cyclone Senyar?", "Latest on the Sudanese civil war": a topic's
  newest reports first;
- `statement`: "Apa kata Rutte?", "What did Shoigu say?": what someone said;
- `topic`: "Apa yang terjadi di Kursk?", "Korea Utara", "Gaza peace plan on November 17?": what
  the briefs say about a topic (on a day, when one is named);
- `fact`: any other question ("Berapa drone yang ditembak jatuh?"): the passage that answers it;
- `small_talk`: "ok", "terima kasih", "clear": nothing to look up.

Days are read here but resolved against the briefs in `resolve_days`: "hari ini" / "today" is the
newest brief (briefs come out after the day they cover, and not every day), "kemarin" the one
before it, "minggu lalu" / "last week" the seven days up to the newest brief, and a date written
without a year the most recent such day not after the newest brief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

from bot.engine.intent import DAY_MARK, TOPIC_MARK, default_model, frame_words
from bot.engine.strangers import frame_typo, names_they_lack
from bot.engine.topic_matches import TopicMatch
from index.dates import MONTH_NAMES, WEEKDAY_NUMBERS, find_date, find_month, month_typos_fixed
from index.query_dates import time_spans
from index.text.language import detect_language
from index.text.matching import one_edit_apart
from index.text.stopwords import NEWS_WORDS, QUESTION_WORDS, SMALL_TALK, TOPIC_STOP_WORDS

Kind = Literal["fact", "topic", "statement", "day_summary", "latest", "small_talk", "unknown_name"]
DayKind = Literal["date", "month", "today", "yesterday", "last_week", "day_number"]

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})

_TODAY = re.compile(r"\b(?:hari\s+ini|today|tonight|this\s+morning|pagi\s+ini)\b", re.IGNORECASE)
_YESTERDAY = re.compile(r"\b(?:kemarin|kemaren|yesterday)\b", re.IGNORECASE)
_LAST_WEEK = re.compile(
    r"\b(?:minggu\s+(?:lalu|ini|terakhir)|pekan\s+(?:lalu|ini|terakhir)|seminggu\s+terakhir|"
    r"(?:last|this|past)\s+week|the\s+week)\b",
    re.IGNORECASE,
)
_DAY_NUMBER = re.compile(r"\b(?:hari\s+ke-?\s*|day\s+)(\d{1,5})\b", re.IGNORECASE)
# "4/11", "04.11": day first, as both languages' readers write it, without a year.
_SHORT_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})[/.](\d{1,2})(?![\d/.-])")
# Words asking for the newest reports. "terakhir" alone often means "final"; after "berita",
# "update", "kabar", "perkembangan" it means "latest".
_LATEST = re.compile(
    r"\b(?:terbaru|terkini|teranyar|paling\s+(?:baru|anyar)|latest|newest|most\s+recent|recent|"
    r"(?:berita|kabar|update|perkembangan|info)\s+terakhir|"
    r"last\s+(?:update|news)|lately|so\s+far)\b",
    re.IGNORECASE,
)
# "since yesterday" is a request for what is new in the newest brief.
_SINCE_YESTERDAY = re.compile(r"\b(?:since|sejak)\s+(?:yesterday|kemarin)\b", re.IGNORECASE)

# Someone's words: "apa kata Rutte", "what did Shoigu say", "menurut Blinken", "pernyataan X".
_STATEMENT_PATTERNS = (
    re.compile(
        r"\bapa\s+(?:yang\s+)?(?:kata|dikatakan|disampaikan|dinyatakan|ucapan|pernyataan)\s+(?P<who>.+)", re.IGNORECASE
    ),
    re.compile(r"\b(?:pernyataan|komentar|ucapan|kata-kata)\s+(?P<who>.+)", re.IGNORECASE),
    re.compile(
        r"\bwhat\s+(?:did|does|has|have)\s+(?P<who>.+?)\s+(?:say|said|tell|told|state|stated|announce|claim|warn)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\bwhat\s+(?:is|was)\s+(?P<who>.+?)\s+saying\b", re.IGNORECASE),
    re.compile(r"\b(?P<who>.+?)\s+(?:said|says)\s+what\b", re.IGNORECASE),
)
# A "speaker" that is the briefs themselves ("What did the brief of October 3 say about X?").
_BRIEF_WORDS = frozenset("brief briefs ringkasan berita news the summary report page".split())

# A bare topic ("Korea Utara", "Kursk") is short.
MAX_BARE_TOPIC_WORDS = 5


@dataclass(frozen=True, slots=True)
class DayReference:
    """A day (or days) a question names, before it is matched to the briefs."""

    kind: DayKind
    text: str  # the words that name it: "13 November", "kemarin"
    day: date | None = None  # kind "date": the date, its year inferred when not written; "month": its first day
    year_given: bool = False
    day_number: int | None = None  # kind "day_number": "hari ke-992" -> 992
    days_of_month: tuple[int, int] = (1, 31)  # kind "month": the part named ("akhir Oktober": 21-31)


@dataclass(frozen=True, slots=True)
class Understanding:
    question: str
    language: str  # "id" | "en", of the question itself
    kind: Kind
    topic: str  # the topic words in the asker's spelling ("Korea Utara"); "" for none
    day: DayReference | None = None
    speaker: str | None = None  # kind "statement": who
    new_only: bool = False  # "what's new since yesterday": leave out what the brief before said
    topics: tuple[TopicMatch, ...] = ()  # the briefs' own topic labels the question names, best first
    unknown_names: tuple[str, ...] = ()  # kind "unknown_name": the names no brief mentions

    @property
    def search_text(self) -> str:
        """What to search for: the topic when the question is about one, else the question."""
        if self.kind == "fact":
            return self.question
        return self.speaker or self.topic or self.question


class TopicIndex(Protocol):
    """What the briefs know: the topic labels they file items under, and their words."""

    def resolve(self, words: str, *, strict: bool = False) -> list[TopicMatch]: ...

    def knows(self, word: str) -> bool:
        """Whether the briefs use this word at all (as a label's word or in their text)."""
        ...

    def writes_in(self, language: str) -> bool:
        """Whether some brief is written in `language`."""
        ...

    def knows_spelt_otherwise(self, word: str) -> bool:
        """Whether the briefs have this word spelt the other language's way ("pasifik")."""
        ...

    def uses_word(self, word: str) -> bool:
        """Whether the briefs use this word (lower case) exactly as typed."""
        ...


def understand(
    question: str,
    *,
    reference: date | None = None,
    language: str | None = None,
    topics: TopicIndex | None = None,
) -> Understanding:
    """Reads `question`. `reference` (the newest brief's date) anchors dates without a year;
    `topics` (the briefs' own topics and words) tells a topic from the words around it.

    The day comes from the date reader; the topic from the words left once the day, function
    words and the words of how people ask (the intent examples' own words: "recap", "updates",
    "gimana") are set aside and the words the briefs never use are dropped; the kind from the
    intent model, reading the question with its day and topic masked."""
    # Phone keyboards type curly apostrophes ("What’s"); the patterns below are written with "'".
    text = month_typos_fixed(" ".join(question.translate(_APOSTROPHES).split()))
    lang = language or detect_language(text)
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return Understanding(question, lang, "small_talk", "")
    if all(w in SMALL_TALK for w in words) and len(words) <= 4:
        return Understanding(question, lang, "small_talk", "")
    day = read_day(text, reference)
    new_only = False
    if day is not None and day.kind == "yesterday" and _SINCE_YESTERDAY.search(text):
        day = DayReference("today", day.text)  # "what's new since yesterday": the newest brief
        new_only = True
    reading = _read_topic(text, topics, lang, year=day.day.year if day is not None and day.day is not None else None)
    topic, matches, masked, familiar, strangers = (
        reading.topic,
        reading.matches,
        reading.masked,
        reading.familiar,
        reading.strangers,
    )
    if strangers and not matches:
        # "Did Mount Fuji erupt?", "kabar iPhone 17": a name the briefs never mention.
        return Understanding(question, lang, "unknown_name", topic, day, unknown_names=strangers)
    guess = default_model().guess(masked)
    intent = guess.intent
    speaker = _speaker(text)
    if speaker and intent in ("statement", "topic", "fact"):
        return Understanding(question, lang, "statement", topic, day, speaker, topics=matches)
    if intent == "statement" and topic:
        return Understanding(question, lang, "statement", topic, day, topic, topics=matches)
    if not topic:
        if intent == "small_talk" and day is None:
            return Understanding(question, lang, "small_talk", "")
        if intent == "fact" and day is not None and _asks_a_question(words) and len(words) > 4:
            return Understanding(question, lang, "fact", "", day)
        if day is not None or intent in ("summary", "topic") or _asks_for_news(words):
            return Understanding(question, lang, "day_summary", "", day, new_only=new_only)
        return Understanding(question, lang, "fact", "", day)
    if intent == "fact" and day is None and _LATEST.search(text) and (matches or familiar):
        # "pilpres chili terbaru, siapa yg unggul?": asked of the newest reports, answered by them
        return Understanding(question, lang, "latest", topic, day, topics=matches)
    if intent == "fact":
        return Understanding(question, lang, "fact", topic, day, topics=matches)
    if not matches and not familiar and day is not None:
        # "kabar dunia tanggal 21/9": no word the briefs use, no topic of theirs: the day's news.
        return Understanding(question, lang, "day_summary", "", day, new_only=new_only)
    if intent == "summary" and not matches and (day is not None or guess.confidence >= _SURE or not familiar):
        # "what went on in the world on 9 March": words the briefs use, but no topic of theirs.
        return Understanding(question, lang, "day_summary", "", day, new_only=new_only)
    if intent == "small_talk" and not matches and not _is_bare_topic(words):
        return Understanding(question, lang, "small_talk", "")
    # A topic with no day is answered newest first.
    return Understanding(question, lang, "topic" if day is not None else "latest", topic, day, topics=matches)


# Topic words the briefs use from which a word they don't is no longer taken for the name the
# question is about (see `_read_topic`).
_KNOWN_WORDS_OUTWEIGH_STRANGERS = 5
# The intent model's probability above which its reading stands against a topic's words.
_SURE = 0.8


@dataclass(frozen=True, slots=True)
class _TopicReading:
    topic: str  # the topic's words
    matches: tuple[TopicMatch, ...]  # the briefs' labels they name
    masked: str  # the question with DATE and TOPIC in place of its day and topic
    familiar: bool  # the briefs use some of the topic's words
    strangers: tuple[str, ...]  # names it gives that the briefs never use


def _read_topic(text: str, topics: TopicIndex | None, language: str, *, year: int | None = None) -> _TopicReading:
    """The topic of `text`: its words, the labels they name, the names the briefs lack. `year`:
    the year of the day the question names, no topic word where it stands apart from the date
    ("natal 2025 (25 des)")."""
    spans = day_spans(text)
    frame = frame_words()
    known: list[tuple[int, int, str]] = []  # (start, end, word) of topic words the briefs use
    asking: list[tuple[int, int, str]] = []  # ... that the intent examples use too
    unknown: list[tuple[int, int, str]] = []  # ... and of those they never use
    years: list[tuple[int, int]] = []  # where the year of the day named stands apart from it
    cursor = 0
    for start, end in [*spans, (len(text), len(text))]:
        for match in _TOPIC_WORD.finditer(text, cursor, start):
            word = match.group().strip("'’")
            lowered = word.lower()
            if (
                not word
                or lowered in TOPIC_STOP_WORDS
                or lowered in SMALL_TALK - _KEEP_IN_TOPIC
                or lowered in _WEEKDAY_NAMES
                or lowered in _HOLIDAY_WORDS
                or lowered in MONTH_NAMES
                or lowered in NEWS_WORDS
                or lowered.removesuffix("nya") in NEWS_WORDS  # "isinya", "terakhirnya"
            ):
                continue
            if lowered == str(year):
                years.append(match.span())
                continue
            at = match.start() + match.group().find(word)
            # A word of how people ask, or one a typo away that the briefs don't use as typed
            # ("recpa", "happend").
            asks = lowered in frame or (
                not (topics is not None and topics.uses_word(lowered)) and frame_typo(lowered) is not None
            )
            if topics is None or topics.knows(lowered):
                # The words of how people ask ("recap", "updates", "gimana") are no topic, unless
                # the briefs file something under them (see below).
                if not asks:
                    known.append((at, at + len(word), word))
                else:
                    asking.append((at, at + len(word), word))
            elif not asks:
                # A word the briefs never use: a name they don't have ("Fuji"), or the topic said
                # in the other language ("perang" of English briefs); kept, for meaning to decide.
                unknown.append((at, at + len(word), word))
        cursor = end
    core = sorted([*known, *unknown])
    matches: list[TopicMatch] = []
    if topics is not None:
        if core:
            matches = topics.resolve(" ".join(w for _s, _e, w in core), strict=bool(unknown))
        if not matches and asking:
            # a word of how people ask may be a label's word after all ("World Cup")
            fuller = sorted([*core, *asking])
            fuller_matches = topics.resolve(" ".join(w for _s, _e, w in fuller), strict=True)
            if fuller_matches and fuller_matches[0].score >= _STRONG_LABEL:
                core, matches = fuller, fuller_matches
    topic = " ".join(w for _s, _e, w in core)
    topic_spans = [(s, e) for s, e, _ in core]
    # The stray year is masked as what it stands beside: a label's year ("2025 Afghanistan-Pakistan
    # conflict") is part of the topic, one beside a holiday ("natal 2025") part of the day.
    beside_topic = [y for y in years if any(0 <= s - y[1] <= 1 or 0 <= y[0] - e <= 1 for s, e in topic_spans)]
    masked = _mask(
        text, sorted([*spans, *(y for y in years if y not in beside_topic)]), sorted([*topic_spans, *beside_topic])
    )
    # A name the briefs spell otherwise in their own language ("Russian" / "Rusia") is no stranger.
    same_language = topics is not None and topics.writes_in(language)
    spelt_otherwise = topics.knows_spelt_otherwise if topics is not None else None
    strangers = names_they_lack(unknown, text, language, same_language=same_language, spelt_otherwise=spelt_otherwise)
    if len(known) >= _KNOWN_WORDS_OUTWEIGH_STRANGERS and all(w.islower() for w in strangers):
        # Many words the briefs use around one they don't, typed in lower case: a chat form or a
        # typo ("negonya", "nwaskan", "medsos") inside a question about what they report, not the
        # name it is about ("Jokowi", capitalised, still is); the relevance decision reads the
        # passage found.
        strangers = ()
    return _TopicReading(topic, tuple(matches), masked, bool(known) or bool(matches), strangers)


_TOPIC_WORD = re.compile(r"[\w'’]+", re.UNICODE)  # "Rusia-Ukraina": two words
_WEEKDAY_NAMES = frozenset(WEEKDAY_NUMBERS)
# Holidays name days, not topics: "thanksgiving 2025 (nov 27) - what was in the news that day?"
_HOLIDAY_WORDS = frozenset(
    "thanksgiving christmas xmas natal halloween easter paskah lebaran imlek nyepi waisak eve year's".split()
)


# A label matched this well by the fuller words wins over dropping a frame word.
_STRONG_LABEL = 0.9


def _mask(text: str, day_spans_: list[tuple[int, int]], topic_spans: list[tuple[int, int]]) -> str:
    """The question with DATE for its days and TOPIC for its topic words (a run of topic words,
    and the function words between them, one TOPIC; but a question word between them stays:
    "Energi apa yang dihasilkan limbah susu?" asks a question, "TOPIC apa yang TOPIC?")."""
    marks = sorted([(s, e, DAY_MARK) for s, e in day_spans_] + [(s, e, TOPIC_MARK) for s, e in topic_spans])
    pieces: list[str] = []
    cursor = 0
    for start, end, mark in marks:
        if start < cursor:
            continue
        between = text[cursor:start]
        between_words = [w.lower() for w in _WORD.findall(between)]
        if (
            pieces
            and pieces[-1] == mark
            and all(w in TOPIC_STOP_WORDS for w in between_words)
            and not _asks_a_question(between_words)
        ):
            between = ""  # "flood control projects in the Philippines": one topic
            pieces.pop()
        pieces += [between, mark]
        cursor = end
    pieces.append(text[cursor:])
    return " ".join("".join(pieces).split())


def read_day(text: str, reference: date | None = None) -> DayReference | None:
    """The day `text` names, if any: a written date wins over "today" / "yesterday"."""
    anchor = reference or date.today()
    found = find_date(text, anchor, question=True)
    if found is not None:
        spans = [s for s in time_spans(text) if not _is_relative(text[s[0] : s[1]])]
        words = text[spans[0][0] : spans[0][1]] if spans else ""
        return DayReference("date", words, found.date, found.year_given)
    short = _SHORT_DATE.search(text)
    if short:
        day_of_month, month = int(short.group(1)), int(short.group(2))
        when = _most_recent(day_of_month, month, anchor)
        if when is not None:
            return DayReference("date", short.group(0), when, False)
    whole_month = find_month(text, anchor)
    if whole_month is not None:
        # "bulan November kemarin", "in October": every brief of that month
        start, end = whole_month.span
        return DayReference(
            "month", text[start:end], whole_month.first, whole_month.year_given, days_of_month=whole_month.days
        )
    if match := _DAY_NUMBER.search(text):
        return DayReference("day_number", match.group(0), day_number=int(match.group(1)))
    if match := _YESTERDAY.search(text):
        return DayReference("yesterday", match.group(0))
    if match := _TODAY.search(text):
        return DayReference("today", match.group(0))
    if match := _LAST_WEEK.search(text):
        return DayReference("last_week", match.group(0))
    return None


def resolve_days(day: DayReference, brief_dates: list[date]) -> list[date]:
    """The days of `day` among `brief_dates` (newest first) or, for a written date, that date
    whether or not a brief has it (the caller then says there is none)."""
    if day.kind == "date" and day.day is not None:
        return [day.day]
    if not brief_dates:
        return []
    newest = brief_dates[0]
    if day.kind == "today":
        return [newest]
    if day.kind == "yesterday":
        return brief_dates[1:2]
    if day.kind == "last_week":
        return [d for d in brief_dates if d > newest - timedelta(days=7)]
    if day.kind == "month" and day.day is not None:
        first, last = day.days_of_month
        return [d for d in brief_dates if (d.year, d.month) == (day.day.year, day.day.month) and first <= d.day <= last]
    return []


def day_spans(text: str, *, months: bool = True) -> list[tuple[int, int]]:
    """Where `text` names days (dates, relative days, day numbers, "latest", and with `months`
    whole months), in order."""
    spans = list(time_spans(text))
    for pattern in (_LAST_WEEK, _SHORT_DATE, _TODAY):
        spans.extend(match.span() for match in pattern.finditer(text))
    month = find_month(text) if months else None
    if month is not None:
        spans.append(month.span)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def without_days(text: str, *, months: bool = True) -> str:
    """`text` with the words naming days taken out ("... shot down today?" -> "... shot down ?");
    without `months`, a month stays (the question's subject, not the briefs it is asked of:
    "the storm that hit New Orleans in August 2005")."""
    kept, cursor = [], 0
    for start, end in day_spans(text, months=months):
        kept.append(text[cursor:start])
        cursor = end
    kept.append(text[cursor:])
    return " ".join("".join(kept).split())


# Small-talk words that are also names or topics when they come with other words.
_KEEP_IN_TOPIC = frozenset({"good", "great", "nice", "cool", "baik", "selamat"})


def _speaker(text: str) -> str | None:
    for pattern in _STATEMENT_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        who_words = _WORD.findall(match.group("who"))
        if not who_words or any(w.lower() in _BRIEF_WORDS for w in who_words[:3]):
            continue
        # "Apa kata Rutte tentang Tiongkok?": the speaker is the name, not what follows it.
        name: list[str] = []
        for word in who_words:
            if word.lower() in {"tentang", "about", "soal", "mengenai", "on", "regarding", "di", "in", "pada"}:
                break
            if word.lower() not in TOPIC_STOP_WORDS and word.lower() not in NEWS_WORDS:
                name.append(word)
        if name:
            return " ".join(name)
    return None


def _asks_for_news(words: list[str]) -> bool:
    return any(w in NEWS_WORDS and w not in TOPIC_STOP_WORDS for w in words)


def _asks_a_question(words: list[str]) -> bool:
    """A question word anywhere ("siapa", "what", "Penghargaan apakah ..."), a long one a typo
    away ("bagaiaman", "dimankah"), or an Indonesian word asking with "-kah" ("keberapakah")."""
    return any(
        w in QUESTION_WORDS
        or (w.endswith("kah") and len(w) > 4)
        or (len(w) >= _TYPO_QUESTION_WORD and any(one_edit_apart(w, q) for q in _LONG_QUESTION_WORDS))
        for w in words
    )


def asks_a_question(text: str) -> bool:
    """Whether `text` holds a question word (see `_asks_a_question`)."""
    return _asks_a_question([w.lower() for w in _WORD.findall(text)])


# Question words this long are still read with a typo in them.
_TYPO_QUESTION_WORD = 6
_LONG_QUESTION_WORDS = tuple(q for q in QUESTION_WORDS if len(q) >= _TYPO_QUESTION_WORD)


def _is_bare_topic(words: list[str]) -> bool:
    return len(words) <= MAX_BARE_TOPIC_WORDS and not any(w in QUESTION_WORDS for w in words)


def _is_relative(words: str) -> bool:
    return bool(_TODAY.search(words) or _YESTERDAY.search(words) or _LATEST.search(words))


def _most_recent(day_of_month: int, month: int, anchor: date) -> date | None:
    if not 1 <= month <= 12:
        return None
    for year in range(anchor.year, anchor.year - 2, -1):
        try:
            candidate = date(year, month, day_of_month)
        except ValueError:
            return None
        if candidate <= anchor:
            return candidate
    return None
