"""The fake Bot API server, driven over real HTTP by python-telegram-bot's own client.

The ``botapi_server`` fixture comes from tests/conftest.py (tests.botapi.fixtures).
"""

import asyncio
import datetime as dtm
import ssl
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.botapi.fixtures import TEST_BOT_TOKEN, TEST_BOT_USERNAME
from tests.botapi.server import BotApiServer, Chat, User, parse_html

ALICE = User(id=1001, first_name="Alice", username="alice", language_code="id")
ALICE_CHAT = Chat.private(ALICE)
GROUP = Chat(id=-2002, type="group", title="Newsroom")


# httpx loads the CA bundle for every client (~70 ms, two clients per Bot); the server is plain
# HTTP, so one shared context keeps each test's setup fast.
SHARED_SSL_CONTEXT = ssl.create_default_context()


def ptb_bot(server: BotApiServer, token: str = TEST_BOT_TOKEN) -> Bot:
    return Bot(
        token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=HTTPXRequest(httpx_kwargs={"verify": SHARED_SSL_CONTEXT}),
        get_updates_request=HTTPXRequest(httpx_kwargs={"verify": SHARED_SSL_CONTEXT}),
    )


@pytest_asyncio.fixture
async def bot(botapi_server: BotApiServer) -> AsyncIterator[Bot]:
    async with ptb_bot(botapi_server) as initialized:
        yield initialized


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(f"Button {data}", callback_data=data)] for data in callback_data]
    return InlineKeyboardMarkup(rows)


async def next_message(bot: Bot) -> Message:
    """The message of the only pending update."""
    [update] = await bot.get_updates()
    assert update.message is not None
    return update.message


async def next_callback_query(bot: Bot) -> CallbackQuery:
    """The callback query of the only pending update."""
    [update] = await bot.get_updates()
    assert update.callback_query is not None
    return update.callback_query


# --------------------------------------------------------------------------------------- basics


@pytest.mark.asyncio
async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (123456789, TEST_BOT_USERNAME, True)
    assert me.can_read_all_group_messages is False  # privacy mode, Telegram's default


@pytest.mark.asyncio
async def test_wrong_token_is_unauthorized(botapi_server: BotApiServer) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with ptb_bot(botapi_server, token="123456789:AAHsomeOtherTokenThatIsNotTheRightOne"):
            pass

    assert botapi_server.calls("getMe")[0].status == 401


@pytest.mark.asyncio
async def test_unknown_method_is_not_found_and_recorded(bot: Bot, botapi_server: BotApiServer) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendSomethingUnknown", api_kwargs={"chat_id": ALICE.id})

    [call] = botapi_server.calls("sendSomethingUnknown")
    assert call.status == 404
    assert call.response == {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.mark.asyncio
async def test_json_and_query_string_parameters_are_accepted(botapi_server: BotApiServer) -> None:
    api = f"{botapi_server.base_url}{TEST_BOT_TOKEN}"
    async with httpx.AsyncClient() as client:
        by_json = await client.post(f"{api}/sendMessage", json={"chat_id": ALICE.id, "text": "json"})
        by_query = await client.get(f"{api}/SENDMESSAGE", params={"chat_id": str(ALICE.id), "text": "query"})

    assert by_json.json()["result"]["text"] == "json"
    assert by_query.json()["result"]["text"] == "query"  # method names are case-insensitive
    assert [message["message_id"] for message in botapi_server.bot_messages(ALICE.id)] == [1, 2]


# ----------------------------------------------------------------------------- sendMessage


@pytest.mark.asyncio
async def test_html_message_with_inline_keyboard_round_trips(bot: Bot, botapi_server: BotApiServer) -> None:
    botapi_server.send_text(ALICE, ALICE_CHAT, "hi")

    sent = await bot.send_message(
        ALICE.id,
        "<b>Banjir</b> di Jakarta &amp; Bekasi 😀 <i>lihat</i>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("src:1", "src:2"),
        reply_to_message_id=1,
    )

    assert sent.text == "Banjir di Jakarta & Bekasi 😀 lihat"
    assert sent.entities == (
        MessageEntity(MessageEntity.BOLD, 0, 6),
        MessageEntity(MessageEntity.ITALIC, 30, 5),  # the emoji counts as two UTF-16 units
    )
    assert sent.reply_markup == keyboard("src:1", "src:2")
    assert sent.from_user is not None and sent.from_user.username == TEST_BOT_USERNAME
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "hi"
    assert (sent.message_id, sent.chat.id) == (2, ALICE.id)
    [call] = botapi_server.calls("sendMessage")
    assert call.params["reply_markup"]["inline_keyboard"][1][0]["callback_data"] == "src:2"  # decoded JSON
    assert botapi_server.bot_messages(ALICE.id)[0]["text"] == sent.text


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<foo>x</foo>", 'unsupported start tag "foo" at byte offset 0'),
        ("harga < 5", 'unsupported start tag "" at byte offset 6'),
        ("<b>tebal", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("Q&A", 'unescaped "&" at byte offset 1, use "&amp;"'),
        ("<span>x</span>", 'tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_invalid_html_is_rejected_like_telegram(bot: Bot, html: str, reason: str) -> None:
    with pytest.raises(BadRequest) as raised:
        await bot.send_message(ALICE.id, html, parse_mode=ParseMode.HTML)

    # PTB strips "Bad Request: " and capitalizes the rest.
    assert str(raised.value).lower() == f"can't parse entities: {reason}".lower()


@pytest.mark.asyncio
async def test_length_is_counted_in_utf16_after_parsing(bot: Bot) -> None:
    await bot.send_message(ALICE.id, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)

    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE.id, "😀" * 2049)  # 2049 characters, 4098 UTF-16 units


@pytest.mark.asyncio
async def test_text_empty_after_parsing_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ALICE.id, "<b> </b>\n", parse_mode=ParseMode.HTML)


@pytest.mark.asyncio
async def test_callback_data_is_limited_to_64_bytes(bot: Bot) -> None:
    await bot.send_message(ALICE.id, "ok", reply_markup=keyboard("é" * 32))

    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(ALICE.id, "too long", reply_markup=keyboard("é" * 32 + "x"))


@pytest.mark.asyncio
async def test_inline_button_needs_an_action(bot: Bot) -> None:
    text_only = InlineKeyboardMarkup([[InlineKeyboardButton("only text")]])

    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(ALICE.id, "x", reply_markup=text_only)


# ----------------------------------------------------------------------------- editing


@pytest.mark.asyncio
async def test_edit_message_text(bot: Bot, botapi_server: BotApiServer) -> None:
    sent = await bot.send_message(ALICE.id, "Mencari…", reply_markup=keyboard("cancel"))

    edited = await bot.edit_message_text("<b>Jawaban</b>", ALICE.id, sent.message_id, parse_mode=ParseMode.HTML)

    assert isinstance(edited, Message)
    assert (edited.text, edited.reply_markup, edited.edit_date is not None) == ("Jawaban", None, True)
    assert botapi_server.bot_messages(ALICE.id)[0]["text"] == "Jawaban"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>Jawaban</b>", ALICE.id, sent.message_id, parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", ALICE.id, 999)


# ----------------------------------------------------------------------------- updates


@pytest.mark.asyncio
async def test_get_updates_long_polls_until_an_update_arrives(bot: Bot, botapi_server: BotApiServer) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await botapi_server.wait_for(lambda: botapi_server.waiting_long_polls)
    started = time.monotonic()

    injected = botapi_server.send_text(ALICE, ALICE_CHAT, f"/ask@{TEST_BOT_USERNAME} banjir?")
    [update] = await poll

    assert time.monotonic() - started < 2
    assert update.update_id == injected["update_id"]
    assert update.message is not None
    assert update.message.text == f"/ask@{TEST_BOT_USERNAME} banjir?"
    assert update.message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 22),)
    assert update.message.from_user is not None and update.message.from_user.language_code == "id"


@pytest.mark.asyncio
async def test_get_updates_offset_confirms_updates(bot: Bot, botapi_server: BotApiServer) -> None:
    first = botapi_server.send_text(ALICE, ALICE_CHAT, "satu")["update_id"]
    second = botapi_server.send_text(ALICE, ALICE_CHAT, "dua")["update_id"]

    assert [u.update_id for u in await bot.get_updates()] == [first, second]  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    assert botapi_server.pending_update_count == 0


@pytest.mark.asyncio
async def test_a_second_poller_terminates_the_first(bot: Bot, botapi_server: BotApiServer) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await botapi_server.wait_for(lambda: botapi_server.waiting_long_polls)

    async with ptb_bot(botapi_server) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await first


@pytest.mark.asyncio
async def test_get_updates_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()

    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


@pytest.mark.asyncio
async def test_privacy_mode_hides_group_chatter(bot: Bot, botapi_server: BotApiServer) -> None:
    botapi_server.send_text(ALICE, GROUP, "ngobrol biasa")
    botapi_server.send_text(ALICE, GROUP, f"/ask@{TEST_BOT_USERNAME} apa kabar?")

    message = await next_message(bot)

    assert message.text == f"/ask@{TEST_BOT_USERNAME} apa kabar?"
    assert message.chat.title == "Newsroom"


@pytest.mark.asyncio
async def test_forum_topics_keep_their_messages(bot: Bot, botapi_server: BotApiServer) -> None:
    forum = Chat(id=-1_005_678, type="supergroup", title="Newsroom topics", is_forum=True)
    topic = botapi_server.create_topic(ALICE, forum, "Ukraina")
    botapi_server.send_text(ALICE, forum, f"/ask@{TEST_BOT_USERNAME} apa kabar?", message_thread_id=topic)

    asked = await next_message(bot)
    assert asked.is_topic_message and asked.message_thread_id == topic
    assert asked.chat.is_forum
    assert asked.reply_to_message is not None and asked.reply_to_message.forum_topic_created is not None

    # PTB's reply_text sends message_thread_id for a topic message; a plain reply stays there too.
    in_topic = await asked.reply_text("Baik.")
    quoted = await bot.send_message(forum.id, "Baik.", reply_to_message_id=asked.message_id)
    in_general = await bot.send_message(forum.id, "Halo semua.")
    assert in_topic.message_thread_id == quoted.message_thread_id == topic
    assert in_general.message_thread_id is None
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(forum.id, "?", message_thread_id=topic + 100)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(GROUP.id, "?", message_thread_id=topic)


@pytest.mark.asyncio
async def test_button_press_and_answer(bot: Bot, botapi_server: BotApiServer) -> None:
    sent = await bot.send_message(ALICE.id, "Sumber?", reply_markup=keyboard("src:1"))
    pressed = botapi_server.press_button(ALICE, ALICE_CHAT, sent.message_id, "src:1")

    query = await next_callback_query(bot)

    assert (query.id, query.data) == (pressed["callback_query"]["id"], "src:1")
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("Memuat…") is True
    assert botapi_server.callback_answer(query.id) == {"text": "Memuat…"}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    with pytest.raises(AssertionError, match="no button"):
        botapi_server.press_button(ALICE, ALICE_CHAT, sent.message_id, "src:2")


@pytest.mark.asyncio
async def test_ptb_application_polls_and_replies(botapi_server: BotApiServer) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(f"<b>Tanya:</b> {' '.join(context.args or [])}")

    application = (
        ApplicationBuilder()
        .token(TEST_BOT_TOKEN)
        .base_url(botapi_server.base_url)
        .base_file_url(botapi_server.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("ask", ask))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0)
        botapi_server.send_text(ALICE, GROUP, f"/ask@{TEST_BOT_USERNAME} banjir")

        reply = await botapi_server.wait_for_bot_message(GROUP.id)

        await application.updater.stop()
        await application.stop()

    assert reply["text"] == "Tanya: banjir"
    assert reply["reply_to_message"]["from"]["id"] == ALICE.id  # PTB quotes in groups
    assert all(call.ok for call in botapi_server.calls() if not call.client_disconnected)
    assert botapi_server.pending_update_count == 0


# ----------------------------------------------------------------------------- other methods


@pytest.mark.asyncio
async def test_chat_actions_deletion_commands_and_webhooks(bot: Bot, botapi_server: BotApiServer) -> None:
    sent = await bot.send_message(ALICE.id, "sementara")

    assert await bot.send_chat_action(ALICE.id, ChatAction.TYPING)
    assert await bot.delete_message(ALICE.id, sent.message_id)
    assert botapi_server.bot_messages(ALICE.id) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ALICE.id, sent.message_id)

    assert await bot.set_my_commands([BotCommand("ask", "Tanya tentang berita")])
    assert await bot.get_my_commands() == (BotCommand("ask", "Tanya tentang berita"),)
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Ask Me", "spasi")])

    assert await bot.set_webhook("https://bot.example/hook", secret_token="s3cr3t")
    assert (await bot.get_webhook_info()).url == "https://bot.example/hook"
    assert botapi_server.webhook_secret_token == "s3cr3t"
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert botapi_server.unknown_chat_ids == [ALICE.id]  # the test never wrote from Alice's chat


# ----------------------------------------------------------------------------- files


@pytest.mark.asyncio
async def test_injected_document_downloads_with_exact_bytes(bot: Bot, botapi_server: BotApiServer) -> None:
    content = bytes(range(256)) * 10
    botapi_server.send_document(ALICE, ALICE_CHAT, "ringkasan.pdf", content, caption="baca ini")

    message = await next_message(bot)
    document = message.document
    assert document is not None
    file = await bot.get_file(document.file_id)

    assert (document.file_name, document.mime_type, document.file_size) == (
        "ringkasan.pdf",
        "application/pdf",
        2560,
    )
    assert message.caption == "baca ini"
    assert await file.download_as_bytearray() == bytearray(content)


@pytest.mark.asyncio
async def test_bot_uploaded_document_is_recorded(bot: Bot, botapi_server: BotApiServer) -> None:
    sent = await bot.send_document(
        ALICE.id, b"a,b\n1,2\n", filename="data.csv", caption="<i>data</i>", parse_mode=ParseMode.HTML
    )

    assert sent.document is not None
    assert (sent.document.file_name, sent.caption) == ("data.csv", "data")
    assert botapi_server.file_content(sent.document.file_id) == b"a,b\n1,2\n"
    assert botapi_server.calls("sendDocument")[0].files["document"].body == b"a,b\n1,2\n"


# ----------------------------------------------------------------------------- failures and waiting


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")  # PTB's int -> timedelta notice
async def test_fail_next_injects_flood_control(bot: Bot, botapi_server: BotApiServer) -> None:
    botapi_server.fail_next("sendMessage", error_code=429, retry_after=1)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(ALICE.id, "x")
    await bot.send_message(ALICE.id, "y")  # only the next call fails

    assert raised.value.retry_after in (1, dtm.timedelta(seconds=1))
    assert [call.status for call in botapi_server.calls("sendMessage")] == [429, 200]
    assert botapi_server.calls("sendMessage")[0].injected_failure
    assert [message["text"] for message in botapi_server.bot_messages(ALICE.id)] == ["y"]


@pytest.mark.asyncio
async def test_wait_for_bot_message_sees_a_message_sent_later(bot: Bot, botapi_server: BotApiServer) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(ALICE.id, "Jawaban")

    task = asyncio.create_task(reply_later())
    message = await botapi_server.wait_for_bot_message(ALICE.id, where=lambda m: m["text"] == "Jawaban")
    await task

    assert message["chat"]["id"] == ALICE.id


@pytest.mark.asyncio
async def test_wait_for_times_out_listing_the_calls(bot: Bot, botapi_server: BotApiServer) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(ALICE.id, "<b>", parse_mode=ParseMode.HTML)

    with pytest.raises(AssertionError) as raised:
        await botapi_server.wait_for_call("editMessageText", timeout=0.1)

    report = str(raised.value)
    assert "editMessageText" in report
    assert "sendMessage" in report
    assert "can't parse entities" in report


# ----------------------------------------------------------------------------- the HTML parser itself


def test_html_parser_handles_links_code_blocks_and_entities() -> None:
    text, entities = parse_html(
        '<a href="example.com/a?x=1&y=2">tautan</a> &lt;ok&gt; &#128512;'
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>kutipan</blockquote>"
    )

    assert text == "tautan <ok> 😀x = 1kutipan"
    assert entities == [
        {"offset": 0, "length": 6, "type": "text_link", "url": "http://example.com/a?x=1&y=2"},
        {"offset": 14, "length": 5, "type": "pre", "language": "python"},
        {"offset": 19, "length": 7, "type": "expandable_blockquote"},
    ]


# -- inline mode, chat members, blocked chats -----------------------------------------------------


def article(result_id: str, message: str = "<b>Answer</b> [1]", title: str = "Answer") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(result_id, title, InputTextMessageContent(message, parse_mode=ParseMode.HTML))


async def test_answer_inline_query_is_validated_as_telegram_does(bot: Bot, botapi_server: BotApiServer) -> None:
    def query() -> str:
        return str(botapi_server.send_inline_query(ALICE, "drones")["inline_query"]["id"])

    rejected = {
        "RESULTS_TOO_MUCH": [article(str(n)) for n in range(51)],
        "RESULT_ID_DUPLICATE": [article("same"), article("same")],
        "RESULT_ID_INVALID": [article("x" * 65)],
        "message is too long": [article("long", "a" * 4097)],
        "message text is empty": [article("empty", "<b> </b>")],
        "Can't parse entities": [article("broken", "<b>unclosed")],
    }
    for reason, results in rejected.items():
        with pytest.raises(BadRequest, match=f"(?i){reason}"):
            await bot.answer_inline_query(query(), results)

    live = query()
    assert await bot.answer_inline_query(live, [article("x" * 64, "<b>Answer</b> [1]")], cache_time=5, is_personal=True)
    answered = botapi_server.inline_answer(live)
    assert answered is not None and answered["results"][0]["message"]["text"] == "Answer [1]"
    assert answered["results"][0]["message"]["entities"][0]["type"] == "bold"
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_inline_query(live, [article("again")])
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_inline_query("12345", [article("unknown")])


async def test_chat_members_and_blocked_chats(bot: Bot, botapi_server: BotApiServer) -> None:
    bob = User(id=1002, first_name="Bob")
    botapi_server.send_text(ALICE, GROUP, "hi")
    botapi_server.set_admins(GROUP, ALICE)
    assert (await bot.get_chat_member(GROUP.id, ALICE.id)).status == "administrator"
    assert (await bot.get_chat_member(GROUP.id, bob.id)).status == "member"

    botapi_server.send_text(ALICE, ALICE_CHAT, "hi")
    botapi_server.block_bot(ALICE_CHAT)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(ALICE.id, "hello?")
