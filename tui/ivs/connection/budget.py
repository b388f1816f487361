"""One time budget, so the layers agree on when to give up.

A chat token travels TUI room -> app server (HTTP) -> IVS control plane (boto3). Each
layer waits for the one below it, so each must wait longer than the one below can take,
or the layer above gives up and retries while the layer below still works on the first
try (botocore's retries could take about 75 s while the room gave up on a token after
30 s):

    CONTROL_CALL_BUDGET  <  APP_SERVER_TIMEOUT  <  TOKEN_TIMEOUT
        one IVS call          one HTTP request       the room's wait for a token

botocore's own timeouts are per attempt, and its `max_attempts` counts retries, not
attempts (2 meant three tries of up to 25 s each); `total_max_attempts` counts them all.
The control plane also holds every call to `CONTROL_CALL_BUDGET` as a whole, whatever
botocore, its credential providers or the network do.
"""

from __future__ import annotations

from typing import Final

CONTROL_CONNECT_TIMEOUT: Final = 3.0
"""Seconds for botocore to open a connection to IVS (per attempt)."""
CONTROL_READ_TIMEOUT: Final = 6.0
"""Seconds for IVS to answer once asked (per attempt). Its calls answer in well under one."""
CONTROL_TOTAL_ATTEMPTS: Final = 2
"""botocore's `total_max_attempts`: the first try and one retry (standard mode retries
throttling, 5xx and connection errors), made only while the budget lasts."""
CONTROL_CALL_BUDGET: Final = 10.0
"""Seconds one control-plane call may take in all, retries included: room enough for one
slow attempt, or a quick failure and its retry."""
APP_SERVER_TIMEOUT: Final = 15.0
"""Seconds the TUI gives one request to the app server, which makes at most one control
call for a chat token: the budget plus time for the HTTP hop."""
TOKEN_TIMEOUT: Final = 30.0
"""Seconds the room client gives its token provider (often the app server over HTTP):
more than one request to the app server can take, so a token is never abandoned while
it is still on its way."""

__all__ = [
    "APP_SERVER_TIMEOUT",
    "CONTROL_CALL_BUDGET",
    "CONTROL_CONNECT_TIMEOUT",
    "CONTROL_READ_TIMEOUT",
    "CONTROL_TOTAL_ATTEMPTS",
    "TOKEN_TIMEOUT",
]
