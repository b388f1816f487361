"""Headless Chromium for tests, driven over the DevTools protocol with `websockets`."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

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
FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
"""A fake camera and microphone, and every media permission prompt answered "allow"."""


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
    """One headless Chromium with one page, opened at `url`.

    `args` are extra chromium flags (e.g. `FAKE_MEDIA`). `routes` maps exact URLs to
    (content type, body): the browser gets that answer instead of going to the network,
    so a page's outside script (the IVS SDK on its CDN) can be a stand-in from the test.
    """

    def __init__(
        self,
        url: str,
        profile: Path,
        size: tuple[int, int] = (900, 1000),
        *,
        args: Sequence[str] = (),
        routes: Mapping[str, tuple[str, bytes]] | None = None,
    ) -> None:
        self.url = url
        self.profile = profile
        self.size = size
        self.args = tuple(args)
        self.routes = dict(routes or {})
        self._proc: asyncio.subprocess.Process | None = None
        self._ws: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._drain: asyncio.Task[bytes] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._loaded = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> Self:
        assert CHROMIUM, "chromium is not installed"
        self._proc = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *HEADLESS,
            *self.args,
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
            self._reader = asyncio.create_task(self._read())
            await self.send("Page.enable")
            if self.routes:
                patterns = [{"urlPattern": url, "requestStage": "Request"} for url in self.routes]
                await self.send("Fetch.enable", patterns=patterns)
            await self.send("Page.navigate", url=self.url)
            await self._loaded.wait()
        return self

    async def _read(self) -> None:
        """Every message from the page: answers to their callers, events handled here."""
        assert self._ws is not None
        try:
            async for raw in self._ws:
                message = json.loads(raw)
                answer = self._answers.pop(message.get("id", -1), None)
                if answer is not None and not answer.done():
                    answer.set_result(message)
                elif message.get("method") == "Page.loadEventFired":
                    self._loaded.set()
                elif message.get("method") == "Fetch.requestPaused":
                    task = asyncio.create_task(self._fulfil(message["params"]))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        except ConnectionClosed:
            pass
        finally:
            for answer in self._answers.values():
                if not answer.done():
                    answer.set_exception(RuntimeError("chromium closed the DevTools connection"))

    async def _fulfil(self, paused: dict[str, Any]) -> None:
        url = paused["request"]["url"]
        if url not in self.routes:
            await self.send("Fetch.continueRequest", requestId=paused["requestId"])
            return
        content_type, body = self.routes[url]
        await self.send(
            "Fetch.fulfillRequest",
            requestId=paused["requestId"],
            responseCode=200,
            responseHeaders=[{"name": "Content-Type", "value": content_type}],
            body=base64.b64encode(body).decode(),
        )

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            await self._proc.wait()
        if self._drain is not None:
            await self._drain

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        assert self._ws is not None
        call_id = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[call_id] = answer
        await self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        async with asyncio.timeout(WAIT):
            message = await answer
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

    async def text(self, element_id: str) -> str:
        """What the element reads on the page (its innerText)."""
        return str(
            await self.evaluate(f"document.getElementById({json.dumps(element_id)}).innerText")
        )

    async def click(self, element_id: str) -> None:
        await self.evaluate(f"document.getElementById({json.dumps(element_id)}).click()")

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
                        .observe(element, {{childList: true, subtree: true, characterData: true,
                                            attributes: true}});
                }})"""
            )
        )

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
