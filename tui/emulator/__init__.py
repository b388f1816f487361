"""The local IVS stack: IVS Chat and IVS Real-Time on one local port, state in memory.

For local use and tests only. Its control plane checks SigV4 signatures and dates as AWS
does, with `EmulatorConfig.secret_access_key` ("test" unless set): standalone any access
key id is accepted; with `EmulatorConfig.access_key_id` (the app server's local mode,
which also sets a random secret) only that one.
"""

from tui.emulator.chat.messaging import CLOSE_SESSION_EXPIRED
from tui.emulator.config import DEFAULT_PORT, EmulatorConfig
from tui.emulator.stack import Emulator

__all__ = ["CLOSE_SESSION_EXPIRED", "DEFAULT_PORT", "Emulator", "EmulatorConfig"]
