"""What kind of thing a message asks, learned from labelled examples rather than listed as rules.

The model reads a message's *frame*: its words with the day it names replaced by DATE and the
story or name it is about by TOPIC ("recap DATE", "TOPIC: any updates?", "who is fighting in
TOPIC"). Framed so, a handful of examples per kind covers any story and any day, and what is
left to learn is how people ask. Character n-grams (2-5, within words) carry typos, inflections
and both languages' spellings; word pairs carry the phrasing. A linear model over them answers
in well under a millisecond.

The examples live in `data/intent_examples.tsv`; add a line there when a phrasing is misread.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

Intent = Literal["summary", "topic", "statement", "fact", "small_talk"]
INTENTS: tuple[Intent, ...] = ("summary", "topic", "statement", "fact", "small_talk")

DAY_MARK = "DATE"
TOPIC_MARK = "TOPIC"
_SPACES = re.compile(r"\s+")
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class IntentGuess:
    intent: Intent
    confidence: float  # the model's probability of `intent`
    probabilities: dict[str, float]

    def chance(self, intent: Intent) -> float:
        return self.probabilities.get(intent, 0.0)


def read_examples(text: str) -> list[tuple[str, str]]:
    """(frame, intent) pairs of a tab-separated file; `#` starts a comment line."""
    pairs = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        intent, frame = line.split("\t", 1)
        pairs.append((frame.strip(), intent.strip()))
    return pairs


def bundled_examples() -> list[tuple[str, str]]:
    source = resources.files("bot.engine").joinpath("data/intent_examples.tsv")
    return read_examples(source.read_text(encoding="utf-8"))


class IntentModel:
    """A linear classifier over a frame's character and word n-grams."""

    def __init__(self, examples: list[tuple[str, str]]) -> None:
        frames = [normalize(frame) for frame, _ in examples]
        labels = [intent for _, intent in examples]
        features = FeatureUnion(
            [
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=False)),
                (
                    "words",
                    TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[\w']+", lowercase=False),
                ),
            ]
        )
        pipeline = make_pipeline(features, LogisticRegression(C=20.0, max_iter=2000))
        pipeline.fit(frames, labels)
        self._classes: list[str] = list(pipeline.classes_)
        self.pipeline = pipeline  # the fitted model as scikit-learn runs it
        # Predicting through the pipeline costs milliseconds of validation per call; the same
        # arithmetic by hand (each vectorizer's analyzer, tf-idf, l2 norm, then the linear
        # model) costs a tenth of that.
        self._vectorizers = [
            (v.build_analyzer(), v.vocabulary_, v.idf_, v.sublinear_tf, offset)
            for v, offset in zip(
                [t for _, t in features.transformer_list],
                np.cumsum([0] + [len(t.vocabulary_) for _, t in features.transformer_list]),
                strict=False,  # the offsets run one past the last vectorizer
            )
        ]
        model = pipeline[-1]
        self._weights = model.coef_.T.astype(np.float64)  # (features, classes)
        self._bias = model.intercept_.astype(np.float64)

    def guess(self, frame: str) -> IntentGuess:
        text = normalize(frame)
        logits = self._bias.copy()
        for analyzer, vocabulary, idf, sublinear, offset in self._vectorizers:
            counts: dict[int, int] = {}
            for gram in analyzer(text):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts, dtype=np.int64)
            tf = np.fromiter(counts.values(), dtype=np.float64)
            values = (1.0 + np.log(tf) if sublinear else tf) * idf[indices]
            values /= np.linalg.norm(values)
            logits += values @ self._weights[indices + offset]
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        by_intent = {intent: float(p) for intent, p in zip(self._classes, probabilities, strict=True)}
        best = max(by_intent, key=by_intent.__getitem__)
        return IntentGuess(best, by_intent[best], by_intent)  # type: ignore[arg-type]  # a label of INTENTS


def normalize(frame: str) -> str:
    """Lower case but the marks, curly apostrophes straight, spaces single."""
    lowered = frame.replace("’", "'").lower()
    lowered = lowered.replace(DAY_MARK.lower(), DAY_MARK).replace(TOPIC_MARK.lower(), TOPIC_MARK)
    return _SPACES.sub(" ", lowered).strip()


@cache
def frame_words() -> frozenset[str]:
    """Every word the examples use around DATE and TOPIC: how people ask, not what about."""
    return frozenset(
        w
        for frame, _ in bundled_examples()
        for w in _FRAME_WORD.findall(normalize(frame))
        if w not in (DAY_MARK, TOPIC_MARK)
    )


_FRAME_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@cache
def default_model() -> IntentModel:
    """Trained once per process, on first use (about 0.1 s)."""
    with _lock:
        return IntentModel(bundled_examples())
