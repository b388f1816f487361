"""The TUI's settings: flags, `IVS_CHAT_TUI_*`, the TOML file, and what a keymap may name."""
