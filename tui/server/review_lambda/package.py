"""The forwarder's deployment zip: `forwarder.py` and the signature module beside it,
nothing else (Lambda's Python runtime has the standard library). Handler:
`forwarder.lambda_handler`."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tui.common import review_signature
from tui.server.review_lambda import forwarder

DEFAULT_ZIP = "ivs-chat-tui-review-handler.zip"
HANDLER = "forwarder.lambda_handler"
# Fixed times keep the zip byte-for-byte the same for the same code.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def build(out: Path) -> Path:
    """Write the zip to `out` and return it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for module in (forwarder, review_signature):
            source = Path(module.__file__ or "")
            info = zipfile.ZipInfo(source.name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    return out
