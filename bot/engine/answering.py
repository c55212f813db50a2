"""Question in, cited answer out.

A message is first read as a follow-up of the chat's previous question when it is elliptic
(`followups.py`), then understood (`understanding.py`: its kind, day and topic); then each kind
has its answer: a day's summary, a topic's newest reports, someone's statements (`news.py`), or,
for any other question, retrieval, the relevance decision and an LLM answer when one is
configured, the extractive answer otherwise (or when it fails). A day no brief covers is said to
be so, never answered from another day."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from langchain_core.language_models import BaseChatModel

from bot.engine.abstention import assess
from bot.engine.extractive import ExtractiveConfig, candidates, choose, compose, score
from bot.engine.followups import ChatMemory, ConversationMemory, followup_subject, rewrite
from bot.engine.intent import default_model
from bot.engine.llm_answer import LlmAnswerer, LlmDraft, build_chat_model
from bot.engine.news_points import (
    TOP_SECTION_SEPARATOR,
    about_topic,
    compose_points,
    day_points,
    names_in,
    newest_first,
    said_by,
    story_label,
    summary_intro,
    topic_intro,
    topic_terms,
)
from bot.engine.records import Answer, BriefRef, Citation
from bot.engine.replies import format_day, format_month, language_name, relative_day, reply, reply_language
from bot.engine.topic_matches import NEWEST_TOPIC_SHARE, TopicMatch, chosen_labels, filed_chunk_ids
from bot.engine.topics import catalogue_for
from bot.engine.understanding import (
    DayReference,
    Understanding,
    asks_a_question,
    resolve_days,
    understand,
    without_days,
)
from bot.settings import Settings
from bot.state import shared_conversation_memory
from index.knowledge_base import KnowledgeBase
from index.query_dates import lead_mentions_day
from index.records import Hit
from index.text.glossary import is_place, renderings_of
from index.text.language import DEFAULT_LANGUAGE, ENGLISH, INDONESIAN, detect_language
from index.text.matching import Term, content_terms, coverage, stem, stems, text_key

# Passages retrieved per question: the extractive answer reads the first few, the LLM gets all.
_WORD = re.compile(r"\w+", re.UNICODE)
RETRIEVED = 5
# Briefs named when the briefs don't cover a question.
CLOSEST_BRIEFS = 3
# Longer questions are cut (by Telegram and the terminal alike): they are pastes, not questions,
# and would only slow the search.
MAX_QUESTION_CHARS = 1000


class Answerer:
    """Safe to share between threads: the only state is the per-chat memory, behind its lock."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        chat_model: BaseChatModel | None = None,
        llm_timeout_s: float = 20.0,
        extractive: ExtractiveConfig | None = None,
        memory: ChatMemory | None = None,
    ) -> None:
        self.kb = kb
        self._llm = LlmAnswerer(chat_model, llm_timeout_s) if chat_model is not None else None
        self._extractive = extractive or ExtractiveConfig()
        # Several bot processes on one PostgreSQL share the chats' memory through it.
        self._memory: ChatMemory = memory or shared_conversation_memory(kb.database_url) or ConversationMemory()
        # The briefs' own topic labels, read once per brief version; questions resolve against it.
        self.topics = catalogue_for(kb)
        default_model()  # the intent model trains here, not on the first question

    @classmethod
    def from_settings(cls, kb: KnowledgeBase, settings: Settings) -> Answerer:
        return cls(kb, chat_model=build_chat_model(settings), llm_timeout_s=settings.llm_timeout_s)

    def answer(self, question: str, *, chat_key: str | None = None, language_code: str | None = None) -> Answer:
        brief_dates = self.kb.brief_dates()
        asked, resolved, language = self._read_followup(question, chat_key, language_code)
        understood = understand(
            asked, reference=brief_dates[0] if brief_dates else None, language=language, topics=self.topics
        )
        base = Answer(
            question=question,
            text="",
            citations=(),
            abstained=True,
            language=language,
            resolved_question=resolved,
            notes=(reply(language, "understood_as", question=resolved),) if resolved else (),
            kind=understood.kind,
        )
        answer = self._respond(base, understood, brief_dates)
        if chat_key and understood.kind != "small_talk":
            self._memory.remember(chat_key, asked, language, answered=not answer.abstained)
        return answer

    def _respond(self, base: Answer, understood: Understanding, brief_dates: list[date]) -> Answer:
        if understood.kind == "small_talk":
            example = self._example_topic()
            return replace(base, text=reply(base.language, "small_talk", example=example), reason="small_talk")
        if not brief_dates:
            return replace(base, text=reply(base.language, "no_briefs"), reason="no_briefs")
        days, no_brief = self._days(understood, brief_dates)
        if no_brief is not None:  # a named day without a brief: say so, cite nothing
            return replace(base, text=no_brief, reason="no_brief_on_date")
        if understood.kind == "unknown_name":  # a name no brief mentions: nothing to quote
            names = ", ".join(understood.unknown_names)
            return replace(base, text=reply(base.language, "unknown_name", names=names), reason="not_covered")
        if understood.kind == "day_summary":
            days = days or brief_dates[:1]
            before = [d for d in brief_dates if d < min(days)][:1] if understood.new_only else []
            return self._day_summary(base, days, leave_out=before)
        if understood.kind in ("topic", "latest"):
            return self._about_topic(base, understood, days)
        if understood.kind == "statement":
            return self._statements(base, understood, days)
        return self._fact(base, understood.question, days)

    # -- reading the message --------------------------------------------------------------------

    def _read_followup(
        self, question: str, chat_key: str | None, language_code: str | None
    ) -> tuple[str, str | None, str]:
        """(the question to answer, the follow-up rewrite if any, the reply language)."""
        previous = self._memory.last(chat_key) if chat_key else None
        subject = followup_subject(question, bare=previous.answered) if previous else None
        resolved = rewrite(previous.question, subject) if previous and subject else None
        # A bare "Shoigu?" keeps the conversation's language.
        language = reply_language(question, language_code, default=previous.language if previous else DEFAULT_LANGUAGE)
        return resolved or question, resolved, language

    def _days(self, understood: Understanding, brief_dates: list[date]) -> tuple[list[date] | None, str | None]:
        """(the brief dates the question is about, None when it names no day; the reply when it
        names a day no brief covers, else None)."""
        day = understood.day
        if day is None:
            return None, None
        if day.kind == "day_number" and day.day_number is not None:
            days = sorted(
                {b.date for b in self.kb.briefs() if b.date and lead_mentions_day(b.title, day.day_number)},
                reverse=True,
            )
            return days or None, None  # a day number no lead line gives: a word of the question
        days = resolve_days(day, brief_dates)
        if day.kind == "date" and day.day is not None:
            if understood.kind != "day_summary" and _names_an_event(
                day, brief_dates, understood.question, understood.kind
            ):
                return None, None  # "the treaty of 17 August 1945": a date in the question, not its day
            if day.day in brief_dates:
                return [day.day], None
            return None, _no_brief(understood.language, day.day, brief_dates)
        if day.kind == "month" and day.day is not None:
            if _names_an_event(day, brief_dates, understood.question):
                return None, None  # "the floods of March 1998": a time in the question, not its days
            if not days:
                label = format_month(day.day, understood.language, day.days_of_month)
                return None, reply(
                    understood.language,
                    "no_brief_relative",
                    day=label,
                    newest=format_day(brief_dates[0], understood.language),
                )
        if not days:
            return None, _no_brief(understood.language, None, brief_dates, relative=day.kind)
        return days, None

    # -- answers per kind -----------------------------------------------------------------------

    def _day_summary(self, base: Answer, days: Sequence[date], *, leave_out: Sequence[date] = ()) -> Answer:
        """The days' briefs in points; what the briefs of `leave_out` already said is left out
        ("what's new since yesterday": a running story's repeated paragraphs are not new)."""
        said = {text_key(p.text) for day in leave_out for p in self.kb.passages_on(day)}
        passages = [
            p for day in sorted(days, reverse=True) for p in self.kb.passages_on(day) if text_key(p.text) not in said
        ]
        points = day_points(passages)
        if len(days) > 1:
            points = [replace(point, dated=True) for point in points]
        text, citations = compose_points(points, base.language, summary_intro(base.language, days))
        return _with_quote_note(replace(base, text=text, citations=citations, abstained=False), citations)

    def _about_topic(self, base: Answer, understood: Understanding, days: Sequence[date] | None) -> Answer:
        topic = understood.topic
        searched = self._topic_hits(topic, days, recent=understood.kind == "latest")
        matches: Sequence[TopicMatch] = understood.topics
        if not matches or matches[0].by_meaning:
            # The words name no label of the briefs (or only by the labels' closeness, weak for
            # short labels): the labels of the passages found by meaning say what they mean
            # ("sandera di gaza" finds items filed under "Gaza war hostage crisis").
            voted = self.topics.labels_of(searched[-TOPIC_SEARCHED:], topic, prefer=matches)
            if not voted and understood.kind == "latest":
                # Asked for the newest, the search favoured new passages, which may agree on no
                # label: then the passages most about the words, whenever they were reported, for
                # a label holding two of the words at least ("suicide atack outside the court in
                # Islamabad": "2025 Islamabad suicide bombing", not "Territorial disputes" for
                # "panama canal dispute").
                most_about = self.kb.search(topic, k=TOPIC_SEARCHED, dates=days, recent=False)
                voted = self.topics.labels_of(most_about, topic, prefer=matches, min_words=2)
            matches = voted or matches
        filed = self._filed_hits(matches, days)
        hits = [*filed, *searched]
        points = about_topic(topic, hits, filed={hit.chunk_id for hit in filed}, names=self._lowercase_names(topic))
        if not points:
            # No passage is about it as a topic. Read as a question, with the question's own
            # relevance decision, it may still be answered: a question in disguise ("Bagaiaman
            # sistem pemerintahan di Jepang?", a typo away from "bagaimana"), or one asked in the
            # other language than the briefs ("North Korean troops" of Indonesian briefs), which
            # shares few words with them ("partai komeito keluar dari koalisi?"). "The latest on
            # X" in the briefs' own language asks for reports on X, nothing else.
            cross_lingual = bool(hits) and detect_language(understood.question) != detect_language(hits[0].text)
            if understood.kind == "topic" or cross_lingual or asks_a_question(understood.question):
                answered = self._fact(base, understood.question, days)
                if not answered.abstained:
                    return answered
            if days:
                day_label = ", ".join(format_day(d, base.language) for d in days)
                text = reply(base.language, "topic_not_on_day", topic=topic, day=day_label)
                return replace(base, text=text, reason="not_covered", closest=_closest(hits))
            return _abstention(base, hits)
        # Named as the briefs name it: "ukrane war" is "Russo-Ukrainian war".
        best = matches[0] if matches and filed else None
        shown = best.name if best is not None and (best.by_meaning or best.score >= SHOW_LABEL_SCORE) else topic
        intro = topic_intro(base.language, shown, days, understood.kind == "latest")
        text, citations = compose_points(points, base.language, intro)
        return _with_quote_note(replace(base, text=text, citations=citations, abstained=False), citations)

    def _statements(self, base: Answer, understood: Understanding, days: Sequence[date] | None) -> Answer:
        speaker = understood.speaker or understood.topic
        # A wide look at the passages naming the speaker: most report what they did, a few what
        # they said, and those are wanted first.
        hits = [
            *self._topic_hits(speaker, days, recent=False, mentions=STATEMENT_MENTIONS),
            *self.kb.search(understood.question, k=RETRIEVED, dates=days),
        ]
        # "What did Trump say about Antifa?": his words on that, when the briefs have them.
        about = [t for t in topic_terms(understood.topic) if t not in topic_terms(speaker)]
        on_subject = [hit for hit in hits if coverage(about, stems(hit.text)) >= STATEMENT_SUBJECT_MIN_COVERAGE]
        points = (about and said_by(topic_terms(speaker), on_subject)) or said_by(topic_terms(speaker), hits)
        if not points:
            # Nobody's words on it: asked as a question ("what did the order do to Antifa?"),
            # the passage that answers it.
            answered = self._fact(base, understood.question, days)
            return answered if not answered.abstained else _abstention(base, hits)
        text, citations = compose_points(points, base.language, reply(base.language, "statement", who=speaker))
        return _with_quote_note(replace(base, text=text, citations=citations, abstained=False), citations)

    def _filed_hits(self, matches: Sequence[TopicMatch], days: Sequence[date] | None) -> list[Hit]:
        """The items the briefs file under the labels the question names: on `days`, or on the
        newest days those labels have, newest first."""
        if not matches:
            return []
        chosen = chosen_labels(matches, days, share=NEWEST_TOPIC_SHARE if days is None else None)
        if days is None:
            newest = sorted({d for m in chosen for d in m.label.days}, reverse=True)[:FILED_DAYS]
            ids = filed_chunk_ids(chosen, newest)
        else:
            ids = filed_chunk_ids(chosen, days)
        if not ids:
            return []
        passages = self.kb.store.filter_documents(chunk_ids=ids[-FILED_MAX:] if len(ids) > FILED_MAX else ids)
        return [Hit.of(p, rank=0, score=1.0, scores={"filed": 1.0}) for p in newest_first(passages)]

    def _topic_hits(self, topic: str, days: Sequence[date] | None, *, recent: bool, mentions: int = 0) -> list[Hit]:
        """Passages naming the topic (newest first), then the best matches by meaning."""
        naming = [
            *self.kb.mentions(topic, limit=TOPIC_LABELLED, phrase=True),
            *self.kb.mentions(topic, limit=mentions or TOPIC_MENTIONS),
        ]
        if days is not None:
            naming = [hit for hit in naming if hit.date in days]
        return [*naming, *self.kb.search(topic, k=TOPIC_SEARCHED, dates=days, recent=recent)]

    def _fact(self, base: Answer, asked: str, days: Sequence[date] | None) -> Answer:
        also = self._in_other_language(asked)
        hits = (
            self.kb.search(asked, k=RETRIEVED, dates=days, also_words=also)
            if days
            else self.kb.search(asked, k=RETRIEVED, also_words=also)
        )
        # Its day is settled by now: "today" is not a word the passage has to contain.
        terms = content_terms(without_days(asked, months=days is not None))
        if not assess(asked, terms, hits, names=self._lowercase_names(asked, places=True)).answerable:
            return _abstention(base, hits)
        if self._llm is not None:
            draft = self._llm.draft(asked, hits, base.language)
            if draft is not None:
                return _llm_answer(base, hits, draft)
        return self._extractive_answer(base, asked, terms, hits)

    def _lowercase_names(self, asked: str, *, places: bool = False) -> frozenset[str]:
        """The stems of the question's words that are names however typed: the briefs write them
        only capitalised ("indonesia" of "timnas indonesia"), or, with `places`, the glossary has
        them as places ("kalimantan", which the briefs may not have at all). A topic's places are
        not required of its items: the briefs file "floods in Indonesia" under a story that
        another item places in Sumatra."""
        return frozenset(
            stem(w) for w in _WORD.findall(asked.lower()) if self.topics.is_name(w) or (places and is_place(w))
        )

    def _in_other_language(self, asked: str) -> tuple[str, ...]:
        """The question's words as the glossary renders them, when some briefs are written in the
        other language ("pahlawan nasional" finds "National Hero" in English briefs); none when
        every brief is in the question's own."""
        other = ENGLISH if detect_language(asked) == INDONESIAN else INDONESIAN
        return renderings_of(asked) if self.topics.writes_in(other) else ()

    def _extractive_answer(self, base: Answer, asked: str, terms: Sequence[Term], hits: Sequence[Hit]) -> Answer:
        embedder = self.kb.embedder
        scored = score(
            embedder.encode_query(asked), candidates(terms, hits, self._extractive), embedder, self._extractive
        )
        text, citations = compose(choose(scored, self._extractive))
        return _with_quote_note(replace(base, text=text, citations=citations, abstained=False), citations)

    def _example_topic(self) -> str:
        """A story or a name from the newest brief, for the small-talk reply's example question."""
        brief_dates = self.kb.brief_dates()
        for passage in self.kb.passages_on(brief_dates[0]) if brief_dates else []:
            label = story_label(passage.section) if passage.section and TOP_SECTION_SEPARATOR in passage.section else ""
            names = names_in(passage.text)
            if label or names:
                return label or names[0]
        return "Kursk"

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()


# A question naming the briefs' topic labels reads the items filed under them (`chosen_labels`)
# on their newest FILED_DAYS days, at most FILED_MAX items.
FILED_DAYS = 3
# A label matched at least this well (or by meaning, across languages) names the topic in the
# answer's first line; a looser match ("sudan war") keeps the asker's own words.
SHOW_LABEL_SCORE = 0.9
FILED_MAX = 60
# A topic question reads this many passages naming the topic, and this many found by meaning.
TOPIC_MENTIONS = 12
TOPIC_LABELLED = 40  # passages holding the topic's words in a row, among them those filed under its very name
TOPIC_SEARCHED = 10
STATEMENT_MENTIONS = 60
# "What did X say about Y?": passages holding this share of Y's words are X's words on Y.
STATEMENT_SUBJECT_MIN_COVERAGE = 0.5
# A date this many years before the oldest brief names an event, not a day of the briefs.
EVENT_YEARS_BEFORE = 2


def _names_an_event(day: DayReference, brief_dates: list[date], question: str = "", kind: str = "fact") -> bool:
    """A date years before the briefs is the question's subject ("the treaty of 17 August 1945"),
    not its day, unless the question asks for a brief of it ("what did the brief say on 24 Feb
    2022")."""
    asking_for_a_day = _BRIEF_WORDS | (_DAY_WORDS if kind in ("topic", "latest") else frozenset())
    if any(w in asking_for_a_day for w in _WORD.findall(question.lower())):
        return False
    return bool(day.year_given and day.day and day.day.year < brief_dates[-1].year - EVENT_YEARS_BEFORE)


# Words naming the briefs themselves: a date beside them is a brief's day, however old.
_BRIEF_WORDS = frozenset({"brief", "briefs", "ringkasan", "rangkuman", "digest", "edition", "edisi"})
# ... and, asked of a topic ("apa yg terjadi di Ukraina tanggal 24/02/2022"), words naming a date
# as a day; in a question of fact ("Pada tanggal 17 Agustus 1945 ...?") the date is its subject.
_DAY_WORDS = frozenset({"tanggal", "tgl"})


def _no_brief(language: str, day: date | None, brief_dates: list[date], *, relative: str | None = None) -> str:
    """There is no brief for that day: said so, with the nearest briefs' dates."""
    if day is None:
        label = relative_day(relative or "", language)
        return reply(language, "no_brief_relative", day=label, newest=format_day(brief_dates[0], language))
    before = [d for d in brief_dates if d < day][:1]
    after = [d for d in reversed(brief_dates) if d > day][:1]
    nearest = ", ".join(format_day(d, language) for d in [*before, *after])
    text = reply(language, "no_brief_on_date", day=format_day(day, language))
    return f"{text} {reply(language, 'nearest_briefs', days=nearest)}" if nearest else text


def _closest(hits: Sequence[Hit]) -> tuple[BriefRef, ...]:
    closest: dict[str, BriefRef] = {}
    for hit in hits:
        closest.setdefault(hit.brief_id, BriefRef(hit.brief_id, hit.title, hit.date, hit.source))
    return tuple(closest.values())[:CLOSEST_BRIEFS]


def _abstention(base: Answer, hits: Sequence[Hit]) -> Answer:
    return replace(base, text=reply(base.language, "not_covered"), closest=_closest(hits), reason="not_covered")


def _llm_answer(base: Answer, hits: Sequence[Hit], draft: LlmDraft) -> Answer:
    citations = tuple(Citation.quoting(n, hits[index]) for n, index in enumerate(draft.cited, start=1))
    return _with_quote_note(
        replace(base, text=draft.text, citations=citations, abstained=False, used_llm=True), citations
    )


def _with_quote_note(answer: Answer, citations: Sequence[Citation]) -> Answer:
    """Says so when the quotes are in another language than the reply (English question,
    Indonesian briefs): the quotes are never translated."""
    quoted = {detect_language(c.quote, default=answer.language) for c in citations}
    foreign = sorted(quoted - {answer.language})
    if not foreign:
        return answer
    note = reply(answer.language, "quoted_in", source_language=language_name(foreign[0], answer.language))
    return replace(answer, notes=(*answer.notes, note))
