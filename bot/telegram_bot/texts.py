"""Every user-facing string of the bot, in Indonesian and English.

Strings are Telegram HTML: placeholders are filled with `text()`, which escapes every value,
so a brief title or a file name can never break the markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from bot.engine.news_points import names_in

INDONESIAN = "id"
ENGLISH = "en"

_TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "id": "Halo{name}! Saya menjawab pertanyaan tentang ringkasan berita harian, "
        "dengan sumber bernomor [1], [2] … yang bisa Anda buka.",
        "en": "Hi{name}! I answer questions about the daily news briefs, "
        "with numbered sources [1], [2] … you can open.",
    },
    "start_commands": {
        "id": "/today — ringkasan terbaru · /timeline <i>topik</i> — perkembangan berita · "
        "/follow <i>topik</i> — kabar saat ada berita baru · /help — semua perintah",
        "en": "/today — the newest brief · /timeline <i>topic</i> — how a story developed · "
        "/follow <i>topic</i> — alerts on new reports · /help — every command",
    },
    "examples_header": {"id": "Coba tanyakan misalnya:", "en": "Try asking, for example:"},
    "example_section": {
        "id": "Apa kabar terbaru soal {topic}?",
        "en": "What's the latest on {topic}?",
    },
    "example_name": {
        "id": "Apa yang dilaporkan tentang {topic}?",
        "en": "What do the briefs say about {topic}?",
    },
    "example_date": {
        "id": "Apa saja berita pada {topic}?",
        "en": "What happened on {topic}?",
    },
    "no_briefs_yet": {
        "id": "Belum ada ringkasan yang diindeks.",
        "en": "No briefs are indexed yet.",
    },
    "how_private": {
        "id": "Ketik saja pertanyaan Anda.",
        "en": "Just type your question.",
    },
    "how_group": {
        "id": "Di grup: <code>/ask pertanyaan</code>, sebut @{username}, atau balas pesan saya.",
        "en": "In groups: <code>/ask question</code>, mention @{username}, or reply to my message.",
    },
    "help_users": {
        "id": "<b>Perintah</b>\n"
        "/ask <i>pertanyaan</i> — tanya tentang ringkasan\n"
        "/today <i>[hari]</i> — ringkasan terbaru (atau hari itu, mis. <code>/today 12 November</code>)\n"
        "/timeline <i>topik</i> — perkembangan sebuah berita, terlama dulu\n"
        "/follow <i>topik</i> — kabari saya saat ringkasan baru membahasnya; "
        "/unfollow <i>[topik]</i>, /following\n"
        "/briefs — ringkasan terbaru\n"
        "/help — bantuan ini\n\n"
        "Di obrolan mana pun: ketik <code>@{username} pertanyaan</code> untuk mengirim jawaban bersumber.\n"
        "Tekan 📄 <i>n</i> di bawah jawaban untuk membaca kutipan sumber [n] selengkapnya.",
        "en": "<b>Commands</b>\n"
        "/ask <i>question</i> — ask about the briefs\n"
        "/today <i>[day]</i> — the newest brief (or that day's, e.g. <code>/today 12 November</code>)\n"
        "/timeline <i>topic</i> — how a story developed, oldest first\n"
        "/follow <i>topic</i> — tell me when a new brief reports on it; "
        "/unfollow <i>[topic]</i>, /following\n"
        "/briefs — the latest briefs\n"
        "/help — this help\n\n"
        "In any chat: type <code>@{username} question</code> to send a cited answer.\n"
        "Press 📄 <i>n</i> under an answer to read source [n] in full.",
    },
    "help_admins": {
        "id": "<b>Admin</b>\n"
        "/reindex — indeks ulang yang berubah (<code>/reindex full</code>: bangun ulang)\n"
        "/status — isi indeks\n"
        "/remove <i>ID</i> — hapus ringkasan\n"
        "Kirim berkas .txt, .md, .html atau .pdf (maks. {max_mb} MB) untuk menambah ringkasan.",
        "en": "<b>Admin</b>\n"
        "/reindex — index what changed (<code>/reindex full</code>: rebuild)\n"
        "/status — what the index holds\n"
        "/remove <i>ID</i> — remove a brief\n"
        "Send a .txt, .md, .html or .pdf file (up to {max_mb} MB) to add a brief.",
    },
    "ask_usage": {
        "id": "Tulis pertanyaan setelah perintah, misalnya: <code>/ask {example}</code>",
        "en": "Put the question after the command, e.g. <code>/ask {example}</code>",
    },
    "ask_example": {
        "id": "Berapa drone yang ditembak jatuh?",
        "en": "How many drones were shot down?",
    },
    "empty_question": {
        "id": "Pesannya kosong — ketik pertanyaan tentang ringkasan berita.",
        "en": "That message is empty — type a question about the briefs.",
    },
    "question_cut": {
        "id": "Pertanyaan Anda terlalu panjang; hanya {limit} karakter pertama yang dipakai.",
        "en": "Your question was too long; only its first {limit} characters were used.",
    },
    "not_text": {
        "id": "Saya menjawab pertanyaan teks tentang ringkasan berita — ketik pertanyaan.",
        "en": "I answer text questions about the briefs — type a question.",
    },
    "unknown_command": {
        "id": "Perintah itu tidak saya kenal. /help menampilkan yang ada.",
        "en": "I don't know that command. /help lists the ones I have.",
    },
    "sources": {"id": "Sumber", "en": "Sources"},
    "today_not_a_day": {
        "id": "«{day}» bukan hari yang bisa saya baca. "
        "Contoh: <code>/today 12 November</code> atau <code>/today kemarin</code>.",
        "en": "“{day}” is not a day I can read. E.g. <code>/today 12 November</code> or <code>/today yesterday</code>.",
    },
    "timeline_usage": {
        "id": "Tulis topiknya: <code>/timeline Kursk</code>",
        "en": "Give the topic: <code>/timeline Kursk</code>",
    },
    "timeline_shown": {
        "id": "ringkasan {first}–{last} dari {total}",
        "en": "briefs {first}–{last} of {total}",
    },
    "timeline_earlier": {"id": "⏪ Sebelumnya ({count})", "en": "⏪ Earlier ({count})"},
    "timeline_gone": {
        "id": "Linimasa ini sudah tidak ada — kirim /timeline lagi.",
        "en": "This timeline is gone — send /timeline again.",
    },
    "follow_usage": {
        "id": "Tulis topiknya: <code>/follow Kursk</code>",
        "en": "Give the topic: <code>/follow Kursk</code>",
    },
    "follow_invalid": {
        "id": "Topik harus berisi kata (paling banyak {max_chars} karakter).",
        "en": "A topic needs words (at most {max_chars} characters).",
    },
    "follow_too_many": {
        "id": "Obrolan ini sudah mengikuti {max_topics} topik; /unfollow dulu salah satunya.",
        "en": "This chat already follows {max_topics} topics; /unfollow one first.",
    },
    "followed": {
        "id": "🔔 Mengikuti <b>{topic}</b>: saya kabari saat ringkasan baru membahasnya.",
        "en": "🔔 Following <b>{topic}</b>: I'll tell you when a new brief reports on it.",
    },
    "already_following": {
        "id": "Obrolan ini sudah mengikuti <b>{topic}</b>.",
        "en": "This chat already follows <b>{topic}</b>.",
    },
    "unfollowed": {"id": "🔕 Berhenti mengikuti: {topics}", "en": "🔕 No longer following: {topics}"},
    "not_following": {
        "id": "Obrolan ini tidak mengikuti topik itu. /following menampilkan yang diikuti.",
        "en": "This chat doesn't follow that. /following lists what it follows.",
    },
    "following": {"id": "🔔 Topik yang diikuti: {topics}", "en": "🔔 Followed topics: {topics}"},
    "following_none": {
        "id": "Obrolan ini belum mengikuti topik apa pun. Coba <code>/follow Kursk</code>.",
        "en": "This chat follows no topic yet. Try <code>/follow Kursk</code>.",
    },
    "group_admins_only": {
        "id": "Di grup, hanya admin grup yang bisa mengubah topik yang diikuti.",
        "en": "In a group, only the group's admins can change the followed topics.",
    },
    "closest": {
        "id": "Ringkasan yang paling dekat:",
        "en": "The closest briefs:",
    },
    "see_briefs": {
        "id": "/briefs menampilkan ringkasan yang ada.",
        "en": "/briefs lists the briefs there are.",
    },
    "source_changed": {
        "id": "Sumber ini berubah setelah ringkasan diperbarui — tanyakan lagi untuk jawaban baru.",
        "en": "This source changed after the briefs were updated — ask again for a fresh answer.",
    },
    "briefs_page": {
        "id": "<b>Ringkasan</b> {first}–{last} dari {total}, terbaru dulu:",
        "en": "<b>Briefs</b> {first}–{last} of {total}, newest first:",
    },
    "error": {
        "id": "Maaf, terjadi kesalahan. Silakan coba lagi.",
        "en": "Sorry, something went wrong. Please try again.",
    },
    "index_damaged": {
        "id": "⚠️ Indeks ringkasan sedang rusak dan belum bisa dibaca. Admin dapat memperbaikinya dengan /reindex.",
        "en": "⚠️ The briefs index is damaged and can't be read right now. An admin can repair it with /reindex.",
    },
    "admins_only": {
        "id": "Maaf, hanya admin yang bisa melakukan itu.",
        "en": "Sorry, only admins can do that.",
    },
    "reindex_running": {
        "id": "Indeks ulang sedang berjalan — tunggu sampai selesai.",
        "en": "A reindex is already running — please wait for it to finish.",
    },
    "reindex_started": {
        "id": "⏳ Indeks ulang{full} dimulai…",
        "en": "⏳ Reindex{full} started…",
    },
    "reindex_full_mark": {"id": " penuh", "en": " (full)"},
    "reindex_waiting": {
        "id": "⏳ Menunggu indeks ulang yang sedang berjalan…",
        "en": "⏳ Waiting for the running reindex…",
    },
    "reindex_progress": {
        "id": "⏳ Indeks ulang: {stage} {done}/{total}",
        "en": "⏳ Reindex: {stage} {done}/{total}",
    },
    "stage_reading": {"id": "membaca ringkasan", "en": "reading briefs"},
    "stage_embedding": {"id": "membuat embedding", "en": "embedding chunks"},
    "stage_writing": {"id": "menyimpan", "en": "writing"},
    "stage_done": {"id": "selesai", "en": "done"},
    "reindex_done": {
        "id": "✅ Indeks ulang selesai dalam {seconds} dtk: {added} baru, {updated} diperbarui, "
        "{removed} dihapus, {unchanged} tetap; {embedded} potongan di-embed.\n"
        "Indeks: {briefs} ringkasan, {chunks} potongan.",
        "en": "✅ Reindex done in {seconds} s: {added} added, {updated} updated, "
        "{removed} removed, {unchanged} unchanged; {embedded} chunks embedded.\n"
        "Index: {briefs} briefs, {chunks} chunks.",
    },
    "reindex_duplicate": {
        "id": "• dilewati {source}: isinya sama dengan {owner}",
        "en": "• skipped {source}: same content as {owner}",
    },
    "reindex_repaired": {"id": "🛠 Diperbaiki: {repair}", "en": "🛠 Repaired: {repair}"},
    "reindex_failed_header": {"id": "Gagal dibaca:", "en": "Could not be read:"},
    "reindex_failed": {"id": "• {reason}", "en": "• {reason}"},
    "status_skipped_header": {
        "id": "Dilewati pada indeks terakhir:",
        "en": "Skipped by the last reindex:",
    },
    "reindex_more": {"id": "• … dan {count} lagi", "en": "• … and {count} more"},
    "reindex_error": {
        "id": "❌ Indeks ulang gagal: {reason}",
        "en": "❌ Reindex failed: {reason}",
    },
    "status": {
        "id": "<b>Status</b>\n"
        "Ringkasan: {briefs}\nPotongan: {chunks}\nEmbedder: {embedder}\n"
        "Indeks terakhir: {last_indexed}\nRingkasan terbaru: {latest}\n"
        "Ukuran di disk: {size}\nWaktu aktif: {uptime}",
        "en": "<b>Status</b>\n"
        "Briefs: {briefs}\nChunks: {chunks}\nEmbedder: {embedder}\n"
        "Last reindex: {last_indexed}\nLatest brief: {latest}\n"
        "Size on disk: {size}\nUptime: {uptime}",
    },
    "never": {"id": "belum pernah", "en": "never"},
    "upload_stored": {
        "id": "📥 Disimpan sebagai <code>{name}</code>.",
        "en": "📥 Stored as <code>{name}</code>.",
    },
    "upload_renamed": {
        "id": "📥 Nama itu sudah dipakai, jadi disimpan sebagai <code>{name}</code>.",
        "en": "📥 That name was taken, so it was stored as <code>{name}</code>.",
    },
    "upload_rejected": {
        "id": "❌ Tidak disimpan: {reason}",
        "en": "❌ Not stored: {reason}",
    },
    "upload_too_big": {
        "id": "❌ Berkas terlalu besar ({size} MB): batasnya {max_mb} MB.",
        "en": "❌ That file is too big ({size} MB): the limit is {max_mb} MB.",
    },
    "upload_wrong_type": {
        "id": "❌ Ringkasan harus berupa berkas {kinds}.",
        "en": "❌ Briefs must be {kinds} files.",
    },
    "remove_usage": {
        "id": "Tulis ID ringkasan: <code>/remove ID</code>. /briefs menampilkan ID-nya.",
        "en": "Give the brief's id: <code>/remove ID</code>. /briefs shows the ids.",
    },
    "remove_unknown": {
        "id": "Tidak ada ringkasan dengan ID <code>{brief_id}</code>. /briefs menampilkan ID-nya.",
        "en": "No brief has the id <code>{brief_id}</code>. /briefs shows the ids.",
    },
    "removed": {
        "id": "🗑 Dihapus: {title} (<code>{brief_id}</code>). Berkasnya dipindahkan ke folder "
        "data, dan indeks sudah diperbarui.",
        "en": "🗑 Removed: {title} (<code>{brief_id}</code>). Its file was moved into the data "
        "folder, and the index is up to date.",
    },
}

COMMANDS_USERS: dict[str, dict[str, str]] = {
    "ask": {"id": "Tanya tentang ringkasan berita", "en": "Ask about the news briefs"},
    "today": {"id": "Ringkasan terbaru (atau: /today 12 November)", "en": "The newest brief (or: /today 12 November)"},
    "timeline": {"id": "Perkembangan sebuah topik: /timeline topik", "en": "How a story developed: /timeline topic"},
    "follow": {"id": "Kabari saya tentang topik: /follow topik", "en": "Alerts for a topic: /follow topic"},
    "unfollow": {"id": "Berhenti mengikuti topik", "en": "Stop following a topic"},
    "following": {"id": "Topik yang diikuti", "en": "Followed topics"},
    "briefs": {"id": "Ringkasan terbaru", "en": "The latest briefs"},
    "help": {"id": "Bantuan", "en": "Help"},
    "start": {"id": "Mulai", "en": "Start"},
}
COMMANDS_ADMINS: dict[str, dict[str, str]] = {
    "reindex": {"id": "Indeks ulang (full: bangun ulang)", "en": "Reindex (full: rebuild)"},
    "status": {"id": "Isi indeks", "en": "What the index holds"},
    "remove": {"id": "Hapus ringkasan: /remove ID", "en": "Remove a brief: /remove ID"},
    "feeds": {"id": "Feed dan kanal sumber", "en": "Feeds and channels (sources)"},
    "feed": {"id": "/feed add URL, /feed remove URL, /feed sync", "en": "/feed add URL, /feed remove URL, /feed sync"},
}


def language_of(language_code: str | None) -> str:
    """A Telegram user's language_code ("id", "id-ID", "en-US", None) to "id" or "en"."""
    return INDONESIAN if (language_code or "").lower().startswith("id") else ENGLISH


def text(language: str, key: str, **values: object) -> str:
    """The string `key` in `language` (English when unknown), with `values` HTML-escaped."""
    return _template(language, key).format(**{name: html.escape(str(value)) for name, value in values.items()})


EXAMPLE_COUNT = 3


def example_questions(
    sections: Sequence[str], paragraphs: Sequence[str], brief_date: date | None, language: str
) -> list[str]:
    """Up to three questions the newest brief can answer, for /start: about its sections (two at
    most), then about names its paragraphs mention, else about its date. Plain text."""
    about_sections = [
        _template(language, "example_section").format(topic=_lower_first(section))
        for section in dict.fromkeys(sections)
    ][: EXAMPLE_COUNT - 1]
    names = dict.fromkeys(name for paragraph in paragraphs for name in names_in(paragraph)[:1])
    about_names = [_template(language, "example_name").format(topic=name) for name in names]
    chosen = about_sections + about_names[: EXAMPLE_COUNT - len(about_sections)]
    if not chosen and brief_date:
        chosen = [_template(language, "example_date").format(topic=brief_date.isoformat())]
    return chosen


def _template(language: str, key: str) -> str:
    return _TEXTS[key].get(language, _TEXTS[key][ENGLISH])


def _lower_first(heading: str) -> str:
    """ "Hubungan internasional" reads "hubungan internasional" mid-sentence; "NATO" stays."""
    if len(heading) > 1 and heading[1].islower():
        return heading[0].lower() + heading[1:]
    return heading
