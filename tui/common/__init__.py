"""Pure helpers shared by every part (TUI, app server, local stack): standard library
only, no textual, no aiohttp, no pydantic. The local stack may import this package and
`tui.ivs.protocol`, nothing else of `tui`."""
