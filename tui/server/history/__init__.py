"""The room's memory (issue 11): messages the keeper recorded, deletions applied, the
intervals it was connected for, and the history query the route and the TUI use."""
