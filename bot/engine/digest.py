"""A day's brief as a cited summary, with the days of the briefs before and after it, for
paging through the briefs day by day (/today in Telegram and the terminal).

The summary is the one a "news of <day>" question gets (`news.day_points`): the brief's
sections as headings, 3–8 cited points. A day without a brief is said to be so, naming the
nearest days that have one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.engine.news_points import compose_points, day_points, summary_intro
from bot.engine.records import Answer
from bot.engine.replies import format_day, reply
from bot.engine.understanding import read_day, resolve_days
from index.knowledge_base import KnowledgeBase
from index.query_dates import lead_mentions_day


@dataclass(frozen=True, slots=True)
class Digest:
    answer: Answer  # the summary, or (abstained) why there is none
    day: date | None  # the day shown; None when there is no brief for the day asked
    previous: date | None = None  # the nearest brief day before `day` (or before the day asked)
    next: date | None = None  # ... and after it


def day_digest(kb: KnowledgeBase, language: str, day_text: str = "") -> Digest | None:
    """The brief of the day `day_text` names ("12 November", "kemarin", "2025-11-12"), the
    newest brief when it names none. None when `day_text` is given but names no day."""
    brief_dates = kb.brief_dates()
    base = Answer(question=day_text, text="", citations=(), abstained=True, language=language, kind="day_summary")
    if not brief_dates:
        return Digest(replace(base, text=reply(language, "no_briefs"), reason="no_briefs"), None)
    asked = _asked_day(kb, day_text, brief_dates) if day_text.strip() else brief_dates[0]
    if asked is None:
        return None
    previous = next((d for d in brief_dates if d < asked), None)
    following = next((d for d in reversed(brief_dates) if d > asked), None)
    if asked not in brief_dates:
        text = reply(language, "no_brief_on_date", day=format_day(asked, language))
        nearest = ", ".join(format_day(d, language) for d in (previous, following) if d is not None)
        if nearest:
            text += " " + reply(language, "nearest_briefs", days=nearest)
        answer = replace(base, text=text, reason="no_brief_on_date")
        return Digest(answer, None, previous, following)
    points = day_points(kb.passages_on(asked))
    text, citations = compose_points(points, language, summary_intro(language, [asked]))
    answer = replace(base, text=text, citations=citations, abstained=False)
    return Digest(answer, asked, previous, following)


def _asked_day(kb: KnowledgeBase, day_text: str, brief_dates: list[date]) -> date | None:
    """The one day `day_text` names: a date (with or without a brief), a relative day resolved
    against the briefs ("yesterday": the brief before the newest), or a war's day number."""
    try:
        return date.fromisoformat(day_text.strip())
    except ValueError:
        pass
    day = read_day(day_text, brief_dates[0])
    if day is None:
        return None
    if day.kind == "day_number" and day.day_number is not None:
        numbered = sorted(
            (b.date for b in kb.briefs() if b.date and lead_mentions_day(b.title, day.day_number)), reverse=True
        )
        return numbered[0] if numbered else None
    days = resolve_days(day, brief_dates)
    return days[0] if days else brief_dates[0]
