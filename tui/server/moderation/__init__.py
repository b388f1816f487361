"""Moderation: bans, timeouts, moderators, blocked terms, flood control and their log.

No Textual, no HTTP: the service and the room keeper use these modules, and the HTTP
layer only maps their domain errors (`tui.server.domain_errors`) onto statuses.
"""
