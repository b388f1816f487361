"""The room's memory: messages the keeper recorded, deletions applied, the
intervals it was connected for, and the history query the route and the TUI use."""
