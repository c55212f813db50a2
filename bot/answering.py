"""Question in, cited answer out. (First cut: the best passage, quoted; refined in issue 4.)"""

from __future__ import annotations

from bot.answer_model import Answer, Citation
from index.knowledge_base import KnowledgeBase
from index.language import detect_language

# Below this fused score the best passage is taken as unrelated to the question.
ABSTAIN_BELOW = 0.80


class Answerer:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def answer(
        self, question: str, *, chat_key: str | None = None, language_code: str | None = None
    ) -> Answer:
        language = _reply_language(question, language_code)
        hits = self.kb.search(question, k=3)
        if not hits or hits[0].score < ABSTAIN_BELOW:
            text = (
                "Ringkasan berita tidak membahas hal itu."
                if language == "id"
                else "The briefs don't cover that."
            )
            return Answer(question=question, text=text, citations=(), abstained=True, language=language)
        top = hits[0]
        citation = Citation(
            n=1,
            chunk_id=top.chunk_id,
            brief_id=top.brief_id,
            source=top.source,
            title=top.title,
            date=top.date,
            section=top.section,
            paragraphs=top.paragraphs,
            start=top.start,
            end=top.end,
            quote=top.text,
        )
        return Answer(
            question=question,
            text=f"{top.text} [1]",
            citations=(citation,),
            abstained=False,
            language=language,
        )


def _reply_language(question: str, language_code: str | None) -> str:
    if language_code:
        return "id" if language_code.lower().startswith("id") else "en"
    return detect_language(question)
