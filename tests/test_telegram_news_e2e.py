"""Following the news from Telegram, end to end against the local Bot API server: /today with its
day buttons, /timeline with its "earlier" button, /follow alerts after uploads (exactly once,
across restarts, flood control and blocked chats), and inline answers."""

from __future__ import annotations

import asyncio

import pytest

from index.knowledge_base import KnowledgeBase
from tests.botapi.server import BotApiServer, Chat, utf16_len
from tests.test_alerts import state_of
from tests.test_telegram_e2e import (
    ADMIN,
    ALICE,
    BOB,
    FREEDONIA_BRIEF,
    Harness,
    JsonDict,
    buttons,
    eventually,
    source_lines,
)

SEED_DAY = "13 Nov 2024"
KURSK_BRIEF = """\
---
title: Kursk evening brief
date: 2024-11-20
language: en
---
# Frontline

Ukrainian troops pushed Russian and North Korean forces out of two villages in the Kursk region overnight, the general staff said.

# Economy

Grain exports through the Black Sea rose for a third month in October.
"""
NEWSROOM = Chat(id=-1_005_555, type="supergroup", title="Desk")


@pytest.fixture
def harness(botapi_server: BotApiServer, knowledge_base: KnowledgeBase) -> Harness:
    return Harness(botapi_server, knowledge_base)


def dated_brief(day: int, sentence: str) -> str:
    return f"---\ntitle: Brief {day}\ndate: 2024-12-{day:02d}\nlanguage: en\n---\n# Ukraine\n\n{sentence}\n"


def alerts(harness: Harness, chat: Chat) -> list[JsonDict]:
    return [m for m in harness.server.bot_messages(chat.id) if m["text"].startswith("🔔 Kursk —")]


async def upload(harness: Harness, name: str, content: str) -> None:
    """The admin sends a brief; returns once its reindex report is shown."""
    admin = Chat.private(ADMIN)
    sent = harness.server.send_document(ADMIN, admin, name, content.encode())
    stored = await harness.reply(admin, sent["message"]["message_id"])
    await harness.reply(admin, stored["message_id"], lambda m: "Reindex done" in m["text"])


async def test_today_shows_a_days_sections_with_cited_points_and_buttons_to_the_days_around(
    harness: Harness,
) -> None:
    (harness.kb.briefs_dir / "freedonia.md").write_text(FREEDONIA_BRIEF, encoding="utf-8")
    bob = Chat.private(BOB)
    async with harness.run():
        newest = await harness.reply(bob, harness.send(BOB, bob, "/today"))
        seed = await harness.reply(bob, harness.send(BOB, bob, "/today 13 November"))
        latest = await harness.reply(bob, harness.send(BOB, bob, "/latest"))
        pressed = await harness.press(BOB, bob, newest, "d:2024-11-13")
        from_button = await harness.reply(bob, newest["message_id"], lambda m: m["message_id"] > latest["message_id"])
        missing = await harness.reply(bob, harness.send(BOB, bob, "/today 15 November"))
        not_a_day = await harness.reply(bob, harness.send(BOB, bob, "/today whenever"))

    assert newest["text"].startswith("The brief of November 18, 2024:")
    assert "Weather" in newest["text"] and "[2]" in newest["text"]
    assert ("◀ 13 Nov 2024", "d:2024-11-13") in buttons(newest)
    assert latest["text"] == newest["text"]
    # The seed brief: both its sections as headings, each point cited and a 📄 button per point.
    lines = seed["text"].splitlines()
    assert lines[0] == "The brief of November 13, 2024:"
    assert "Pertempuran" in lines and "Hubungan internasional" in lines
    points = [line for line in lines if line.startswith("• ")]
    assert 3 <= len(points) <= 8 and all(line.endswith(f"[{n}]") for n, line in enumerate(points, start=1))
    assert (
        lines.index("Pertempuran")
        < lines.index(points[0])
        < lines.index("Hubungan internasional")
        < lines.index(points[-1])
    )
    assert len(source_lines(seed)) == len(points)
    assert [text for text, _ in buttons(seed)][: len(points)] == [f"📄 {n}" for n in range(1, len(points) + 1)]
    assert ("18 Nov 2024 ▶", "d:2024-11-18") in buttons(seed)
    assert pressed == {} or "text" not in pressed
    assert from_button["text"] == seed["text"]
    assert missing["text"].startswith(
        "There is no brief for November 15, 2024. The nearest briefs are from November 13, 2024, November 18, 2024."
    )
    assert [data for _, data in buttons(missing)] == ["d:2024-11-13", "d:2024-11-18"]
    assert "not a day I can read" in not_a_day["text"]
    assert not harness.server.server_errors


async def test_timeline_lists_the_briefs_oldest_first_newest_ten_then_earlier_ones(harness: Harness) -> None:
    for day in range(1, 12):
        sentence = f"Fighting in the Kursk region entered day {day} of December, with {day * 3} villages contested."
        (harness.kb.briefs_dir / f"kursk-{day:02d}.md").write_text(dated_brief(day, sentence), encoding="utf-8")
    alice = Chat.private(ALICE)
    async with harness.run():
        first = await harness.reply(alice, harness.send(ALICE, alice, "/timeline Kursk"))
        earlier_button = next(data for text, data in buttons(first) if text.startswith("⏪"))
        await harness.press(ALICE, alice, first, earlier_button)
        earlier = await harness.reply(alice, first["message_id"], lambda m: m["text"] != first["text"])
        usage = await harness.reply(alice, harness.send(ALICE, alice, "/timeline"))

    # 12 briefs report on Kursk: the seed brief (13 Nov) and 11 December ones.
    lines = first["text"].splitlines()
    assert lines[0] == "Perkembangan Kursk dalam 12 ringkasan, terlama dulu (ringkasan 3–12 dari 12):"
    entries = [line for line in lines[1:] if " — " in line and line.endswith("]") and not line.startswith("[")]
    assert [line.split(" — ")[0] for line in entries] == [f"{day} Des 2024" for day in range(2, 12)]
    assert [line.rsplit(" ", 1)[1] for line in entries] == [f"[{n}]" for n in range(1, 11)]
    assert "⏪ Sebelumnya (2)" in [text for text, _ in buttons(first)]
    older = [line for line in earlier["text"].splitlines() if line.endswith(("[1]", "[2]")) and " — " in line]
    assert [line.split(" — ")[0] for line in older] == [SEED_DAY, "1 Des 2024"]
    assert "Kursk" in older[0] and not any(text.startswith("⏪") for text, _ in buttons(earlier))
    assert usage["text"] == "Tulis topiknya: /timeline Kursk"


async def test_a_chat_following_kursk_gets_one_alert_per_new_brief_about_it_never_again(harness: Harness) -> None:
    alice = Chat.private(ALICE)
    async with harness.run():
        followed = await harness.reply(alice, harness.send(ALICE, alice, "/follow Kursk"))
        again = await harness.reply(alice, harness.send(ALICE, alice, "/follow kursk"))
        listed = await harness.reply(alice, harness.send(ALICE, alice, "/following"))
        # The seed brief mentions Kursk, but it was there before: no alert for it.
        await upload(harness, "kursk.md", KURSK_BRIEF)
        alert = await harness.reply(alice, listed["message_id"], lambda m: m["text"].startswith("🔔"))
        await upload(harness, "freedonia.md", FREEDONIA_BRIEF)
        await asyncio.sleep(0.5)  # an alert for Freedonia would have been sent by now

    assert followed["text"].startswith("🔔 Mengikuti Kursk")
    assert again["text"].lower() == "obrolan ini sudah mengikuti kursk."
    assert listed["text"] == "🔔 Topik yang diikuti: Kursk"
    assert alert["text"].startswith("🔔 Kursk — ringkasan 20 November 2024:")
    assert "Kursk region overnight" in alert["text"] and "[1]" in alert["text"]
    assert "Grain exports" not in alert["text"] and "Freedonia" not in alert["text"]
    assert "Kursk evening brief" in source_lines(alert)[0]
    assert buttons(alert)[0][0] == "📄 1"
    assert len(alerts(harness, alice)) == 1

    # A restart and a reindex (incremental, then full) send nothing again.
    admin = Chat.private(ADMIN)
    async with harness.run():
        for command in ("/reindex", "/reindex full"):
            asked = harness.send(ADMIN, admin, command)
            await harness.reply(admin, asked, lambda m: "Reindex done" in m.get("text", ""))
        await asyncio.sleep(0.5)
        unfollowed = await harness.reply(alice, harness.send(ALICE, alice, "/unfollow"))
        nothing = await harness.reply(alice, harness.send(ALICE, alice, "/following"))

    assert len(alerts(harness, alice)) == 1
    assert unfollowed["text"] == "🔕 Berhenti mengikuti: Kursk"
    assert nothing["text"].startswith("Obrolan ini belum mengikuti topik apa pun.")
    assert not harness.server.server_errors


async def test_in_groups_only_admins_follow_and_alerts_go_to_the_group(harness: Harness) -> None:
    harness.server.set_admins(NEWSROOM, ADMIN)
    async with harness.run():
        refused = await harness.reply(NEWSROOM, harness.send(BOB, NEWSROOM, "/follow Kursk"))
        followed = await harness.reply(NEWSROOM, harness.send(ADMIN, NEWSROOM, "/follow Kursk"))
        refused_unfollow = await harness.reply(NEWSROOM, harness.send(BOB, NEWSROOM, "/unfollow Kursk"))
        listed = await harness.reply(NEWSROOM, harness.send(BOB, NEWSROOM, "/following"))
        await upload(harness, "kursk.md", KURSK_BRIEF)
        alert = await harness.reply(NEWSROOM, listed["message_id"], lambda m: m["text"].startswith("🔔"))

    assert refused["text"] == "In a group, only the group's admins can change the followed topics."
    assert refused_unfollow["text"] == refused["text"]
    assert followed["text"].startswith("🔔 Following Kursk")
    assert listed["text"] == "🔔 Followed topics: Kursk"
    assert alert["text"].startswith("🔔 Kursk — the brief of November 20, 2024:")
    assert len(alerts(harness, NEWSROOM)) == 1


async def test_flood_control_delays_alerts_and_a_chat_that_blocked_the_bot_loses_its_topics(
    harness: Harness,
) -> None:
    alice, bob = Chat.private(ALICE), Chat.private(BOB)
    state = state_of(harness.kb)
    async with harness.run():
        await harness.reply(alice, harness.send(ALICE, alice, "/follow Kursk"))
        await harness.reply(bob, harness.send(BOB, bob, "/follow Kursk"))
        harness.server.block_bot(bob)
        # More 429s in a row than the rate limiter retries by itself.
        harness.server.fail_next("sendMessage", 429, retry_after=1, times=5, chat_id=alice.id)
        await upload(harness, "kursk.md", KURSK_BRIEF)
        await harness.reply(alice, 0, lambda m: m["text"].startswith("🔔"), timeout=60)
        await eventually(lambda: not state.following(bob.id))
        await asyncio.sleep(0.5)  # a duplicate would have been sent by now

    to_alice = [c for c in harness.server.calls("sendMessage") if str(c.params.get("chat_id")) == str(alice.id)]
    assert [c.status for c in to_alice if str(c.params.get("text")).startswith("🔔 Kursk —")] == [429] * 5 + [200]
    assert len(alerts(harness, alice)) == 1
    assert state.following(alice.id) == ["Kursk"] and state.following(bob.id) == []
    assert not state.queued()
    state.close()


async def test_an_inline_query_offers_the_cited_answer_the_server_accepts(harness: Harness) -> None:
    async with harness.run():
        update = harness.server.send_inline_query(BOB, "How many Russian drones did Ukraine shoot down?")
        query_id = update["inline_query"]["id"]
        await harness.server.wait_for(lambda: harness.server.inline_answer(query_id), 30)
        empty = harness.server.send_inline_query(BOB, "   ")
        await harness.server.wait_for(lambda: harness.server.inline_answer(empty["inline_query"]["id"]), 30)

    answered = harness.server.inline_answer(query_id)
    assert answered is not None and answered["is_personal"]
    [result] = answered["results"]
    assert 1 <= len(result["id"].encode()) <= 64
    message = result["message"]["text"]
    assert "46" in message and "[1]" in message and "\nSources\n[1] " in message
    assert utf16_len(message) <= 4096
    assert "[" not in result["title"] and "46" in result["title"]
    assert {"bold"} <= {entity["type"] for entity in result["message"]["entities"]}
    assert harness.server.inline_answer(empty["inline_query"]["id"]) == {
        "results": [],
        "cache_time": 60,
        "is_personal": True,
        "next_offset": "",
    }
    assert all(call.ok for call in harness.server.calls("answerInlineQuery"))
