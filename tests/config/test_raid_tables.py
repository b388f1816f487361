"""The `[alerts]` and `[moderation]` tables: defaults by role, presets and reasons read
and checked, and a misspelt key refused where it is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config.alert_settings import AlertKind, AlertSettings
from tui.config.presets import DEFAULT_TIMEOUT_PRESETS, ModerationPresets
from tui.config.settings import SettingsError, load_settings


def test_by_default_a_viewer_is_alerted_only_to_mentions(tmp_path: Path) -> None:
    alerts = load_settings(tmp_path / "absent.toml").alerts
    assert [k for k in AlertKind if alerts.wanted(k, moderator=False)] == [AlertKind.MENTION]
    assert all(alerts.wanted(k, moderator=True) for k in AlertKind)
    assert alerts.bell and alerts.desktop


def test_the_alerts_table_turns_kinds_off_and_never_on_for_a_viewer(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[alerts]\nmention = false\nheld = true\noffence = false\ndesktop = false\n")
    alerts = load_settings(path).alerts
    assert not alerts.wanted(AlertKind.MENTION, moderator=True)
    assert alerts.wanted(AlertKind.HELD, moderator=True)
    assert not alerts.wanted(AlertKind.HELD, moderator=False)  # a viewer never hears of it
    assert not alerts.wanted(AlertKind.OFFENCE, moderator=True)
    assert alerts.wanted(AlertKind.SHIELD, moderator=True)
    assert alerts.bell and not alerts.desktop


def test_presets_and_reasons_are_read_in_key_order(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[moderation]\ntimeout_presets = ["90s", "2h"]\nreasons = ["spam", " slurs "]\n'
    )
    presets = load_settings(path).moderation
    assert presets.timeouts() == ((90, "1 min 30 s"), (7200, "2 h"))
    assert presets.reasons == ("spam", "slurs")


def test_the_default_presets() -> None:
    presets = ModerationPresets()
    assert presets.timeout_presets == DEFAULT_TIMEOUT_PRESETS == ("30s", "10m", "1h", "1d")
    assert [s for s, _ in presets.timeouts()] == [30, 600, 3600, 86400]
    assert presets.reasons == ()


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('timeout_presets = ["30s", "soon"]', "timeout preset"),
        ('timeout_presets = ["30d"]', "14 days"),
        ("timeout_presets = []", "at least 1"),
        (f"timeout_presets = {[f'{n}m' for n in range(1, 11)]}", "at most 9"),
        (f"reasons = {[f'r{n}' for n in range(27)]}", "at most 26"),
        ('reasons = ["spam", "  "]', "a reason is empty"),
    ],
)
def test_bad_presets_are_one_clear_line(tmp_path: Path, table: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[moderation]\n{table}\n")
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert words in message and "\n" not in message


def test_a_misspelt_key_in_a_table_is_refused_where_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('name = "A"\n\n[alerts]\nmention = true\nbel = false\n')
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert message.startswith(f"{path}:5: unknown setting 'alerts.bel';")
    assert "[alerts] takes: mention, held, offence, shield, bell, desktop" in message


def test_alert_settings_refuse_unknown_keys() -> None:
    with pytest.raises(ValueError):
        AlertSettings.model_validate({"sound": True})
