"""What `join` defers until the live chat is painted (tui/app.py `when_live`)."""

from __future__ import annotations

from tui.app import ChatApp
from tui.ivs.events import ConnectionState, StateChanged


async def test_when_live_runs_once_after_the_room_is_first_shown_connected() -> None:
    calls: list[ConnectionState] = []  # what the status line said when it ran
    app = ChatApp(when_live=lambda: calls.append(app.chat.status.state))
    async with app.run_test(size=(80, 24)) as pilot:
        app.deliver(StateChanged(ConnectionState.CONNECTING, reason="asking the app server"))
        await pilot.pause()
        assert calls == []
        app.deliver(StateChanged(ConnectionState.CONNECTED))
        await pilot.pause()
        assert calls == [ConnectionState.CONNECTED]
        app.deliver(StateChanged(ConnectionState.RECONNECTING, reason="renewing"))
        app.deliver(StateChanged(ConnectionState.CONNECTED))
        await pilot.pause()
        assert calls == [ConnectionState.CONNECTED]
