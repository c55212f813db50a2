"""briefbot: answers, the Telegram bot, the terminal chat and the CLI."""
