"""`serve --tls-cert FILE --tls-key FILE`: the app server speaks HTTPS, with a
certificate the test makes, and its links name https."""

from __future__ import annotations

import re
import ssl
import stat
from pathlib import Path

import aiohttp
import pytest

from tests.certificates import make_certificate
from tests.server.conftest import start_aws_server
from tui.client.app_server import AppServerClient, AppServerError
from tui.emulator import Emulator
from tui.server.boot.startup import StartupError, start_server
from tui.server.settings import ServerSettings


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return make_certificate(tmp_path)


async def test_https_with_a_certificate_made_here(
    emulator: Emulator, tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server = await start_aws_server(emulator, tmp_path / "data", tls_cert=cert, tls_key=key)
    trust = ssl.create_default_context(cafile=str(cert))
    async with server, aiohttp.ClientSession() as http:
        assert server.url.startswith("https://127.0.0.1:")
        async with http.get(server.url + "/healthz", ssl=trust) as health:
            assert health.status == 200
        host = {"Authorization": f"Bearer {server.broadcaster_key}"}
        body = {"displayName": "Host"}
        async with http.post(
            server.url + "/api/chat/token", json=body, headers=host, ssl=trust
        ) as resp:
            assert (await resp.json())["role"] == "broadcaster"
        async with http.post(server.url + "/api/chat/token", json=body, ssl=trust) as resp:
            assert resp.status == 400  # a viewer, refused the broadcaster's name: same API
        # A client that does not trust the certificate is refused by TLS itself.
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            async with http.get(server.url + "/healthz"):
                pass
        # Stage links follow the server's own URL (or --public-url).
        assert server.service.config.public_url == server.url


async def test_tls_settings_that_cannot_work_say_so(
    tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    with pytest.raises(ValueError, match="--tls-cert and --tls-key go together"):
        ServerSettings(mode="local", tls_cert=cert)
    local = ServerSettings(mode="local", port=0, data_dir=tmp_path, tls_cert=cert, tls_key=key)
    with pytest.raises(StartupError, match="--tls-cert works with --aws"):
        await start_server(local)
    wrong = ServerSettings(
        mode="aws", create=True, port=0, data_dir=tmp_path, tls_cert=key, tls_key=key
    )
    with pytest.raises(StartupError, match="cannot load the TLS certificate"):
        await start_server(wrong)


async def test_the_tuis_client_joins_an_https_server_it_trusts(
    emulator: Emulator,
    tmp_path: Path,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What `join --server https://…` uses: the system's trust store, which SSL_CERT_FILE
    points at a private CA (as a user with their own certificate would)."""
    cert, key = certificate
    server = await start_aws_server(emulator, tmp_path / "data", tls_cert=cert, tls_key=key)
    async with server:
        refused = AppServerClient(server.url)
        with pytest.raises(AppServerError) as caught:
            await refused.chat_token("Ada")
        await refused.close()
        assert server.url in caught.value.message
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        client = AppServerClient(server.url)
        try:
            grant = await client.chat_token("Ada")
        finally:
            await client.close()
        assert grant.display_name == "Ada" and grant.role == "viewer"


async def test_a_tls_key_every_user_may_read_or_write_is_refused(
    emulator: Emulator, tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    for mode, words in (
        (0o644, "every user may read it (mode 0644)"),
        (0o602, "every user may write it"),
    ):
        key.chmod(mode)
        with pytest.raises(StartupError, match=rf"refusing the TLS key {key}: {re.escape(words)}"):
            await start_aws_server(emulator, tmp_path / "data", tls_cert=cert, tls_key=key)
        assert stat.S_IMODE(key.stat().st_mode) == mode  # never changed: not ours to chmod
    key.chmod(0o640)  # a group such as ssl-cert may read it
    async with await start_aws_server(emulator, tmp_path / "data", tls_cert=cert, tls_key=key):
        pass
