"""The web app served in-process on a free localhost port, shared by the UI tests."""

import socket

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(assistant):
    pytest.importorskip("gradio")
    from ui.app import CSS, build_app

    app = build_app(assistant)
    app.queue(default_concurrency_limit=4)
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, css=CSS, quiet=True)
    yield f"http://127.0.0.1:{port}"
    app.close()


