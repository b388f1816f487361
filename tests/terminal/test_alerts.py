"""Alerts: the bell and a desktop notification as the settings and the terminal say, at
most one every five seconds (an injected clock), and never a raw control character in
a notification's words."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tests.app_helpers import HOSTILE
from tui.config.alert_settings import AlertKind, AlertSettings
from tui.terminal.alerts import (
    BEL,
    MAX_WORDS,
    MIN_GAP_S,
    Alerts,
    Notice,
    alert_sequence,
    notice_for,
    notice_words,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def alerts(settings: AlertSettings | None = None, **kwargs: object) -> tuple[Alerts, list[str]]:
    written: list[str] = []
    made = Alerts(settings or AlertSettings(), write=written.append, **kwargs)  # type: ignore[arg-type]
    return made, written


def test_a_mention_rings_the_bell() -> None:
    given_, written = alerts(moderator=False)
    assert given_.alert(AlertKind.MENTION, "Bob: hi Alice")
    assert written == [BEL]


def test_at_most_one_alert_every_five_seconds() -> None:
    clock = Clock()
    given_, written = alerts(moderator=True, clock=clock)
    assert given_.alert(AlertKind.HELD, "held 1")
    clock.now += MIN_GAP_S - 0.1
    assert not given_.alert(AlertKind.MENTION, "Bob: Alice?")
    clock.now += 0.1
    assert given_.alert(AlertKind.SHIELD, "shield on")
    assert written == [BEL, BEL]
    assert [kind for kind, _ in given_.given] == [AlertKind.HELD, AlertKind.SHIELD]


def test_an_unwanted_kind_neither_alerts_nor_starts_the_wait() -> None:
    given_, written = alerts(moderator=False)
    assert not given_.alert(AlertKind.HELD, "held 1")  # a viewer's default: mentions only
    assert given_.alert(AlertKind.MENTION, "Bob: Alice?")
    assert written == [BEL]


def test_bell_off_and_desktop_on_writes_only_the_notification() -> None:
    settings = AlertSettings(bell=False)
    given_, written = alerts(settings, moderator=False, notice=Notice.OSC9)
    given_.alert(AlertKind.MENTION, "Bob: hi")
    assert written == ["\x1b]9;ivs-chat-tui: Bob: hi\x1b\\"]


def test_desktop_off_is_the_bell_alone() -> None:
    given_, written = alerts(AlertSettings(desktop=False), moderator=False, notice=Notice.OSC777)
    given_.alert(AlertKind.MENTION, "Bob: hi")
    assert written == [BEL]


def test_both_off_alerts_nothing() -> None:
    given_, written = alerts(AlertSettings(bell=False, desktop=False), moderator=False)
    assert not given_.alert(AlertKind.MENTION, "Bob: hi")
    assert written == []


def test_osc_777_notify() -> None:
    assert alert_sequence("held 2", bell=True, notice=Notice.OSC777) == (
        "\x07\x1b]777;notify;ivs-chat-tui;held 2\x1b\\"
    )


def test_the_terminal_is_read_from_the_environment() -> None:
    assert notice_for({"TERM": "xterm-kitty"}) is Notice.OSC9
    assert notice_for({"TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"}) is Notice.OSC9
    assert notice_for({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}) is Notice.OSC9
    assert notice_for({"TERM": "foot"}) is Notice.OSC777
    assert notice_for({"TERM": "xterm-256color", "VTE_VERSION": "7600"}) is Notice.OSC777
    assert notice_for({"TERM": "xterm-256color"}) is Notice.NONE
    # tmux and screen drop an OSC they do not know: the bell alone
    assert notice_for({"TERM": "tmux-256color", "TERM_PROGRAM": "iTerm.app"}) is Notice.NONE
    assert notice_for({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-1/default,1,0"}) is Notice.NONE


# Everything between the OSC's start and its terminator: no control, so nothing in the
# words can end the sequence early or start another.
_OSC = re.compile(r"\x1b\](.*?)\x1b\\\Z", re.S)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _payload(sequence: str) -> str:
    match = _OSC.search(sequence)
    assert match is not None, repr(sequence)
    return match.group(1)


def test_hostile_words_reach_the_terminal_as_text() -> None:
    for notice in (Notice.OSC9, Notice.OSC777):
        sequence = alert_sequence(f"Eve: {HOSTILE}", bell=True, notice=notice)
        assert sequence.count("\x1b") == 2  # the OSC's own start and end, nothing else
        assert sequence.count(BEL) == 1
        assert not _CONTROL.search(_payload(sequence))
        assert "\u202e" not in sequence


@given(st.text())
def test_no_words_carry_a_raw_control(text: str) -> None:
    words = notice_words(text)
    assert not _CONTROL.search(words)
    assert "\n" not in words and len(words) <= MAX_WORDS
    assert not _CONTROL.search(_payload(alert_sequence(text, bell=False, notice=Notice.OSC9)))
