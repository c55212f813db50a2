"""Telegram channel posts as briefs.

A channel is a source only when an admin (ADMIN_IDS) made the bot an administrator of it: the
`my_chat_member` update names who did it. A channel anyone else adds the bot to gives nothing and
is listed nowhere, so nobody can plant briefs.

A post becomes one brief file in `channels/c<chat id>/`: its text or caption as Markdown with
front matter (title: the lead line; date: the date the lead line names, else the post's date;
url: https://t.me/<channel>/<id> for a public channel), or an attached .txt/.md/.html/.pdf kept
as sent, read like an upload (its file name starts with the post's date, which the loaders use
when the text names none). An edited post rewrites the same file: its brief is replaced.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from bot.feeds.items import title_key
from bot.feeds.registry import ChannelRecord, FeedRegistry, channel_origin
from bot.feeds.sync import write_atomically
from index.brief_sync import park_file
from index.dates import find_date
from index.knowledge_base import safe_file_name
from index.loaders import SUPPORTED_SUFFIXES

TITLE_MAX_CHARS = 120


@dataclass(frozen=True, slots=True)
class ChannelPost:
    chat_id: int
    username: str | None  # public channels have one; their posts have a t.me link
    message_id: int
    posted: datetime
    text: str | None  # the text, or the caption
    document_name: str | None = None
    document: bytes | None = None  # the attached file's bytes, when it is a brief


@dataclass(frozen=True, slots=True)
class PostBrief:
    source: str  # path in the briefs folder
    data: bytes
    link: str | None
    title: str
    day: date


def post_link(username: str | None, message_id: int) -> str | None:
    return f"https://t.me/{username}/{message_id}" if username else None


def is_brief_document(file_name: str | None) -> bool:
    return bool(file_name) and Path(file_name or "").suffix.lower() in SUPPORTED_SUFFIXES


def post_brief(post: ChannelPost) -> PostBrief | None:
    """The brief file of a post; None for a post with neither text nor a brief file (a photo)."""
    folder = f"channels/c{abs(post.chat_id)}"
    posted_day = post.posted.date()
    link = post_link(post.username, post.message_id)
    if post.document is not None and is_brief_document(post.document_name):
        name = safe_file_name(post.document_name or "brief.txt")
        source = f"{folder}/{posted_day.isoformat()}-{post.message_id}-{name}"
        title = Path(name).stem
        return PostBrief(source, post.document, link, title, posted_day)
    text = (post.text or "").strip()
    if not text:
        return None
    lines = [line.strip() for line in text.splitlines()]
    lead = next(line for line in lines if line)
    named = find_date(lead, posted_day)
    day = named.date if named is not None else posted_day
    title = lead if len(lead) <= TITLE_MAX_CHARS else lead[: TITLE_MAX_CHARS - 1].rstrip() + "…"
    metadata: dict[str, object] = {"title": title, "date": day.isoformat()}
    if link:
        metadata["url"] = link
    rest = "\n".join(lines[lines.index(lead) + 1 :]).strip()
    # With more than the lead line, the lead is the title ("# " keeps it out of the paragraphs);
    # a one-line post is its own only paragraph.
    body = f"# {lead}\n\n{rest}\n" if rest else f"{lead}\n"
    front = yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False)
    data = f"---\n{front}---\n{body}".encode()
    return PostBrief(f"{folder}/{posted_day.isoformat()}-{post.message_id}.md", data, link, title, day)


def store_post(registry: FeedRegistry, briefs_dir: Path, data_dir: Path, post: ChannelPost) -> str | None:
    """Writes the post's brief (replacing the one an earlier version of the post gave); returns
    its source, or None when the channel is no source or the post holds no brief."""
    if registry.channel(post.chat_id) is None:
        return None
    brief = post_brief(post)
    if brief is None:
        return None
    origin = channel_origin(post.chat_id)
    key = str(post.message_id)
    earlier = registry.source_of(origin, [key], None, None)
    if earlier is not None and earlier != brief.source and (briefs_dir / earlier).is_file():
        park_file(briefs_dir / earlier, data_dir)  # e.g. a text post edited into a file
    write_atomically(briefs_dir / brief.source, brief.data)
    registry.remember(origin, [key], brief.source, title_key(brief.title), brief.day.isoformat(), brief.link)
    return brief.source


def channel_from_update(chat_id: int, title: str | None, username: str | None, added_by: int) -> ChannelRecord:
    return ChannelRecord(chat_id, title, username, added_by, time.time())
