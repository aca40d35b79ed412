"""The web app served in-process on a free localhost port, shared by the UI tests."""

import os
import shutil
import socket
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_app(source, tmp_root, **launch_options):
    """Build and launch the real app (``ui.app.launch``: the Guard included) -> (app, url)."""
    from ui.app import build_app, launch
    from ui.files import TempFiles

    app = build_app(source, TempFiles(tmp_root, ttl_s=launch_options.pop("ttl_s", 600)))
    port = free_port()
    launch(app, "127.0.0.1", port, block=False, quiet=True, **launch_options)
    return app, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def serve():
    """``serve(source, tmp_root, **launch_options) -> url``; the apps are closed after the module."""
    pytest.importorskip("gradio")
    apps = []

    def start(source, tmp_root, **launch_options):
        app, url = serve_app(source, tmp_root, **launch_options)
        apps.append(app)
        return url

    yield start
    for app in apps:
        app.close()


@pytest.fixture(scope="module")
def app_url(assistant, tmp_path_factory):
    pytest.importorskip("gradio")
    app, url = serve_app(assistant, tmp_path_factory.mktemp("ui-tmp"))
    yield url
    app.close()


CHROMIUM = os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (``apt-get install -y chromium``; .ci/run does)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run does)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()
