"""The lines that tell the broadcaster how a second terminal joins: as a viewer, and (in
the demo) as the broadcaster, to moderate from elsewhere; with a note such as "quitting
ends the room".

Each command is shown whole, so it can be copied. Its label shrinks to fit one line and,
when even the shortest label and the command do not fit, goes on the line above: the
command never shows without saying what it is for.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.widgets import Static

from tui.terminal.untrusted import content_from

_VIEWER_LABELS = ("Join as a viewer from another terminal: ", "Join as a viewer: ", "Viewers: ")
_MODERATOR_LABELS = ("Moderate from another terminal: ", "Moderate: ")


@dataclass(frozen=True, slots=True)
class JoinHints:
    viewer: str
    """The command a viewer runs."""
    moderator: str | None = None
    """The command that joins as the broadcaster (the key in it), when it may be shown."""
    note: str | None = None
    """One more line, e.g. what quitting does."""


def _fit(labels: tuple[str, ...], command: str, width: int) -> list[Content]:
    label = next((lb for lb in labels if len(lb) + len(command) <= width), None)
    if label is None:  # the shortest label on its own line, then the command
        return [Content(labels[-1].rstrip()), content_from("[b $foreground]$cmd[/]", cmd=command)]
    return [content_from("$label[b $foreground]$cmd[/]", label=label, cmd=command)]


def _extra_flags(viewer: str, moderator: str | None) -> str | None:
    """What the moderator's command adds to the viewer's, when it only adds flags: two
    whole commands that differ by one flag take twice the rows at 80 columns."""
    if moderator and moderator.startswith(viewer + " "):
        return moderator[len(viewer) :].strip()
    return None


class JoinHint(Static):
    DEFAULT_CSS = """
    JoinHint {
        height: auto;
        padding: 0 1;
        background: $boost;
        color: $text-muted;
    }
    """

    def __init__(self, hints: JoinHints | str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hints = hints if isinstance(hints, JoinHints) else JoinHints(hints)

    @property
    def command(self) -> str:
        return self.hints.viewer

    def on_mount(self) -> None:
        self._show(self.content_size.width)

    def on_resize(self, event: events.Resize) -> None:
        # After this layout: an update during it would not change the height.
        self.call_after_refresh(self._show, self.content_size.width)

    def _show(self, width: int) -> None:
        room = width or 78
        hints = self.hints
        lines = _fit(_VIEWER_LABELS, hints.viewer, room)
        extra = _extra_flags(hints.viewer, hints.moderator)
        if extra is not None:  # the same command plus flags: say only what to add
            line = content_from("Moderate: add [b $foreground]$flags[/] to it", flags=extra)
            lines.append(line)
        elif hints.moderator:
            lines += _fit(_MODERATOR_LABELS, hints.moderator, room)
        if hints.note:
            lines.append(content_from("$note", note=hints.note))
        self.update(Content("\n").join(lines))
