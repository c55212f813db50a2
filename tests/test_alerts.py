"""Which new paragraphs a followed topic gets, on a real knowledge base and the real state: the
state file beside the data folder's index, PostgreSQL's tables beside PostgreSQL's."""

from __future__ import annotations

from pathlib import Path

from bot.engine.alerts import AlertMessage, check_new_briefs
from bot.state import StateStore, Subscription, open_state
from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase

PROTESTS = "Thousands join the 2025 Malagasy protests in Antananarivo over water and power cuts."
KURSK = "Ukrainian troops pushed Russian forces out of two villages in the Kursk region overnight."


def brief(day: str, *paragraphs: str) -> str:
    return f"---\ntitle: Brief {day}\ndate: {day}\nlanguage: en\n---\n# World\n\n" + "\n\n".join(paragraphs) + "\n"


def state_of(kb: KnowledgeBase) -> StateStore:
    """The state the bot would use with this knowledge base (as `build_application` picks it)."""
    return open_state(kb.data_dir, kb.database_url)


def alert_texts(state: StateStore, chat_id: int) -> list[str]:
    return [AlertMessage.from_json(a.payload).answer.text for a in state.queued() if a.chat_id == chat_id]


def test_only_new_paragraphs_really_about_a_topic_are_alerted_once(
    tmp_path: Path, embedder: BriefEmbeddings, store_url: str | None
) -> None:
    briefs, data = tmp_path / "briefs", tmp_path / "data"
    briefs.mkdir()
    (briefs / "a.md").write_text(brief("2025-10-01", KURSK), encoding="utf-8")
    kb = KnowledgeBase(briefs, data, embedder=embedder, database_url=store_url)
    kb.reindex()
    state = state_of(kb)
    assert check_new_briefs(kb, state) == 0  # there before anyone followed anything

    state.follow(Subscription(1, "Kursk", "en"))
    state.follow(Subscription(2, "Sudanese civil war", "en"))
    state.follow(Subscription(3, "kursk", "id", thread_id=7))
    # The next day's brief repeats yesterday's Kursk paragraph and adds the protests.
    (briefs / "b.md").write_text(brief("2025-10-02", KURSK, PROTESTS), encoding="utf-8")
    kb.reindex()
    assert check_new_briefs(kb, state) == 0  # a repeat is not news; protests are not the war

    # An edit adds a new Kursk paragraph: only it is alerted, to both chats following Kursk.
    added = "Fighting in the Kursk region intensified as North Korean units joined the assault."
    (briefs / "b.md").write_text(brief("2025-10-02", KURSK, PROTESTS, added), encoding="utf-8")
    kb.reindex()
    assert check_new_briefs(kb, state) == 2
    [english] = alert_texts(state, 1)
    assert english.splitlines()[0] == "🔔 Kursk — the brief of October 2, 2025:"
    assert (
        added in english
        and KURSK not in english
        and [line for line in english.splitlines() if "[" in line] == [f"• {added} [1]"]
    )
    [indonesian] = alert_texts(state, 3)
    assert indonesian.startswith("🔔 kursk — ringkasan 2 Oktober 2025:")
    assert {a.thread_id for a in state.queued() if a.chat_id == 3} == {7}
    assert alert_texts(state, 2) == []

    # Checked once: again (or after a restart, with a new state object) queues nothing, and what
    # was queued is still there for the new one.
    state.close()
    state = state_of(kb)
    assert check_new_briefs(kb, state) == 0 and len(state.queued()) == 2
    state.forget_chat(1)
    assert state.following(1) == [] and alert_texts(state, 1) == [] and state.following(3) == ["kursk"]
    kb.close()
