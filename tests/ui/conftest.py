"""UI fixtures: a real kgqa server on 127.0.0.1 over the embedded film KG, and Debian's headless Chromium.

Browser tests skip only when Chromium is absent (`.ci/run` installs it with apt); a failed browser test leaves a
screenshot in ``test-artifacts/ui/`` (or ``$KGQA_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("KGQA_TEST_ARTIFACTS") or REPO / "test-artifacts") / "ui"


def chromium_path() -> str | None:
    """Debian's chromium (no Playwright browser download), or ``$KGQA_CHROMIUM``."""
    for candidate in (os.environ.get("KGQA_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def ui_server(films_assistant):
    """The whole app served on 127.0.0.1 (one per session: the film index takes a minute or two to build)."""
    from ui.app import build_app, launch

    films_assistant.warm_up()  # before serving, as `kgqa chat` does in its warm-up
    demo = build_app(films_assistant)
    _, url, _ = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium not found (/usr/bin/chromium or $KGQA_CHROMIUM): `apt-get install -y chromium` "
                    "(.ci/run does this) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, ui_server, request):
    """A fresh page on the app; screenshots itself when the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)  # answers take well under a second, but the CPU is shared in CI
    page.goto(ui_server)
    page.locator("#question textarea").wait_for()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failure: {shot}")
    context.close()


@pytest.fixture(scope="session")
def tiny_kg(tiny_kg_session_dir):
    from assistant.kg import load_kg

    return load_kg(tiny_kg_session_dir)


@pytest.fixture(scope="session")
def tiny_bot(tiny_kg_session_dir, tmp_path_factory):
    """A real assistant (index and parser) over the tiny film KG of tests/conftest.py."""
    from assistant.api import Assistant

    return Assistant.from_path(tiny_kg_session_dir, tmp_path_factory.mktemp("ui-index"), progress=False)
