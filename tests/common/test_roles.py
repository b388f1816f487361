"""tui.common.roles: one spelling of each role."""

from __future__ import annotations

import json

from tui.common.roles import Role


def test_roles_are_their_text_in_json_and_comparisons() -> None:
    assert [str(role) for role in Role] == ["broadcaster", "moderator", "viewer"]
    assert Role.VIEWER == "viewer"
    assert json.dumps({"role": Role.BROADCASTER}) == '{"role": "broadcaster"}'
    assert Role("moderator") is Role.MODERATOR
