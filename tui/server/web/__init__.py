"""The app server's HTTP side: the aiohttp app, the stage page, the listener and per-
address limits.
"""
