"""Start-up: the `ivs-chat-tui` command, `join`, the demo, and what they set up before a
screen opens.
"""
