"""Configuration: flags > IVS_CHAT_TUI_* environment > TOML file > defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from pydantic import ValidationError

from tui.server import cli
from tui.server.settings import DEFAULT_PORT, describe_settings_error, load_settings


def _flags(*argv: str) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(argv)
    return {name: getattr(args, name) for name in cli._FLAGS}


def test_flags_beat_environment_beat_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "server.toml"
    config.write_text('port = 9001\nhost = "127.0.0.2"\nregion = "eu-west-1"\ninvite_minutes = 5\n')
    monkeypatch.setenv("IVS_CHAT_TUI_PORT", "9002")
    monkeypatch.setenv("IVS_CHAT_TUI_HOST", "127.0.0.3")
    settings = load_settings(config, **_flags("--port", "9003"))
    assert settings.port == 9003  # flag over environment and file
    assert settings.host == "127.0.0.3"  # environment over file
    assert settings.region == "eu-west-1"  # file over default
    assert settings.invite_minutes == 5
    assert settings.session_minutes == 60  # default


def test_defaults_and_local_mode_when_no_aws_configuration() -> None:
    settings = load_settings(None, **_flags())
    assert settings.port == DEFAULT_PORT == 8750
    assert settings.effective_mode == "local"


def test_aws_resources_imply_aws_mode_and_need_both_arns() -> None:
    with pytest.raises(ValidationError) as exc:
        load_settings(None, **_flags("--room-arn", "arn:aws:ivschat:us-east-1:1:room/x"))
    assert describe_settings_error(exc.value) == (
        "invalid settings: --aws needs --room-arn and --stage-arn, or --create"
    )
    assert load_settings(None, **_flags("--create")).effective_mode == "aws"


def test_environment_selects_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVS_CHAT_TUI_MODE", "aws")
    monkeypatch.setenv("IVS_CHAT_TUI_CREATE", "true")
    assert load_settings(None).effective_mode == "aws"
    # ...and a flag still wins.
    assert load_settings(None, **_flags("--local")).effective_mode == "local"


def test_bad_values_are_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text("prot = 1\n")
    with pytest.raises(ValidationError) as typo:
        load_settings(config)
    assert "prot: Extra inputs are not permitted" in describe_settings_error(typo.value)
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "nope.toml")


def test_cli_reports_bad_settings_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "server.toml"
    config.write_text("port = [\n")
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args(["--config", str(config)])) == 2
    err = capsys.readouterr().err
    assert err.startswith("ivs-chat-tui serve: invalid settings:")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_urls_must_be_http() -> None:
    with pytest.raises(ValidationError) as exc:
        load_settings(None, **_flags("--public-url", "example.com"))
    assert describe_settings_error(exc.value) == (
        "invalid settings: public-url: 'example.com' must start with http:// or https://"
    )
    settings = load_settings(None, **_flags("--endpoint-url", "http://127.0.0.1:8089/"))
    assert settings.endpoint_url == "http://127.0.0.1:8089"


def test_local_refuses_aws_flags(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args(["--local", "--room-arn", "x"])) == 2
    assert capsys.readouterr().err == (
        "ivs-chat-tui serve: --room-arn is for --aws: --local creates its own room and stage "
        "on the local IVS stack\n"
    )
    assert cli.run(parser.parse_args(["--local", "--stage-arn", "y", "--create"])) == 2
    assert "--stage-arn and --create are for --aws" in capsys.readouterr().err


def test_a_short_broadcaster_key_is_refused_and_why() -> None:
    with pytest.raises(ValidationError) as short:
        load_settings(None, **_flags("--broadcaster-key", "x"))
    assert describe_settings_error(short.value) == (
        "invalid settings: broadcaster-key: at least 8 characters: whoever guesses the key "
        "can moderate the chat and invite people on stage (leave it out for a generated one)"
    )
    assert load_settings(None, **_flags("--broadcaster-key", "8 chars!")).broadcaster_key


def test_room_limits_and_the_review_handler(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text("max_message_rate = 20\nmax_message_length = 200\n")
    settings = load_settings(config, **_flags("--max-message-length", "140"))
    assert (settings.max_message_rate, settings.max_message_length) == (20, 140)
    assert settings.review_fallback == "allow"  # IVS's default
    arn = "arn:aws:lambda:us-east-1:123456789012:function:review"
    given = load_settings(
        None,
        **_flags("--aws", "--create", "--review-handler-arn", arn, "--review-fallback", "deny"),
    )
    assert (given.review_handler_arn, given.review_fallback) == (arn, "deny")
    for flags, words in (
        (
            ("--max-message-rate", "0"),
            "max-message-rate: Input should be greater than or equal to 1",
        ),
        (
            ("--max-message-rate", "101"),
            "max-message-rate: Input should be less than or equal to 100",
        ),
        (("--max-message-length", "501"), "less than or equal to 500"),
        (("--aws", "--create", "--review-handler-arn", "my-lambda"), "not a Lambda function ARN"),
    ):
        with pytest.raises(ValidationError) as exc:
            load_settings(None, **_flags(*flags))
        assert words in describe_settings_error(exc.value)
    with pytest.raises(SystemExit):  # argparse: allow or deny only
        _flags("--review-fallback", "maybe")
