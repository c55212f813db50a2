"""A reader's words matched to the briefs' topic labels: the label with the items filed under it,
a match, and which matches an answer, a timeline or an alert reads (`chosen_labels`). The
catalogue that makes them is `topics.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.engine.label_words import label_parts, word_stems

# Labels matched by words at least this share as well as the best one count as the topic too
# (at most MAX_LABELS of them); by meaning, those this close to the closest.
SAME_TOPIC_SHARE = 0.8
# ... asked for the newest on it, this share: the newest report may sit under a label that holds
# the words less well ("epstien files release": "Epstein Files Transparency Act", not only the
# older "Epstein files").
NEWEST_TOPIC_SHARE = 0.7
SAME_MEANING_MARGIN = 0.015
MAX_LABELS = 8


@dataclass(slots=True)
class TopicLabel:
    """One label of the briefs and the items filed under it."""

    label: str
    stems: frozenset[str]
    depth: int  # 0: a section heading ("Pertempuran"); 1: a topic; 2+: a sub-topic
    items: dict[date | None, set[int]] = field(default_factory=dict)  # day -> chunk ids

    @property
    def days(self) -> list[date]:
        return sorted((d for d in self.items if d is not None), reverse=True)

    def chunk_ids(self, days: Iterable[date] | None = None) -> list[int]:
        wanted = self.items.keys() if days is None else [d for d in days if d in self.items]
        return sorted({cid for d in wanted for cid in self.items[d]})


@dataclass(frozen=True, slots=True)
class TopicMatch:
    label: TopicLabel
    score: float  # 0..1: the share of the reader's words found, or the embedding's closeness
    by_meaning: bool = False  # matched by the embeddings' closeness, not by words

    @property
    def name(self) -> str:
        return self.label.label


def chosen_labels(
    matches: Sequence[TopicMatch], days: Sequence[date] | None = None, *, share: float | None = None
) -> list[TopicMatch]:
    """The labels a reader's words mean, of those they matched: the very label when one is
    named exactly ("Gaza war", not also "Gaza war protests") and, asked of `days`, files items
    on them; else those matched about as well as the best ("sudan" is "Sudanese civil war" and
    "Famine in Sudan"; "krisis sandera gaza" on a day the briefs file it under "Gaza war hostage
    crisis"); by meaning, only the closest few (closeness runs in a narrow band). `share`: how
    well, against the best, a label must match (SAME_TOPIC_SHARE unless given)."""
    if not matches:
        return []
    best = matches[0]
    exact = [m for m in matches if not m.by_meaning and m.score >= 1.0]
    if best.by_meaning:
        chosen = [m for m in matches if m.by_meaning and m.score >= best.score - SAME_MEANING_MARGIN]
    elif exact and (days is None or any(m.label.chunk_ids(days) for m in exact)):
        chosen = exact
    else:
        least = best.score * (SAME_TOPIC_SHARE if share is None else share)
        chosen = [m for m in matches if not m.by_meaning and m.score >= least]
    return chosen[:MAX_LABELS]


def is_filed_under(section: str | None, labels: Sequence[TopicMatch]) -> bool:
    """Whether a passage with this section path is filed under one of `labels` (at any depth,
    each part of a combined label counting)."""
    wanted = {" ".join(sorted(m.label.stems)) for m in labels}
    return any(" ".join(sorted(set(word_stems(label)))) in wanted for label, _depth in label_parts(section))


def filed_chunk_ids(matches: Sequence[TopicMatch], days: Iterable[date] | None = None) -> list[int]:
    """The items filed under any of the matched labels (on `days`, when given)."""
    wanted = list(days) if days is not None else None
    return sorted({cid for m in matches for cid in m.label.chunk_ids(wanted)})
