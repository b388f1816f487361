"""The app server: chat tokens, stage invites and the stage link (never imports textual)."""
