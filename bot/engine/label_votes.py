"""The passages a search found for a reader's words, voting for the briefs' topic labels they
are filed under: which label's story they agree on, and whether they tie it to the words by a
name they give. `topics.TopicCatalogue.labels_of` decides with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.engine.label_words import label_parts, same_word, word_stems
from bot.engine.topic_matches import TopicLabel
from index.records import Passage
from index.text.matching import stem

# The passages found for a topic name its label when this share of their (rank-weighted) votes
# goes to it.
MIN_VOTE_SHARE = 0.4
# A name that ties a question to the passages giving it is in at most this share of the briefs
# (or this many).
RARE_SHARE = 0.1
RARE_MIN_BRIEFS = 3
# The shortest stem that ties a question to the names its passages give: not "us".
_NAME_MIN_CHARS = 3
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class LabelVotes:
    """Each passage votes for every label of its path (below the section heading), the first
    ones more (1 / rank). A label that holds another's whole name is about it ("Search for
    Malaysia Airlines Flight 370" of "Malaysia Airlines Flight 370"): its votes count for the
    shorter one too, and the shorter one stands for both (its `story`)."""

    shares: dict[str, float]  # label key -> its story's share of all the votes
    story: dict[str, list[str]]  # label key -> the voted labels holding its whole name, itself first
    voters: dict[str, list[tuple[float, Passage]]]  # label key -> (weight, passage) filed under it

    @classmethod
    def tally(cls, passages: Sequence[Passage], labels: Mapping[str, TopicLabel]) -> LabelVotes:
        weights: dict[str, float] = {}
        voters: dict[str, list[tuple[float, Passage]]] = {}
        total = 0.0
        for rank, passage in enumerate(passages):
            weight = 1.0 / (rank + 1)
            total += weight
            for label, depth in label_parts(passage.section):
                key = " ".join(word_stems(label))
                if depth > 0 and key in labels and not any(p is passage for _w, p in voters.get(key, [])):
                    weights[key] = weights.get(key, 0.0) + weight
                    voters.setdefault(key, []).append((weight, passage))
        story = {key: [other for other in weights if labels[key].stems <= labels[other].stems] for key in weights}
        shares = {key: sum(weights[other] for other in story[key]) / total for key in weights}
        return cls(shares, story, voters)

    def names_given(
        self, key: str, known: Sequence[str], brief_counts: Mapping[str, int], rare: Callable[[str], bool]
    ) -> bool:
        """Whether most of the votes for `key`'s story come from passages giving one name of the
        `known` words (stems), a name few briefs use (`rare`): "babis" of the items under "2025
        Czech parliamentary election". A common word they say ("final", "government") ties
        nothing, nor one passage's stray name, unless hardly any brief gives it ("MH370")."""
        votes = [vote for other in self.story[key] for vote in self.voters[other]]
        said = sum(weight for weight, _p in votes)
        named = [
            (weight, [(stem(n), brief_counts.get(n, 0)) for n in _names_in(p.text) if rare(n)]) for weight, p in votes
        ]
        for word in known:
            if len(word) < _NAME_MIN_CHARS:
                continue
            giving = []  # (weight, how many briefs use the name) of the passages giving it
            for weight, names in named:
                counts = [count for name, count in names if same_word(word, name)]
                if counts:
                    giving.append((weight, min(counts)))
            enough = len(giving) >= 2 or (len(giving) == 1 and giving[0][1] <= RARE_MIN_BRIEFS)
            if enough and sum(weight for weight, _c in giving) > said / 2:
                return True
        return False


def _names_in(text: str) -> frozenset[str]:
    """The words `text` writes capitalised past its first word (lower case): mostly names."""
    return frozenset(m.group().lower() for m in _WORD.finditer(text) if m.start() > 0 and m.group()[0].isupper())
