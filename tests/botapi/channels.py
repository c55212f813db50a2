"""Channels for the local Bot API server: the updates a bot gets as an administrator of a
Telegram channel. Kept beside `server.py` as a subclass, so the server's own code stays as it is.

- `add_bot_to_channel(user, channel)`: `user` makes the bot an administrator of the channel
  (a `my_chat_member` update, whose `from` is that user, as Telegram sends it);
- `post(channel, text=..., document=...)`: a `channel_post` (no `from`; `sender_chat` is the
  channel, as for a post signed by the channel itself);
- `edit_post(channel, message_id, text)`: an `edited_channel_post` with `edit_date`.
"""

from __future__ import annotations

import copy
import time

from tests.botapi.server import BotApiServer, Chat, JsonDict, User, _with_detected_entities, _without_empty


def channel(chat_id: int, title: str, username: str | None = None) -> Chat:
    return Chat(id=chat_id, type="channel", title=title, username=username)


_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_post_messages": True,
    "can_edit_messages": True,
}


class ChannelBotApiServer(BotApiServer):
    def _register_chat(self, chat: Chat, user: User) -> JsonDict:
        if chat.type != "channel":
            return super()._register_chat(chat, user)
        if chat.id >= 0:
            raise ValueError(f"channel ids are negative, got {chat.id}")
        chat_object = _without_empty({"id": chat.id, "title": chat.title, "username": chat.username, "type": "channel"})
        self._chats[chat.id] = chat_object
        return chat_object

    def add_bot_to_channel(self, user: User, chat: Chat, status: str = "administrator") -> JsonDict:
        """`user` makes the bot an administrator of `chat` (or sets it to `status`, e.g. "left")."""
        with self._lock:
            chat_object = self._register_chat(chat, user)
            bot = self._bot_user()
            new: JsonDict = {"user": bot, "status": status}
            if status == "administrator":
                new.update(_ADMIN_RIGHTS)
            change = {
                "chat": chat_object,
                "from": user.to_api(),
                "date": int(time.time()),
                "old_chat_member": {"user": bot, "status": "left"},
                "new_chat_member": new,
            }
            return self._enqueue("my_chat_member", change, None)

    def post(
        self,
        chat: Chat,
        text: str | None = None,
        *,
        document: tuple[str, bytes] | None = None,
        caption: str | None = None,
        date: int | None = None,
    ) -> JsonDict:
        """A post in channel `chat`: text, or a document with an optional caption."""
        with self._lock:
            chat_object = self._chats.get(chat.id) or self._register_chat(chat, User(0, "nobody"))
            if document is not None:
                stored = self._store_document(document[0], document[1], None).document()
                content: JsonDict = {"document": stored, **self._user_caption(caption)}
            else:
                content = _without_empty({"text": text, "entities": _with_detected_entities(text or "", [])})
            message = self._new_message(chat_object, {}, {**content, "sender_chat": chat_object})
            message.pop("from", None)
            if date is not None:
                message["date"] = date
            self._messages[(chat.id, message["message_id"])] = message
            return self._enqueue("channel_post", copy.deepcopy(message), None)

    def edit_post(self, chat: Chat, message_id: int, text: str) -> JsonDict:
        with self._lock:
            message = copy.deepcopy(self._messages[(chat.id, message_id)])
            message.update(text=text, edit_date=int(time.time()))
            entities = _with_detected_entities(text, [])
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self._messages[(chat.id, message_id)] = message
            return self._enqueue("edited_channel_post", message, None)
