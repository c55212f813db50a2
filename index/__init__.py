"""briefbot's knowledge base: briefs to chunks to vectors, and search over them.

Knows nothing of Telegram: the bot, the terminal chat and the CLI all use it the same way.
"""
