"""The `[alerts]` table of the TUI's config: what alerts, and how.

    [alerts]
    mention = true     # a message that names me
    held = true        # moderators: a message held for review
    offence = true     # moderators: a flood or a blocked term
    shield = true      # moderators: shield mode turned on or off
    bell = true        # the terminal bell (BEL)
    desktop = true     # a desktop notification, where the terminal shows one

A viewer's TUI never hears of held messages, offences or shield mode (the moderators'
news is for moderators), so by default a viewer has only `mention` on; the three
moderators' kinds are on for a moderator unless the table turns them off.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class AlertKind(StrEnum):
    MENTION = "mention"
    HELD = "held"
    OFFENCE = "offence"
    SHIELD = "shield"


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mention: bool = True
    """A message that names me."""
    held: bool | None = None
    """A message held for review (unset: on for moderators)."""
    offence: bool | None = None
    """A flood or a blocked term (unset: on for moderators)."""
    shield: bool | None = None
    """Shield mode turned on or off (unset: on for moderators)."""
    bell: bool = True
    """Ring the terminal bell."""
    desktop: bool = True
    """Show a desktop notification (OSC 9 or OSC 777), where the terminal has them."""

    def wanted(self, kind: AlertKind, *, moderator: bool) -> bool:
        """Whether `kind` alerts for this user: as set, else the default for the role."""
        if kind is AlertKind.MENTION:
            return self.mention
        chosen: bool | None = getattr(self, kind.value)
        return moderator if chosen is None else chosen and moderator


__all__ = ["AlertKind", "AlertSettings"]
