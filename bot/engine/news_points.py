"""Answers to the questions people ask a briefs bot about the news, as opposed to factoids:
a day's summary, what the briefs say about a topic (newest first), what someone said.

Each answer is a list of points, one per cited passage, quoting the passage's opening sentences
exactly; a topic's points carry their brief's date, a day's points sit under their section.
Whether a passage is about the topic at all is `is_about`, the relevance decision shared with
the alerts of followed topics.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from bot.engine.records import Citation
from bot.engine.replies import format_day, reply
from index.records import Hit, Passage
from index.text.glossary import glossed
from index.text.matching import NAME_WEIGHT, Term, content_terms, coverage, stems, text_key
from index.text.sentences import split_sentences, split_sources
from index.text.stopwords import TOPIC_STOP_WORDS

# A day's summary: at least this many points when the brief has them, at most the other.
SUMMARY_MIN_POINTS = 3
SUMMARY_MAX_POINTS = 8
# A topic's or a speaker's points.
TOPIC_MAX_POINTS = 5
# A point quotes its passage's opening sentences up to about this many characters.
POINT_MAX_CHARS = 300
# ... or, to reach the sentence naming the topic, up to this many.
TOPIC_POINT_MAX_CHARS = 450
# A passage is about a topic when it (with its section path) holds this weighted share of the
# topic's words, names counting double; or, for a topic written in the other language than
# the briefs, when the embedder puts it this close. Set on the news questions and the sample
# brief's conversations (docs/answers.md, "News questions").
TOPIC_MIN_COVERAGE = 0.7
TOPIC_MIN_DENSE = 0.86
TOP_SECTION_SEPARATOR = " › "

P = TypeVar("P", bound=Passage)


@dataclass(frozen=True, slots=True)
class Point:
    """One cited point of an answer."""

    passage: Passage
    start: int  # the quoted stretch, offsets into passage.text
    end: int
    heading: str | None = None  # a day summary's section
    dated: bool = False  # a topic's point shows its brief's date


def topic_terms(topic: str) -> tuple[Term, ...]:
    """The topic's words; a capitalised word counts as a name wherever it stands (a topic is not
    a sentence: "Korea Utara", "Sudanese civil war"), each with its renderings in the other
    language ("sandera" / "hostage"), for briefs written in it."""
    return glossed(content_terms(f"about {topic}"), topic)


def is_about(terms: Sequence[Term], passage: Passage, dense: float | None = None) -> bool:
    """Whether `passage` is about the topic whose words are `terms`: most of its words, every
    name among them ("2025 Iranian protests" is not about "2025 Malagasy protests"), or, across
    languages, a very close meaning."""
    if not terms:
        return False
    text_stems = stems(f"{passage.section or ''} {passage.text}")
    names = [term for term in terms if term.weight > 1 and not term.stem.isdigit()]
    shared = coverage(terms, text_stems)
    if shared >= TOPIC_MIN_COVERAGE and coverage(names, text_stems) >= (1.0 if names else 0.0):
        return True
    # Meaning alone decides only for a passage sharing none of the topic's words, nor their
    # glossary renderings, which may say it in words the glossary lacks ("perang saudara" of
    # English briefs). One that shares some but misses a name is about something else, however
    # close its meaning.
    return shared == 0.0 and dense is not None and dense >= TOPIC_MIN_DENSE


def newest_first(passages: Sequence[P]) -> list[P]:
    return sorted(passages, key=lambda p: (p.date or date.min, -p.start), reverse=True)


def about_topic(
    topic: str,
    hits: Sequence[Hit],
    limit: int = TOPIC_MAX_POINTS,
    *,
    filed: Collection[int] = (),
    names: Collection[str] = (),
) -> list[Point]:
    """The hits about the topic, newest first, one point each: those the briefs file under the
    topic (`filed`: chunk ids) and those whose words are about it. When the briefs file items under
    the topic's very name ("Russian invasion of Ukraine" as a topic label), the newest such item
    is among them, even when newer items on the wider story fill the list. `names`: stems of
    topic words that are names though typed in lower case ("timnas indonesia"), required as the
    capitalised ones are. (Items filed under labels chosen by meaning are not asked for the
    topic's names: "mh370" is "Search for Malaysia Airlines Flight 370", "isis" the Islamic
    State.)"""
    terms = tuple(
        replace(t, weight=NAME_WEIGHT) if t.stem in names and t.weight < NAME_WEIGHT else t for t in topic_terms(topic)
    )
    relevant = [
        hit
        for hit in _unique(newest_first(hits))
        if hit.chunk_id in filed or is_about(terms, hit, hit.scores.get("dense"))
    ]
    # Items the briefs file under the topic come first; others about it fill what is left.
    chosen = newest_first(
        [*[h for h in relevant if h.chunk_id in filed], *[h for h in relevant if h.chunk_id not in filed]][:limit]
    )
    labelled = [hit for hit in relevant if _filed_under(topic, hit)]
    if labelled and labelled[0] not in chosen:
        chosen = newest_first([*chosen[: limit - 1], labelled[0]])
    return [_topic_point(hit, terms) for hit in chosen]


def _topic_point(passage: Passage, terms: Sequence[Term]) -> Point:
    """The opening sentences, through the sentence that names the topic when a later one does
    ("... sebagian besar ke wilayah Kursk")."""
    opening = _point(passage, dated=True)
    sentences = split_sentences(passage.text)
    if not sentences or coverage(terms, stems(passage.text[opening.start : opening.end])) > 0:
        return opening
    best = max(sentences, key=lambda s: coverage(terms, stems(passage.text[s.start : s.end])))
    if best.end - opening.start <= TOPIC_POINT_MAX_CHARS:
        return Point(passage, opening.start, max(best.end, opening.end), dated=True)
    return Point(passage, best.start, best.end, dated=True)


def _filed_under(topic: str, passage: Passage) -> bool:
    """Whether one of the passage's topic labels is the topic's very name (function words aside:
    the question's topic "Russian invasion Ukraine" is the label "Russian invasion of Ukraine")."""
    wanted = _label_key(topic)
    labels = (passage.section or "").split(TOP_SECTION_SEPARATOR)
    return bool(wanted) and wanted in {_label_key(label) for label in labels}


def _label_key(label: str) -> str:
    return " ".join(w for w in _LABEL_WORD.findall(label.casefold()) if w not in TOPIC_STOP_WORDS)


_LABEL_WORD = re.compile(r"\w+")


def said_by(speaker_terms: Sequence[Term], hits: Sequence[Hit], limit: int = TOPIC_MAX_POINTS) -> list[Point]:
    """What the speaker said: the sentences naming them, newest first, one point per passage;
    those where they speak ("says", "mengatakan", "menurut") before those where they only act."""
    spoken: list[Point] = []
    acted: list[Point] = []
    for hit in _unique(newest_first([h for h in hits if coverage(speaker_terms, stems(h.text)) >= 1.0])):
        sentences = split_sentences(hit.text)
        naming = [s for s in sentences if coverage(speaker_terms, stems(hit.text[s.start : s.end])) >= 1.0]
        # The sentence naming the speaker, and the one after it, which often carries the quote.
        first = naming[0] if naming else sentences[0]
        following = [s for s in sentences if s.start >= first.end][:1]
        end = following[0].end if following and following[0].end - first.start <= POINT_MAX_CHARS else first.end
        speaks = bool(_SPEECH.search(hit.text[first.start : end]))
        (spoken if speaks else acted).append(Point(hit, first.start, end, dated=True))
    return newest_first_points([*spoken, *acted][:limit])


# Words that report speech, in both languages of the briefs.
_SPEECH = re.compile(
    r"\b(?:says?|said|saying|states?|stated|tells?|told|warns?|warned|claims?|claimed|urges?|urged|"
    r"calls?\s+(?:for|on)|called\s+(?:for|on)|announces?|announced|declares?|declared|accuses?|"
    r"accused|insists?|insisted|argues?|argued|adds?|added|confirms?|confirmed|denies|denied|"
    r"admits?|admitted|according\s+to|"
    r"kata|katanya|mengatakan|berkata|menurut|menyatakan|mengumumkan|memperingatkan|menegaskan|"
    r"menyebut|menuduh|mendesak|meminta|menambahkan|ujar|ucap|tutur)\b",
    re.IGNORECASE,
)


def newest_first_points(points: Sequence[Point]) -> list[Point]:
    return sorted(points, key=lambda p: (p.passage.date or date.min, -p.passage.start), reverse=True)


def day_points(passages: Sequence[Passage]) -> list[Point]:
    """A day's summary: its sections in order, points taken in turn from each section (its first
    items first), between SUMMARY_MIN_POINTS and SUMMARY_MAX_POINTS in all."""
    by_section: dict[str, list[Passage]] = {}
    for passage in _unique(passages):
        by_section.setdefault(top_section(passage.section), []).append(passage)
    chosen: dict[str, list[Passage]] = {section: [] for section in by_section}
    taken, depth = 0, 0
    while taken < SUMMARY_MAX_POINTS and any(len(items) > depth for items in by_section.values()):
        for section, items in by_section.items():
            if depth < len(items) and taken < SUMMARY_MAX_POINTS:
                chosen[section].append(items[depth])
                taken += 1
        depth += 1
    return [_point(p, heading=section or None) for section, items in chosen.items() for p in items]


# A name: two or more capitalized words ("Korea Utara", "Mark Rutte"); the sentence's first word
# is skipped, being capitalized anyway.
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)+")


def names_in(text: str) -> list[str]:
    """The multi-word names a passage mentions, in order."""
    return _NAME.findall(text)


def story_label(section: str | None) -> str:
    """The innermost topic of a section path: "Cyclone Senyar" of "... › Cyclone Senyar"."""
    return (section or "").split(TOP_SECTION_SEPARATOR)[-1]


def top_section(section: str | None) -> str:
    return (section or "").split(TOP_SECTION_SEPARATOR)[0]


def compose_points(points: Sequence[Point], language: str, intro: str) -> tuple[str, tuple[Citation, ...]]:
    """The answer text (an intro line, then "• point [n]" lines under their headings) and the
    citations, numbered in the order shown."""
    lines = [intro]
    citations: list[Citation] = []
    heading: str | None = None
    for n, point in enumerate(points, start=1):
        if point.heading and point.heading != heading:
            heading = point.heading
            lines += ["", heading]
        quote = point.passage.text[point.start : point.end]
        body, _sources = split_sources(quote)
        dated = point.dated and point.passage.date
        date_part = f"{format_day(point.passage.date, language, short=True)} — " if dated else ""
        lines.append(f"• {date_part}{body} [{n}]")
        citations.append(Citation.quoting(n, point.passage, point.start, point.end))
    return "\n".join(lines), tuple(citations)


def topic_intro(language: str, topic: str, days: Sequence[date] | None, latest: bool) -> str:
    if days:
        return reply(language, "topic_on_day", topic=topic, day=_days_label(days, language))
    return reply(language, "topic_latest" if latest else "topic", topic=topic)


def summary_intro(language: str, days: Sequence[date]) -> str:
    return reply(language, "day_summary", day=_days_label(days, language))


def _days_label(days: Sequence[date], language: str) -> str:
    ordered = sorted(days)
    if len(ordered) == 1:
        return format_day(ordered[0], language)
    return f"{format_day(ordered[0], language)} – {format_day(ordered[-1], language)}"


def _point(passage: Passage, *, heading: str | None = None, dated: bool = False) -> Point:
    """The passage's opening sentences, up to about POINT_MAX_CHARS."""
    sentences = split_sentences(passage.text) or []
    if not sentences:
        return Point(passage, 0, len(passage.text), heading, dated)
    end = sentences[0].end
    for sentence in sentences[1:]:
        if sentence.end - sentences[0].start > POINT_MAX_CHARS:
            break
        end = sentence.end
    return Point(passage, sentences[0].start, end, heading, dated)


def _unique(passages: Sequence[P]) -> list[P]:
    """Once each, by chunk and by text (a story repeated across days is one point)."""
    seen_ids: set[int] = set()
    seen_texts: set[str] = set()
    kept: list[P] = []
    for passage in passages:
        key = text_key(passage.text)
        if passage.chunk_id in seen_ids or key in seen_texts:
            continue
        seen_ids.add(passage.chunk_id)
        seen_texts.add(key)
        kept.append(passage)
    return kept


def topic_sentence(passage: Passage, terms: Sequence[Term]) -> Point:
    """The one sentence of `passage` that names the topic best (its first on a tie): a timeline's
    line or an alert's quote, short enough to read many of in a row."""
    sentences = split_sentences(passage.text)
    if not sentences:
        return Point(passage, 0, len(passage.text), dated=True)
    best = max(sentences, key=lambda s: (coverage(terms, stems(passage.text[s.start : s.end])), -s.start))
    return Point(passage, best.start, best.end, dated=True)


def filed_under(topic: str, passage: Passage) -> bool:
    """Whether the passage is filed under the topic's very name (a section label)."""
    return _filed_under(topic, passage)
