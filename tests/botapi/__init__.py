"""An in-process fake of the Telegram Bot API server for end-to-end tests of the bot."""

from tests.botapi.server import BotApiServer, Call, Chat, UploadedFile, User

__all__ = ["BotApiServer", "Call", "Chat", "UploadedFile", "User"]
