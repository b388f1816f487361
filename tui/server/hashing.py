"""How secrets a client presents (session keys, link codes, participant tokens) are
stored: as SHA-256 hashes (tui/server/store.py says why a plain hash is enough)."""

from __future__ import annotations

import hashlib


def secret_hash(secret: str) -> str:
    # surrogatepass: a key sent as JSON may hold a lone surrogate ("\ud800"); it is
    # then simply unknown, never an encoding error.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
