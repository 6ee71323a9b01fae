"""A real server on a free loopback port and Debian's Chromium driven by Playwright."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from app.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("TFP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(folder: Path, *args: str, content: Path = PROJECT_ROOT / "content", **settings: str) -> Iterator[str]:
    """`tfpatterns serve` (which migrates a new database first), by default on the project's real content."""
    database_url = f"sqlite:///{folder / 'e2e.sqlite3'}"
    port = free_port()
    env = {**os.environ, "TFP_DATABASE_URL": database_url, "TFP_CONTENT_DIR": str(content),
           "TFP_SECRET_KEY": "e2e-secret", "TFP_RUNNER_RATE_PER_MINUTE": "1000", **settings}
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "tfpatterns"), "serve", "--host", "127.0.0.1", "--port", str(port),
         *args],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    want_runner = settings.get("TFP_RUNNER_WORKERS") != "0"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if not want_runner or b'"runner":"ok"' in response.read():
                        break
                    time.sleep(0.2)
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {folder / 'server.log'}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with its local runner pool."""
    yield from serve(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def server_without_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(tmp_path_factory.mktemp("live-no-runner"), TFP_RUNNER_WORKERS="0")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: run scripts/test (it installs Debian's chromium) "
                    "or set TFP_CHROMIUM.")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
