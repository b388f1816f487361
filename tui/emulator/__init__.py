"""The local IVS stack: IVS Chat and IVS Real-Time on one local port, state in memory.

For local use and tests only: standalone it accepts any AWS credentials and checks no
signature; with `EmulatorConfig.access_key_id` (the app server's local mode) its control
plane answers only that key id.
"""

from tui.emulator.config import DEFAULT_PORT, EmulatorConfig
from tui.emulator.messaging import CLOSE_SESSION_EXPIRED
from tui.emulator.stack import Emulator

__all__ = ["CLOSE_SESSION_EXPIRED", "DEFAULT_PORT", "Emulator", "EmulatorConfig"]
