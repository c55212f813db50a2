"""Question in, cited answer out: follow-up rewrite, retrieval, the relevance decision, then an
LLM answer when one is configured and the extractive answer otherwise (or when it fails)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from langchain_core.language_models import BaseChatModel

from bot.engine.abstention import assess
from bot.engine.answer_model import Answer, BriefRef, Citation
from bot.engine.extractive import ExtractiveConfig, candidates, choose, compose, score
from bot.engine.followups import ConversationMemory, followup_subject, rewrite
from index.text.matching import Term, content_terms
from bot.engine.llm_answer import LlmAnswerer, LlmDraft, build_chat_model
from bot.engine.replies import language_name, reply, reply_language
from bot.settings import Settings
from index.knowledge_base import KnowledgeBase
from index.text.language import DEFAULT_LANGUAGE, detect_language
from index.models import Hit

# Passages retrieved per question: the extractive answer reads the first few, the LLM gets all.
RETRIEVED = 5
# Briefs named when the briefs don't cover a question.
CLOSEST_BRIEFS = 3


class Answerer:
    """Safe to share between threads: the only state is the per-chat memory, behind its lock."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        chat_model: BaseChatModel | None = None,
        llm_timeout_s: float = 20.0,
        extractive: ExtractiveConfig | None = None,
        memory: ConversationMemory | None = None,
    ) -> None:
        self.kb = kb
        self._llm = LlmAnswerer(chat_model, llm_timeout_s) if chat_model is not None else None
        self._extractive = extractive or ExtractiveConfig()
        self._memory = memory or ConversationMemory()

    @classmethod
    def from_settings(cls, kb: KnowledgeBase, settings: Settings) -> Answerer:
        return cls(kb, chat_model=build_chat_model(settings), llm_timeout_s=settings.llm_timeout_s)

    def answer(
        self, question: str, *, chat_key: str | None = None, language_code: str | None = None
    ) -> Answer:
        asked, resolved, language = self._understand(question, chat_key, language_code)
        base = Answer(
            question=question,
            text="",
            citations=(),
            abstained=True,
            language=language,
            resolved_question=resolved,
            notes=(reply(language, "understood_as", question=resolved),) if resolved else (),
        )
        hits = self.kb.search(asked, k=RETRIEVED)
        terms = content_terms(asked)
        if not assess(asked, terms, hits).answerable:
            return _abstention(base, hits)
        if self._llm is not None:
            draft = self._llm.draft(asked, hits, language)
            if draft is not None:
                return _llm_answer(base, hits, draft)
        return self._extractive_answer(base, asked, terms, hits)

    def _understand(
        self, question: str, chat_key: str | None, language_code: str | None
    ) -> tuple[str, str | None, str]:
        """(the question to search for, the follow-up rewrite if any, the reply language); the
        chat remembers the question as understood, so follow-ups can chain."""
        previous = self._memory.last(chat_key) if chat_key else None
        subject = followup_subject(question) if previous else None
        resolved = rewrite(previous.question, subject) if previous and subject else None
        # A bare "Shoigu?" keeps the conversation's language.
        language = reply_language(
            question, language_code, default=previous.language if previous else DEFAULT_LANGUAGE
        )
        asked = resolved or question
        if chat_key:
            self._memory.remember(chat_key, asked, language)
        return asked, resolved, language

    def _extractive_answer(self, base: Answer, asked: str, terms: Sequence[Term], hits: Sequence[Hit]) -> Answer:
        embedder = self.kb.embedder
        scored = score(
            embedder.encode_query(asked), candidates(terms, hits, self._extractive), embedder, self._extractive
        )
        text, citations = compose(choose(scored, self._extractive))
        return _with_quote_note(replace(base, text=text, citations=citations, abstained=False), citations)

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()


def _abstention(base: Answer, hits: Sequence[Hit]) -> Answer:
    closest: dict[str, BriefRef] = {}
    for hit in hits:
        closest.setdefault(hit.brief_id, BriefRef(hit.brief_id, hit.title, hit.date))
    key = "not_covered" if hits else "no_briefs"
    return replace(base, text=reply(base.language, key), closest=tuple(closest.values())[:CLOSEST_BRIEFS])


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
