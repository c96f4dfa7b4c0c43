"""The demo's HTML report in a real headless Chromium, driven over the DevTools protocol.

Checks: no console errors (CSP violations included, so any attempt to load an external
resource fails the test), every ``<img>`` decoded (``naturalWidth > 0``), one
``.detection`` element per detection in results.jsonl, and a screenshot that is not blank.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ._helpers import invoke

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_LISTENING = re.compile(rb"DevTools listening on (ws://\S+)")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
    ),
]


class DevTools:
    """The smallest DevTools client: commands by id, events collected."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        await self.ws.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = json.loads((await self.ws.receive(timeout=30)).data)
            if message.get("id") == ident:
                assert "error" not in message, message
                return dict(message.get("result", {}))
            self.events.append(message)

    async def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            message = json.loads((await self.ws.receive(timeout=30)).data)
            self.events.append(message)
            if message.get("method") == method:
                return message


async def inspect_page(url: str, profile: Path) -> dict[str, Any]:
    """Load ``url`` and return console errors, image states, overlay count and a screenshot."""
    import aiohttp

    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "--window-size=1280,1800",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        browser_ws = None
        while browser_ws is None:
            line = await asyncio.wait_for(process.stderr.readline(), 30)
            assert line, "chromium exited before DevTools started"
            found = _LISTENING.search(line)
            if found:
                browser_ws = found.group(1).decode()
        port = browser_ws.split("://", 1)[1].split("/", 1)[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://{port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t.get("type") == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tools = DevTools(ws)
                for domain in ("Page", "Runtime", "Log"):
                    await tools.call(f"{domain}.enable")
                await tools.call("Page.navigate", url=url)
                await tools.wait_for("Page.loadEventFired")
                state = await tools.call(
                    "Runtime.evaluate",
                    expression="""JSON.stringify({
                        images: [...document.images].map(i => ({
                            complete: i.complete, width: i.naturalWidth, data: i.src.startsWith('data:')
                        })),
                        detections: document.querySelectorAll('.detection').length,
                        overlays: document.querySelectorAll('svg.overlay').length,
                        resources: performance.getEntriesByType('resource').map(r => r.name),
                    })""",
                    returnByValue=True,
                )
                shot = await tools.call("Page.captureScreenshot", format="png")
                await asyncio.sleep(0.2)  # late console messages
                errors = [
                    e["params"]
                    for e in tools.events
                    if (e.get("method") == "Runtime.consoleAPICalled"
                        and e["params"].get("type") in ("error", "assert"))
                    or e.get("method") == "Runtime.exceptionThrown"
                    or (e.get("method") == "Log.entryAdded"
                        and e["params"]["entry"].get("level") == "error")
                ]  # fmt: skip
    finally:
        process.kill()
        await process.wait()
    result = json.loads(state["result"]["value"])
    result["errors"] = errors
    result["screenshot"] = base64.b64decode(shot["data"])
    return result


async def test_demo_report_renders_in_chromium(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    run = await asyncio.to_thread(invoke, ["demo", "--out-dir", str(out_dir), "--quiet"], key=None)
    assert run.exit_code == 0, run.stderr
    lines = [json.loads(x) for x in (out_dir / "results.jsonl").read_text().splitlines()]
    expected = sum(
        len(line["result"]["detections"]) for line in lines if line["task"] in ("detect", "segment")
    )
    images_expected = sum(len(line.get("sources", [line.get("source")])) for line in lines)

    with tempfile.TemporaryDirectory() as profile:
        page = await inspect_page((out_dir / "report.html").resolve().as_uri(), Path(profile))

    assert page["errors"] == []
    assert len(page["images"]) == images_expected
    assert all(img["complete"] and img["width"] > 0 and img["data"] for img in page["images"])
    assert page["detections"] == expected > 0
    assert page["overlays"] == sum(1 for line in lines if line["task"] in ("detect", "segment"))
    assert page["resources"] == []
    with Image.open(io.BytesIO(page["screenshot"])) as shot:
        colours = shot.convert("RGB").getcolors(maxcolors=1 << 20)
        assert shot.width >= 1000
        assert colours is not None
        assert len(colours) > 50
