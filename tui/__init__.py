"""ivs-chat-tui: run and moderate an Amazon IVS chat from a terminal."""

__version__ = "0.1.0"
