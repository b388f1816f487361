"""Headless Chromium for tests, driven over the DevTools protocol with `websockets`."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any, Self

import aiohttp
from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WAIT = 30.0
"""Safety net for the browser starting and answering; no test measures it."""
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
"""How every test runs chromium: no window, no sandbox (containers), no GPU."""


async def run_chromium(*args: str, size: tuple[int, int] = (900, 1250)) -> str:
    """One headless chromium run (e.g. `--dump-dom URL`); its stdout. It must succeed."""
    assert CHROMIUM, "chromium is not installed"
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        *HEADLESS,
        f"--window-size={size[0]},{size[1]}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 0
    return out.decode()


class Browser:
    """One headless Chromium with one page, opened at `url`."""

    def __init__(self, url: str, profile: Path, size: tuple[int, int] = (900, 1000)) -> None:
        self.url = url
        self.profile = profile
        self.size = size
        self._proc: asyncio.subprocess.Process | None = None
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._drain: asyncio.Task[bytes] | None = None

    async def __aenter__(self) -> Self:
        assert CHROMIUM, "chromium is not installed"
        self._proc = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *HEADLESS,
            "--no-first-run",
            f"--user-data-dir={self.profile}",
            f"--window-size={self.size[0]},{self.size[1]}",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._proc.stderr is not None
        async with asyncio.timeout(WAIT):
            # Chromium says where DevTools listens: "DevTools listening on ws://HOST:PORT/..."
            while match := await self._proc.stderr.readline():
                found = re.search(rb"DevTools listening on ws://([^/\s]+)/", match)
                if found:
                    address = found.group(1).decode()
                    break
            else:
                raise RuntimeError("chromium exited before DevTools was listening")
            async with (
                aiohttp.ClientSession() as http,
                http.put(f"http://{address}/json/new?about:blank") as resp,
            ):
                target = await resp.json()
            self._drain = asyncio.create_task(self._proc.stderr.read())
            self._ws = await connect(target["webSocketDebuggerUrl"], max_size=None)
            await self.send("Page.enable")
            await self.send("Page.navigate", url=self.url)
            await self._event("Page.loadEventFired")
        return self

    async def _event(self, method: str) -> dict[str, Any]:
        assert self._ws is not None
        while True:
            message = json.loads(await self._ws.recv())
            if message.get("method") == method:
                return dict(message.get("params", {}))

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            await self._proc.wait()
        if self._drain is not None:
            await self._drain

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        assert self._ws is not None
        call_id = next(self._ids)
        await self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        async with asyncio.timeout(WAIT):
            while True:
                message = json.loads(await self._ws.recv())
                if message.get("id") == call_id:
                    if "error" in message:
                        raise RuntimeError(f"{method}: {message['error']}")
                    return dict(message.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        """The value of a JS expression; promises are awaited."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def text_once(self, element_id: str, condition: str) -> str:
        """The element's innerText once the JS `condition` on `text` holds (it may already);
        it waits for the page to change the element, never for a fixed time."""
        return str(
            await self.evaluate(
                f"""new Promise(resolve => {{
                    const element = document.getElementById({json.dumps(element_id)});
                    const done = () => {{ const text = element.innerText; return {condition}; }};
                    if (done()) return resolve(element.innerText);
                    new MutationObserver(() => done() && resolve(element.innerText))
                        .observe(element, {{childList: true, subtree: true}});
                }})"""
            )
        )

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
