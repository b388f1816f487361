"""The ivs-realtime control plane: stages, participant tokens and participants.

No media server runs locally, so nobody can really join a stage. Two local-only routes
stand in for joining and leaving, so that ListParticipants shows who is on the stage:

- `POST /_local/stage/join` with `Authorization: Bearer <participant token>` marks that
  participant CONNECTED in the stage's active session (starting one if none is active)
  and answers `{"stageArn", "sessionId", "participantId", "state"}`.
- `POST /_local/stage/leave` with the same header marks it DISCONNECTED; the session
  ends when nobody is left.

DisconnectParticipant marks the participant DISCONNECTED and revokes it for good, as IVS
does, whatever its state: even a participant that never joined can no longer join, and
the join route refuses its token with 403. The stage's endpoints point at `/_local/...`
URLs of this emulator, which answer 501 and say that no media server runs here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tui.emulator.aws.error_shapes import not_found
from tui.emulator.config import EmulatorConfig
from tui.emulator.lookups import list_page, lookup
from tui.emulator.state import (
    EmulatorState,
    ParticipantGrant,
    ParticipantRecord,
    Stage,
    new_session_id,
)
from tui.ivs.protocol import (
    DEFAULT_PARTICIPANT_TOKEN_MINUTES,
    StageCapability,
    messaging_url,
    new_id,
)

Params = dict[str, Any]
DEFAULT_LIST_STAGES = 50
DEFAULT_LIST_PARTICIPANTS = 50
DEFAULT_CAPABILITIES = [StageCapability.PUBLISH.value, StageCapability.SUBSCRIBE.value]


@dataclass
class RequestContext:
    """What an operation may need to know about the request it answers."""

    base_url: str


class StageApi:
    def __init__(self, config: EmulatorConfig, state: EmulatorState) -> None:
        self.config = config
        self.state = state
        self._secret = secrets.token_bytes(32)

    def operations(self) -> dict[str, Callable[[Params, RequestContext], Params | None]]:
        return {
            "CreateStage": self.create_stage,
            "GetStage": self.get_stage,
            "UpdateStage": self.update_stage,
            "ListStages": self.list_stages,
            "DeleteStage": self.delete_stage,
            "CreateParticipantToken": self.create_participant_token,
            "ListParticipants": self.list_participants,
            "GetParticipant": self.get_participant,
            "DisconnectParticipant": self.disconnect_participant,
        }

    def stage(self, arn: str) -> Stage:
        return lookup(self.state.stages, arn, self.config.account_id, "STAGE", "Stage")

    def endpoints(self, base_url: str) -> dict[str, str]:
        base = (self.config.public_url or base_url).rstrip("/")
        host = base.split("://", 1)[-1]
        return {
            "events": f"{messaging_url(base)}_local/events",
            "whip": f"{base}/_local/whip",
            "rtmp": f"rtmp://{host}/_local/rtmp/",
            "rtmps": f"rtmps://{host}/_local/rtmps/",
        }

    # --- stages -----------------------------------------------------------------------

    def create_stage(self, params: Params, ctx: RequestContext) -> Params:
        stage_id = new_id()
        stage = Stage(
            arn=f"arn:aws:ivs:{self.config.region}:{self.config.account_id}:stage/{stage_id}",
            id=stage_id,
            name=params.get("name") or "",
            tags=dict(params.get("tags") or {}),
        )
        self.state.stages[stage.arn] = stage
        tokens = [
            self._issue(stage, conf) for conf in params.get("participantTokenConfigurations") or []
        ]
        return {
            "stage": stage.describe(self.endpoints(ctx.base_url)),
            "participantTokens": [t.describe() for t in tokens],
        }

    def get_stage(self, params: Params, ctx: RequestContext) -> Params:
        return {"stage": self.stage(params["arn"]).describe(self.endpoints(ctx.base_url))}

    def update_stage(self, params: Params, ctx: RequestContext) -> Params:
        stage = self.stage(params["arn"])
        if "name" in params:
            stage.name = params["name"]
        return {"stage": stage.describe(self.endpoints(ctx.base_url))}

    def list_stages(self, params: Params, ctx: RequestContext) -> Params:
        stages = list(self.state.stages.values())
        return list_page("stages", stages, params, DEFAULT_LIST_STAGES, Stage.summary)

    def delete_stage(self, params: Params, ctx: RequestContext) -> Params:
        stage = self.stage(params["arn"])
        del self.state.stages[stage.arn]
        for token in [
            t for t, g in self.state.participant_tokens.items() if g.stage_arn == stage.arn
        ]:
            del self.state.participant_tokens[token]
        return {}

    # --- participants -----------------------------------------------------------------

    def create_participant_token(self, params: Params, ctx: RequestContext) -> Params:
        stage = self.stage(params["stageArn"])
        return {"participantToken": self._issue(stage, params).describe()}

    def list_participants(self, params: Params, ctx: RequestContext) -> Params:
        # The model lists no ResourceNotFoundException here: unknown stage or session
        # simply has no participants.
        stage = self.state.stages.get(params["stageArn"])
        session = stage.sessions.get(params["sessionId"], {}) if stage else {}
        people = sorted(session.values(), key=lambda p: p.first_join_time)
        if "filterByUserId" in params:
            people = [p for p in people if p.user_id == params["filterByUserId"]]
        if "filterByPublished" in params:
            people = [p for p in people if p.published == params["filterByPublished"]]
        if "filterByState" in params:
            people = [p for p in people if p.state == params["filterByState"]]
        return list_page(
            "participants", people, params, DEFAULT_LIST_PARTICIPANTS, ParticipantRecord.summary
        )

    def get_participant(self, params: Params, ctx: RequestContext) -> Params:
        stage = self.stage(params["stageArn"])
        participant = stage.sessions.get(params["sessionId"], {}).get(params["participantId"])
        if participant is None:
            raise not_found(params["participantId"], "PARTICIPANT", "Participant")
        return {"participant": participant.describe()}

    def disconnect_participant(self, params: Params, ctx: RequestContext) -> Params:
        stage = self.stage(params["stageArn"])
        participant_id = params["participantId"]
        grants = [
            g
            for g in self.state.participant_tokens.values()
            if g.stage_arn == stage.arn and g.participant_id == participant_id
        ]
        if not grants:
            raise not_found(participant_id, "PARTICIPANT", "Participant")
        # Revoked by id, whatever its state (connected, left, or never joined): no token
        # of this participant joins again, even one `restore` brings back.
        self.state.revoked_participants.add(participant_id)
        for grant in grants:
            grant.revoked = True
        self._leave(stage, participant_id)
        return {}

    def _issue(self, stage: Stage, conf: Params) -> ParticipantGrant:
        participant_id = new_id()
        duration = conf.get("duration", DEFAULT_PARTICIPANT_TOKEN_MINUTES)
        capabilities = list(conf.get("capabilities", DEFAULT_CAPABILITIES))
        now = time.time()
        grant = ParticipantGrant(
            token="",
            participant_id=participant_id,
            stage_arn=stage.arn,
            user_id=conf.get("userId", ""),
            attributes=dict(conf.get("attributes") or {}),
            capabilities=capabilities,
            duration=duration,
            expiration_time=now + duration * 60,
        )
        grant.token = self._jwt(
            {
                "iat": int(now),
                "exp": int(grant.expiration_time),
                "jti": participant_id,
                "resource": stage.arn,
                "topic": stage.id,
                "user_id": grant.user_id,
                "attributes": grant.attributes,
                "capabilities": {
                    "allow_publish": StageCapability.PUBLISH.value in capabilities,
                    "allow_subscribe": StageCapability.SUBSCRIBE.value in capabilities,
                },
                "version": "1.0",
            }
        )
        self.state.participant_tokens[grant.token] = grant
        return grant

    def _jwt(self, claims: Params) -> str:
        """A JWT-shaped token: base64url header.payload.signature (HMAC-SHA384)."""
        header = _b64(json.dumps({"alg": "HS384", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = _b64(hmac.new(self._secret, signing_input, hashlib.sha384).digest())
        return f"{header}.{payload}.{signature}"

    # --- a restart of the app server's local stack -----------------------------------

    def restore(self, arn: str, name: str, tokens: Iterable[str] = ()) -> bool:
        """Recreate a stage an earlier run created, under the same ARN, and honour the
        participant tokens it issued, so invites outlive a restart of `serve --local`.
        Only for the in-process app server that kept them: a token's own claims say
        whom it is for. False (nothing done) if the ARN is not of this region and
        account; tokens that cannot be read are skipped."""
        prefix = f"arn:aws:ivs:{self.config.region}:{self.config.account_id}:stage/"
        stage_id = arn.removeprefix(prefix)
        if not arn.startswith(prefix) or not stage_id:
            return False
        stage = self.state.stages.get(arn)
        if stage is None:
            stage = self.state.stages[arn] = Stage(arn=arn, id=stage_id, name=name)
        for token in tokens:
            claims = _claims(token)
            if claims is None or claims.get("resource") != arn:
                continue
            caps = claims.get("capabilities") or {}
            issued, expires = float(claims.get("iat", 0)), float(claims.get("exp", 0))
            self.state.participant_tokens[token] = ParticipantGrant(
                token=token,
                participant_id=str(claims.get("jti", "")),
                stage_arn=arn,
                user_id=str(claims.get("user_id", "")),
                attributes={str(k): str(v) for k, v in (claims.get("attributes") or {}).items()},
                capabilities=[
                    cap.value
                    for cap, key in (
                        (StageCapability.PUBLISH, "allow_publish"),
                        (StageCapability.SUBSCRIBE, "allow_subscribe"),
                    )
                    if caps.get(key)
                ],
                duration=max(int((expires - issued) // 60), 1),
                expiration_time=expires,
            )
        return True

    # --- the local join/leave stand-ins -----------------------------------------------

    def _bearer_grant(self, request: web.Request) -> ParticipantGrant:
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not token:
            raise web.HTTPUnauthorized(text="Send the participant token as a Bearer token.\n")
        grant = self.state.participant_tokens.get(token)
        if grant is None:
            raise web.HTTPUnauthorized(text="Unknown participant token.\n")
        if grant.revoked or grant.participant_id in self.state.revoked_participants:
            raise web.HTTPForbidden(text="This participant was disconnected from the stage.\n")
        if time.time() > grant.expiration_time:
            raise web.HTTPUnauthorized(text="This participant token has expired.\n")
        if grant.stage_arn not in self.state.stages:
            raise web.HTTPNotFound(text="The stage of this participant token no longer exists.\n")
        return grant

    def join(self, request: web.Request) -> Params:
        grant = self._bearer_grant(request)
        stage = self.state.stages[grant.stage_arn]
        if stage.active_session_id is None:
            stage.active_session_id = new_session_id()
            stage.sessions[stage.active_session_id] = {}
        session = stage.sessions[stage.active_session_id]
        participant = session.get(grant.participant_id)
        if participant is None:
            participant = ParticipantRecord(
                participant_id=grant.participant_id,
                user_id=grant.user_id,
                attributes=dict(grant.attributes),
                first_join_time=time.time(),
                published=StageCapability.PUBLISH.value in grant.capabilities,
            )
            session[grant.participant_id] = participant
        participant.state = "CONNECTED"
        return {
            "stageArn": stage.arn,
            "sessionId": stage.active_session_id,
            "participantId": participant.participant_id,
            "state": participant.state,
        }

    def leave(self, request: web.Request) -> Params:
        grant = self._bearer_grant(request)
        stage = self.state.stages[grant.stage_arn]
        session_id = stage.active_session_id
        self._leave(stage, grant.participant_id)
        return {
            "stageArn": stage.arn,
            "sessionId": session_id,
            "participantId": grant.participant_id,
            "state": "DISCONNECTED",
        }

    def _leave(self, stage: Stage, participant_id: str) -> None:
        if stage.active_session_id is None:
            return
        session = stage.sessions[stage.active_session_id]
        if participant_id in session:
            session[participant_id].state = "DISCONNECTED"
        if all(p.state == "DISCONNECTED" for p in session.values()):
            stage.active_session_id = None


def _claims(token: str) -> dict[str, Any] | None:
    """The payload of a token `_jwt` made, or None if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
