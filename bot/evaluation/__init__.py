"""Measuring the bot's answers, apart from the runtime engine it measures.

- `answers`: answer quality and abstention on `../shared/eval` (`briefbot answer-eval`);
- `news`: news-intent questions on the real daily briefs of `../shared/news` (`briefbot news-eval`).

Retrieval alone is measured by `index/evaluation.py` (`briefbot eval`).
"""
