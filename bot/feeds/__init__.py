"""Briefs that arrive by themselves: RSS / Atom / JSON feeds and Telegram channels as sources.

fetch.py gets a feed over HTTP politely and safely, parse.py reads it into items, items.py turns
items into brief files the loaders read, registry.py remembers feeds, channels and which file each
item became, sync.py runs a pass over every feed, channels.py turns channel posts into briefs.
"""
