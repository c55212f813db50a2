"""bot/telegram_bot"""
