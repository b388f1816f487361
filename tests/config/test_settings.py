"""TUI configuration: flags over IVS_CHAT_TUI_* environment over the TOML file; keys
remapped by binding id from the file; a broken file is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from tests.app_helpers import ALICE, T0, chat_message, until
from tests.terminal.test_list_keys import HostApp, in_the_list
from tui.app import ChatApp
from tui.config.settings import SettingsError, load_settings
from tui.screens.dialogs.admin_menu import AdminMenu
from tui.screens.dialogs.ban_confirm import BanConfirm
from tui.screens.user_card import UserCard
from tui.widgets.message_list import MessageList

TOML = """
server = "http://from-file:1"
name = "FileName"
broadcaster_key = "file-key"
scrollback = 500
timezone = "Europe/Paris"

[keymap]
"composer.focus_messages" = ["ctrl+l", "f7"]
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("SERVER", "NAME", "BROADCASTER_KEY", "SCROLLBACK", "TIMEZONE", "KEYMAP"):
        monkeypatch.delenv(f"IVS_CHAT_TUI_{var}", raising=False)
    path = tmp_path / "config.toml"
    path.write_text(TOML)
    return path


def test_flags_then_environment_then_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVS_CHAT_TUI_NAME", "EnvName")
    monkeypatch.setenv("IVS_CHAT_TUI_SCROLLBACK", "700")
    settings = load_settings(config, name="FlagName", server=None, scrollback=None)
    assert settings.name == "FlagName"  # flag beats env and file
    assert settings.scrollback == 700  # env beats file
    assert settings.server == "http://from-file:1"  # file, when nothing else says
    assert settings.broadcaster_key == "file-key"
    assert settings.keymap == {"composer.focus_messages": "ctrl+l,f7"}
    assert settings.tz is not None and settings.tz.key == "Europe/Paris"


def test_no_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IVS_CHAT_TUI_SCROLLBACK", raising=False)
    settings = load_settings(tmp_path / "absent.toml")
    assert settings.scrollback == 10_000
    assert settings.keymap == {}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("scrollback = 5", "configuration scrollback: Input should be greater than or equal"),
        ('timezone = "Mars/Olympus"', "unknown time zone 'Mars/Olympus'"),
        ("name = [", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert words in message and str(path) in message and "\n" not in message


def test_a_bad_value_names_where_it_came_from(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = tmp_path / "absent" / "config.toml"
    with pytest.raises(SettingsError) as caught:
        load_settings(absent, scrollback=5)
    message = str(caught.value)
    assert message.endswith("(flag --scrollback)") and "file" not in message
    monkeypatch.setenv("IVS_CHAT_TUI_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError) as caught:
        load_settings(absent)
    message = str(caught.value)
    assert "unknown time zone 'Mars/Olympus'" in message
    assert message.endswith("(environment IVS_CHAT_TUI_TIMEZONE)") and "file" not in message
    # The file holds a good zone; the environment's bad one wins, and is the one named.
    with pytest.raises(SettingsError) as caught:
        load_settings(config)
    assert str(caught.value).endswith("(environment IVS_CHAT_TUI_TIMEZONE)")


def test_an_unknown_setting_is_refused_where_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('name = "Alice"\n\nscroll_back = 500\n[keymap]\n"x" = "f2"\n[colour]\na = 1\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    # As written, underscore and all, with its line: a misspelling is found at once.
    assert message.startswith(f"{path}:3: unknown setting 'scroll_back' (and colour);")
    assert "scrollback" in message.removeprefix(f"{path}:3: unknown setting 'scroll_back'")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ('"ctrl+banana"', "'ctrl+banana' is not a key a terminal can send"),
        ('["ctrl+q", "banana"]', "'banana' is not a key a terminal can send"),
        ('"hyperr+q"', "no modifier is called 'hyperr'"),
        ('""', "an empty key name"),
    ],
)
def test_a_key_no_terminal_can_send_is_refused(tmp_path: Path, written: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[keymap]\n"app.quit" = {written}\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith("configuration keymap: 'app.quit' = ")
    assert message.endswith(f"{words} (file {path})")


def test_real_keys_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    keys = '["ctrl+q", "f10", "shift+tab", "question_mark", "é", "ctrl+full_stop"]'
    path.write_text(f'[keymap]\n"app.quit" = {keys}\n')
    assert load_settings(path).keymap["app.quit"].count(",") == 5


@pytest.mark.parametrize(
    ("binding_id", "words"),
    [
        ("chat.bann", "'chat.bann' is not a binding id (did you mean 'chat.ban'? "),
        ("moderation_log.hide_auto", "(did you mean 'moderation_log.hide_automatic'? "),
        ("nope", "'nope' is not a binding id (F1 and the README list them)"),
    ],
)
def test_a_binding_id_the_app_does_not_have_is_refused(
    tmp_path: Path, binding_id: str, words: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[keymap]\n"chat.delete" = "ctrl+d"\n"{binding_id}" = "f9"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith("configuration keymap: ")
    assert words in message
    assert message.endswith(f"(file {path})")


def test_every_binding_id_of_the_screens_may_be_remapped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    ids = ("chat.ban", "moderation_log.hide_automatic", "user_card.ban", "whip.copy_token")
    path.write_text("[keymap]\n" + "".join(f'"{i}" = "f9"\n' for i in ids))
    assert set(load_settings(path).keymap) == set(ids)


async def test_keymap_from_the_file_drives_the_app(config: Path) -> None:
    settings = load_settings(config)
    app = ChatApp(identity=ALICE, settings=settings, clock=lambda: T0)
    async with app.run_test() as pilot:
        await pilot.press("escape")
        assert isinstance(app.focused, Input)
        await pilot.press("f7")
        assert isinstance(app.focused, MessageList)
        for n in range(600):
            app.deliver(chat_message(n, ALICE, f"line {n}"))
        await pilot.pause()
        kept = app.chat.query_one(MessageList).messages
        assert len(kept) == 500 and kept[0].content == "line 100"


@pytest.mark.parametrize("binding_id", ["chat.delete", "admin_menu.delete"])
async def test_the_admin_menu_shows_and_answers_the_key_the_keymap_gives(
    tmp_path: Path, binding_id: str
) -> None:
    """Its Delete answers `chat.delete`'s key unless its own is remapped: the menu writes
    the new key beside the entry, the new key deletes from the menu, the old one no longer
    does."""
    path = tmp_path / "config.toml"
    path.write_text(f'[keymap]\n"{binding_id}" = "r"\n')
    app = HostApp(load_settings(path))
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, AdminMenu), "the menu")
        entries = app.screen.query_one(OptionList)
        delete = entries.get_option("delete")
        assert str(delete.prompt) == "r  Delete message"
        assert str(entries.get_option("ban").prompt) == "b  Ban…"  # not remapped: the default
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, AdminMenu) and app.calls == []
        await pilot.press("r")
        await until(lambda: app.calls == [("delete", "msg-0006")], "the delete")


@pytest.mark.parametrize("binding_id", ["chat.ban", "user_card.ban"])
async def test_the_user_card_shows_and_answers_the_key_the_keymap_gives(
    tmp_path: Path, binding_id: str
) -> None:
    """As the admin menu: the card's Ban answers `chat.ban`'s key unless its own is
    remapped, and its line of keys says the key in force."""
    path = tmp_path / "config.toml"
    path.write_text(f'[keymap]\n"{binding_id}" = "z"\n')
    app = HostApp(load_settings(path))
    async with app.run_test() as pilot:
        await in_the_list(app, pilot)
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, UserCard), "the card")
        keys = str(app.screen.query_one("#keys", Static).render())
        assert "z ban" in keys and "t time out" in keys and "b ban" not in keys
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, UserCard)
        await pilot.press("z")
        await until(lambda: isinstance(app.screen, BanConfirm), "the ban's confirmation")


async def test_theme_from_settings_and_an_unknown_one_is_a_warning() -> None:
    from tui.config.settings import TuiSettings

    app = ChatApp(identity=ALICE, settings=TuiSettings.model_construct(theme="nord"))
    async with app.run_test():
        assert app.theme == "nord"
    app = ChatApp(identity=ALICE, settings=TuiSettings.model_construct(theme="no-such"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert [n.message for n in app._notifications] == [
            "Unknown theme 'no-such'; try one from ctrl+p → Theme."
        ]
