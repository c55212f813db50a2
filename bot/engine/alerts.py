"""Alerts for followed topics: after a reindex, each brief not checked yet is read once; its
paragraphs no earlier brief had (a running story repeated day after day is not news again) are
matched against every followed topic as answers and /timeline match them: filed under the
topic's labels in the briefs (`topics.chosen_labels`), or about it by the relevance decision
(`news_points.is_about`, not a bare word match), and each chat with a match gets one alert for that brief: its date and
the cited paragraphs. The alerts are queued in the state's outbox, in the same transaction that
marks the brief checked; sending them is the messenger's business.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.engine.news_points import Point, compose_points, is_about, topic_terms
from bot.engine.records import Answer, Citation
from bot.engine.replies import format_day, reply
from bot.engine.topic_matches import chosen_labels, is_filed_under
from bot.engine.topics import catalogue_for
from bot.state import NewAlert, StateStore, Subscription
from index.knowledge_base import KnowledgeBase
from index.records import JsonRecord, Passage, as_json
from index.text.matching import text_key

# Passages of the brief read by meaning for each topic, for the dense half of the relevance
# decision (a topic written in the other language than the brief).
ALERT_SEARCHED = 20


@dataclass(frozen=True, slots=True)
class AlertMessage(JsonRecord):
    """What one chat is told about one brief."""

    topics: tuple[str, ...]
    # The alert as an answer: intro, "• paragraph [n]" lines, citations (written beside the topics).
    answer: Answer = field(metadata=as_json(flatten=True))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertMessage:
        citations = tuple(_citation(item) for item in data["citations"])
        answer = Answer(
            question="",
            text=str(data["answer"]),
            citations=citations,
            abstained=False,
            language=str(data["language"]),
            kind="alert",
        )
        return cls(tuple(data["topics"]), answer)


def check_new_briefs(kb: KnowledgeBase, state: StateStore) -> int:
    """Queue the alerts of every brief not checked yet; returns how many were queued."""
    briefs = {(b.brief_id, b.content_hash): b for b in kb.briefs()}
    queued = 0
    for brief_id, content_hash in state.unchecked(list(briefs)):
        brief = briefs[(brief_id, content_hash)]
        passages = kb.passages_of(brief_id)
        keys = {passage.chunk_id: text_key(passage.text) for passage in passages}
        unseen = state.unseen(list(keys.values()))
        new = [passage for passage in passages if keys[passage.chunk_id] in unseen]
        subscriptions = state.subscriptions()
        alerts = alerts_for(kb, new, brief.date, subscriptions) if new and subscriptions else []
        state.checked(brief_id, content_hash, unseen, alerts)
        queued += len(alerts)
    return queued


def alerts_for(
    kb: KnowledgeBase, passages: Sequence[Passage], day: date | None, subscriptions: Sequence[Subscription]
) -> list[NewAlert]:
    """(chat id, thread id, alert payload) for each chat following a topic `passages` are about."""
    about: dict[str, list[Passage]] = {}
    for topic in {s.topic.casefold(): s.topic for s in subscriptions}.values():
        dense = _dense_scores(kb, topic, passages, day)
        terms = topic_terms(topic)
        # As answers and /timeline read it: the items the briefs file under the topic, and those
        # whose words are about it.
        labels = chosen_labels(catalogue_for(kb).resolve(topic))
        about[topic.casefold()] = [
            p for p in passages if is_filed_under(p.section, labels) or is_about(terms, p, dense.get(p.chunk_id))
        ]
    by_chat: dict[tuple[int, int | None, str], list[str]] = defaultdict(list)
    for subscription in subscriptions:
        if about[subscription.topic.casefold()]:
            by_chat[(subscription.chat_id, subscription.thread_id, subscription.language)].append(subscription.topic)
    alerts = []
    for (chat_id, thread_id, language), topics in by_chat.items():
        matched = {p.chunk_id: p for topic in topics for p in about[topic.casefold()]}
        message = alert_message(sorted(topics), sorted(matched.values(), key=lambda p: p.start), day, language)
        alerts.append((chat_id, thread_id, message.to_json()))
    return alerts


def alert_message(topics: Sequence[str], passages: Sequence[Passage], day: date | None, language: str) -> AlertMessage:
    intro = reply(language, "alert", topics=", ".join(topics), day=format_day(day, language))
    points = [Point(passage, 0, len(passage.text)) for passage in passages]
    text, citations = compose_points(points, language, intro)
    answer = Answer(question="", text=text, citations=citations, abstained=False, language=language, kind="alert")
    return AlertMessage(tuple(topics), answer)


def _dense_scores(kb: KnowledgeBase, topic: str, passages: Sequence[Passage], day: date | None) -> dict[int, float]:
    """The embedder's closeness of `topic` to the passages it finds among the brief's day."""
    if day is None:
        return {}
    wanted = {p.chunk_id for p in passages}
    return {
        hit.chunk_id: hit.scores["dense"]
        for hit in kb.search(topic, k=ALERT_SEARCHED, dates=[day])
        if hit.chunk_id in wanted and "dense" in hit.scores
    }


def _citation(item: dict[str, Any]) -> Citation:
    day = item.get("date")
    return Citation(
        n=int(item["n"]),
        chunk_id=int(item["chunk_id"]),
        brief_id=str(item["brief_id"]),
        source=str(item["source"]),
        title=str(item["title"]),
        date=date.fromisoformat(str(day)) if day else None,
        section=str(item["section"]) if item.get("section") else None,
        paragraphs=tuple(item["paragraphs"]),
        start=int(item["start"]),
        end=int(item["end"]),
        quote=str(item["quote"]),
    )
