"""The app server's settings: flags > `IVS_CHAT_TUI_*` environment > TOML file > defaults.

The CLI passes only the flags the user gave as init kwargs, so an unset flag never hides
an environment variable or a file value. The TOML file is `server.toml` in the user config
dir (its own file: the TUI's `config.toml` has other keys), or `--config PATH`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_dir, user_data_dir
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from tui.common.app_identity import APP_NAME, ENV_PREFIX, SERVER_CONFIG_FILE_NAME
from tui.common.validation import validation_words
from tui.config.sources import FlagsEnvTomlSettings, settings_from
from tui.ivs.protocol import (
    DEFAULT_SESSION_MINUTES,
    MAX_MESSAGE_LENGTH,
    MAX_MESSAGE_RATE_PER_SECOND,
    MAX_PARTICIPANT_TOKEN_MINUTES,
    MAX_SESSION_MINUTES,
    MIN_PARTICIPANT_TOKEN_MINUTES,
    MIN_SESSION_MINUTES,
)
from tui.server.defaults import DEFAULT_PORT

BROADCASTER_KEY_MIN = 8
"""Whoever knows the key moderates the chat and invites people on stage: a short one is
guessed by trying."""
CONFIG_FILE_NAME = SERVER_CONFIG_FILE_NAME
INVITE_MINUTES = 10
"""A participant token is made with its invite and lives as long: long enough to read the
invite, press Join and allow the camera, short enough that a token which leaks, or whose
revoke IVS did not take, soon stops working. IVS's own default is 720 minutes."""
HOST_MINUTES = 180
"""The broadcaster's own stage link and participant token (`POST /api/multihost/host`)
last this long: a show's length. Going on stage again replaces them."""
DEFAULT_ROOM_NAME = "ivs-chat-tui"
DEFAULT_STAGE_NAME = "ivs-chat-tui"


def default_config_file() -> Path:
    return Path(user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME))


class ServerSettings(FlagsEnvTomlSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    mode: Literal["local", "aws"] | None = None
    """None: local, unless AWS resources (room/stage ARN or `create`) are configured."""
    host: str = "127.0.0.1"
    port: int = Field(DEFAULT_PORT, ge=0, le=65535)
    public_url: str | None = None
    """Base URL put in stage links; default http://HOST:PORT."""
    broadcaster_key: str | None = None
    broadcaster_name: str | None = None
    """The broadcaster's display name, reserved from the start: no viewer may take it
    (nor a look-alike), even before the broadcaster's first chat token."""
    data_dir: Path | None = None
    database_url: str | None = None
    """postgresql://...: keep identities, invites, moderation and history in this
    Postgres database, which several instances may share; None: SQLite in the data dir."""
    room_arn: str | None = None
    stage_arn: str | None = None
    create: bool = False
    delete: bool = False
    """`serve --aws --delete`: delete what `--create` made (kept in the data dir), or
    the tagged `room_arn` / `stage_arn`, and exit."""
    endpoint_url: str | None = None
    sdk_stage_page: bool = False
    """With `--endpoint-url`: serve the AWS stage page (the IVS Web Broadcast SDK) rather
    than the local stack's stand-in, e.g. to test that page against a stand-in SDK, or
    behind an endpoint that fronts real IVS media. (Without `--endpoint-url`, on AWS, the
    SDK page is what is served anyway.)"""
    tls_cert: Path | None = None
    """PEM certificate (chain) to serve HTTPS with; needs `tls_key`."""
    tls_key: Path | None = None
    region: str | None = None
    profile: str | None = None
    session_minutes: int = Field(
        DEFAULT_SESSION_MINUTES, ge=MIN_SESSION_MINUTES, le=MAX_SESSION_MINUTES
    )
    invite_minutes: int = Field(
        INVITE_MINUTES, ge=MIN_PARTICIPANT_TOKEN_MINUTES, le=MAX_PARTICIPANT_TOKEN_MINUTES
    )
    """How long an invite, and so its participant token, stays valid."""
    host_minutes: int = Field(
        HOST_MINUTES, ge=MIN_PARTICIPANT_TOKEN_MINUTES, le=MAX_PARTICIPANT_TOKEN_MINUTES
    )
    """How long the broadcaster's own stage link and participant token stay valid."""
    link_seconds: int = Field(300, ge=10, le=3600)
    """How long a stage link's one-time code stays valid."""
    # Per client address (see the README's Security section for what that does not stop).
    token_rate_per_minute: float = Field(60.0, gt=0)
    """Chat token requests an address may make a minute, after `token_burst` at once."""
    token_burst: int = Field(30, ge=1)
    wrong_keys_per_minute: float = Field(2.0, gt=0)
    """Wrong broadcaster or session keys an address may send a minute, after
    `wrong_key_burst`; past them its keyed requests get 429."""
    wrong_key_burst: int = Field(5, ge=1)
    header_seconds: float = Field(10.0, gt=0, le=300)
    """A connection must send a request's headers within this long, or it is closed."""
    body_seconds: float = Field(10.0, gt=0, le=300)
    """A request body must arrive within this long, or the answer is 408."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses or CIDR ranges of the reverse proxies in front of this server: a request
    from one of them is counted, limited and banned by the client address its
    `Forwarded` or `X-Forwarded-For` header gives (tui/server/web/client_address.py). Without
    any, those headers are ignored."""

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        from tui.server.web.client_address import parse_networks

        parse_networks(value)  # ValueError in words for a bad one
        return value

    slow_connections_per_address: int = Field(32, ge=1)
    """Connections one address may have waiting for their headers at once."""
    history_max_messages: int = Field(10_000, ge=1, le=10_000_000)
    """The room's history keeps at most this many messages (the oldest go first)."""
    history_max_age_hours: float = Field(24.0, gt=0, le=24 * 365)
    """... and none older than this."""
    max_message_rate: int | None = Field(None, ge=1, le=MAX_MESSAGE_RATE_PER_SECOND)
    """The room's `maximumMessageRatePerSecond` (for the whole room): set on a room the
    server creates, and with UpdateRoom on a given one; None leaves the room's (IVS's
    default is 10)."""
    max_message_length: int | None = Field(None, ge=1, le=MAX_MESSAGE_LENGTH)
    """The room's `maximumMessageLength` in code points, set as `max_message_rate` is;
    None leaves the room's (IVS's default is 500)."""
    review_handler_arn: str | None = None
    """--aws: the Lambda set as the room's message review handler (the forwarder to
    `POST /api/review`), on a room `--create` makes and with UpdateRoom on a given one."""
    review_fallback: Literal["allow", "deny"] = "allow"
    """What IVS does when the review handler fails or is late: `allow` keeps chat up
    while the app server is down; `deny` holds the line, and nobody can send then."""
    review_secret: str | None = Field(None, min_length=16)
    """What callers of `POST /api/review` sign with; None: generated and kept as the
    broadcaster key is (`review.secret` in the data dir, or the shared database). Set
    it with `IVS_CHAT_TUI_REVIEW_SECRET`, the variable the local stack reads too."""
    blocked_terms: list[str] | None = None
    """When given, the room's blocked terms from this start on (they replace the saved
    list, checked as `PUT /api/moderation/settings` checks them); otherwise the saved
    list, which the broadcaster edits in the TUI."""

    @field_validator("public_url", "endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("review_handler_arn")
    @classmethod
    def _lambda_arn(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("arn:") and ":lambda:" in value):
            raise ValueError(
                f"{value!r} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:"
                "function:NAME): create the forwarder with `review-handler package` first"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "must be a PostgreSQL URL, postgresql://USER:PASSWORD@HOST:PORT/DATABASE "
                "(leave it out for SQLite in the data dir)"
            )
        from tui.server.db.url import url_problem

        if problem := url_problem(value):  # in words that never quote the password
            raise ValueError(f"cannot be read: {problem}")
        return value

    @field_validator("broadcaster_name")
    @classmethod
    def _a_display_name(cls, value: str | None) -> str | None:
        from tui.server.names import validate_display_name

        return None if value is None else validate_display_name(value)

    @field_validator("broadcaster_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) < BROADCASTER_KEY_MIN:
            raise ValueError(
                f"at least {BROADCASTER_KEY_MIN} characters: whoever guesses the key can "
                "moderate the chat and invite people on stage (leave it out for a generated one)"
            )
        return value

    @model_validator(mode="after")
    def _tls_needs_both(self) -> ServerSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together: give both, or neither")
        return self

    @model_validator(mode="after")
    def _aws_needs_resources(self) -> ServerSettings:
        if self.delete:
            if self.create:
                raise ValueError("--create and --delete contradict each other: give one")
            if self.effective_mode == "local":
                raise ValueError(
                    "--delete is for --aws: the local stack keeps nothing after it stops"
                )
            return self
        if self.effective_mode == "aws" and not (self.create or (self.room_arn and self.stage_arn)):
            raise ValueError("--aws needs --room-arn and --stage-arn, or --create")
        return self

    @property
    def effective_mode(self) -> Literal["local", "aws"]:
        if self.mode is not None:
            return self.mode
        aws = self.room_arn or self.stage_arn or self.create or self.delete
        return "aws" if aws else "local"

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else default_data_dir()


def load_settings(config_file: Path | None = None, **flags: Any) -> ServerSettings:
    """Settings from the given flags (None values are dropped: not given), the
    environment, and the TOML file (`config_file`, else the default path if it exists).
    Raises pydantic's ValidationError; `describe_settings_error` words it."""
    path = config_file if config_file is not None else default_config_file()
    if config_file is not None and not config_file.is_file():
        raise FileNotFoundError(f"config file {config_file} does not exist")
    return settings_from(ServerSettings, path, flags)


AWS_ONLY = ("room_arn", "stage_arn", "create", "delete", "endpoint_url", "review_handler_arn")
"""Settings local mode has no use for: it creates its own room and stage locally."""


def aws_only_flags_in_local_mode(settings: ServerSettings, flags: dict[str, Any]) -> str | None:
    """Why the command line contradicts itself (e.g. `--local --room-arn x`), or None.
    Only flags count: `--local` may override AWS settings from the environment or file."""
    given = [f"--{name.replace('_', '-')}" for name in AWS_ONLY if flags.get(name)]
    if settings.effective_mode != "local" or not given:
        return None
    names = " and ".join([", ".join(given[:-1]), given[-1]] if given[:-1] else given)
    verb = "is" if len(given) == 1 else "are"
    return (
        f"{names} {verb} for --aws: --local creates its own room and stage on the local IVS stack"
    )


def describe_settings_error(exc: Exception) -> str:
    """One line for a settings failure (pydantic's ValidationError, a bad TOML file)."""
    if isinstance(exc, ValidationError):
        words = validation_words(exc, whole="", field_name=lambda part: part.replace("_", "-"))
        return f"invalid settings: {words}"
    return f"invalid settings: {exc}"


WHIP_GLOBAL = "https://global.whip.live-video.net"
"""The WHIP server OBS uses for IVS real-time stages."""


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    room_arn: str
    stage_arn: str
    stage_name: str
    chat_url: str
    public_url: str
    """Base of stage links, e.g. http://127.0.0.1:8750."""
    broadcaster_key: str
    whip_url: str = WHIP_GLOBAL
    session_minutes: int = 60
    invite_minutes: int = INVITE_MINUTES
    link_seconds: int = 300
    local_stage: bool = False
    """No media server: the stage page shows the local stand-in instead of the web SDK."""
    room_name: str = ""
    """The IVS room's name, read once at start-up; "" when the room has none."""
    host_minutes: int = HOST_MINUTES
    """How long the broadcaster's own stage link and participant token last."""
    broadcaster_name: str | None = None
    """Reserved for the broadcaster from the start (`--broadcaster-name`): no viewer may
    take it, or anything that looks like it, even before the broadcaster joins."""
