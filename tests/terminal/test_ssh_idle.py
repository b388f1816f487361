"""Over SSH an idle chat screen repaints nothing: the composer's cursor does not blink."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.app import App, ComposeResult

from tui.app import ChatApp
from tui.widgets.composer import ComposerInput
from tui.widgets.line_input import LineInput


@pytest.mark.parametrize(
    ("environ", "blinks"),
    [
        ({"SSH_CONNECTION": "10.0.0.2 50022 10.0.0.1 22"}, False),
        ({"SSH_TTY": "/dev/pts/3"}, False),
        ({}, True),
    ],
    ids=["ssh-connection", "ssh-tty", "local"],
)
async def test_the_composer_cursor_is_solid_over_ssh(
    make_app: Callable[..., ChatApp],
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    blinks: bool,
) -> None:
    for name in ("SSH_CONNECTION", "SSH_TTY", "IVS_CHAT_TUI_CURSOR_BLINK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        field = app.screen.query_one(ComposerInput)
        field.focus()
        await pilot.pause()
        assert field.has_focus
        assert field.cursor_blink is blinks
        # The cursor is drawn, and with no blink nothing will redraw it.
        assert field._cursor_visible


async def test_a_dialog_field_is_solid_over_ssh_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dialog's reason box blinking would repaint its line twice a second, ahead of
    the rest of the dialog on a slow link."""
    monkeypatch.delenv("IVS_CHAT_TUI_CURSOR_BLINK", raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50022 10.0.0.1 22")

    class Dialog(App[None]):
        def compose(self) -> ComposeResult:
            yield LineInput(placeholder="optional; they are told it")

    async with Dialog().run_test() as pilot:
        field = pilot.app.query_one(LineInput)
        assert field.has_focus and field.cursor_blink is False
