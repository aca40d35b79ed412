"""The launched app over real HTTP: its temporary files stay private and bounded, uploads are refused."""

import json
import os
import stat
import time

import httpx
import pytest

from ui.files import MARKER

pytestmark = pytest.mark.slow


def call(client: httpx.Client, url: str, api: str, data: list):
    """One call of a named endpoint through Gradio's HTTP API -> its outputs."""
    response = client.post(f"{url}/gradio_api/call/{api}", json={"data": data})
    response.raise_for_status()
    events = client.get(f"{url}/gradio_api/call/{api}/{response.json()['event_id']}", timeout=120).text
    for block in events.split("\n\n"):
        if block.startswith("event: complete"):
            return json.loads(block.split("data:", 1)[1])
    raise AssertionError(f"no answer from /{api}: {events[:500]}")


def _files(root):
    """The files the app left in its folder (its marker aside)."""
    return [os.path.join(d, n) for d, _, names in os.walk(root) for n in names if n != MARKER]


def test_csv_files_stay_in_the_private_folder_and_go_away(assistant, serve, tmp_path):
    root = tmp_path / "ui-tmp"
    url = serve(assistant, root, ttl_s=5)  # files live 5 s; Gradio checks every 2 s
    with httpx.Client(timeout=60) as client:
        for n in range(8):
            answer, rows, citations, csv_file = call(client, url, "staff", [f"テレワーク {n}", [], "bm25"])
            assert csv_file["path"].startswith(str(root))  # served where it was written: no copy in /tmp/gradio
            assert len(_files(root)) <= 8
            assert {stat.S_IMODE(os.stat(p).st_mode) for p in _files(root)} <= {0o600}
        download = client.get(csv_file["url"])
        assert download.status_code == 200 and download.content.startswith("\ufeffquestion".encode())
        assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
        stop = time.monotonic() + 30
        while _files(root) and time.monotonic() < stop:
            time.sleep(0.5)
        assert _files(root) == []  # removed after their time to live
        assert client.get(csv_file["url"]).status_code in (403, 404)


def test_uploads_are_refused_without_login(app_url):
    with httpx.Client(timeout=60) as client:
        upload = client.post(f"{app_url}/gradio_api/upload", files={"files": ("a.txt", b"x" * 1_000_000)})
        assert upload.status_code == 403
        component = client.post(f"{app_url}/gradio_api/component_server", files={"data": ("a.bin", b"x" * 1000)})
        assert component.status_code == 403
        assert call(client, app_url, "chat", ["コンビニで住民票はとれますか", []])  # the app itself still answers


USER, PASSWORD = "staff", "s3cret-pw"
CLOSED = [("GET", "/openapi.json"), ("GET", "/config"), ("GET", "/gradio_api/info"), ("GET", "/gradio_api/openapi.json"),
          ("POST", "/gradio_api/reset"), ("POST", "/gradio_api/cancel"), ("POST", "/gradio_api/queue/join"),
          ("GET", "/gradio_api/queue/data?session_hash=x"), ("POST", "/gradio_api/call/staff"),
          ("GET", "/gradio_api/heartbeat/x"), ("GET", "/gradio_api/file=/etc/hostname"), ("GET", "/gradio_api/app_id"),
          ("POST", "/gradio_api/run/staff"), ("GET", "/gradio_api/login_check"), ("GET", "/monitoring")]


@pytest.fixture
def auth_url(assistant, serve, tmp_path):
    from ui.auth import Throttle

    return serve(assistant, tmp_path / "ui-tmp", auth=[(USER, PASSWORD)], throttle=Throttle(free=5, base_s=3))


def _login(client, url, password):
    return client.post(f"{url}/login", data={"username": USER, "password": password})


def test_with_login_on_every_route_but_the_login_page_needs_a_session(auth_url):
    with httpx.Client(timeout=60) as client:
        for method, path in CLOSED:
            response = client.request(method, auth_url + path, json={})
            assert response.status_code in (401, 403), (method, path, response.status_code)
        page = client.get(auth_url + "/")
        assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
        assert "named_endpoints" not in page.text and "/staff" not in page.text  # the API is not described to strangers
        script = page.text.split('src="./assets/', 1)[1].split('"', 1)[0]
        assert client.get(f"{auth_url}/assets/{script}").status_code == 200  # the login page can load its code
        assert client.post(f"{auth_url}/gradio_api/upload", files={"files": ("a.txt", b"x" * 1000)}).status_code == 403

        assert _login(client, auth_url, PASSWORD).status_code == 200
        assert client.get(auth_url + "/config").status_code == 200
        answer = call(client, auth_url, "staff", ["コンビニ交付を計画している市は？", [], "hybrid"])[0]
        assert "根室市" in answer
        upload = client.post(f"{auth_url}/gradio_api/upload", files={"files": ("a.txt", b"x" * 1_000_000)})
        assert upload.status_code == 403  # logged in or not: this app takes no files


def test_gradio_client_logs_in_and_calls_the_staff_api(auth_url):
    from gradio_client import Client

    client = Client(auth_url, auth=(USER, PASSWORD), verbose=False, download_files=False)
    answer = client.predict("コンビニ交付を計画している市は？", [], "hybrid", api_name="/staff")[0]
    assert "根室市" in answer


def test_password_guessing_is_slowed_down(auth_url):
    with httpx.Client(timeout=60) as client:
        assert [_login(client, auth_url, f"guess{n}").status_code for n in range(5)] == [400] * 5
        refused = _login(client, auth_url, "guess6")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert _login(client, auth_url, PASSWORD).status_code == 429  # even the right password waits
        time.sleep(int(refused.headers["retry-after"]) + 0.5)
        assert _login(client, auth_url, "guess7").status_code == 400  # one more try, then a longer wait
        again = _login(client, auth_url, PASSWORD)
        assert again.status_code == 429 and int(again.headers["retry-after"]) > int(refused.headers["retry-after"])
        time.sleep(int(again.headers["retry-after"]) + 0.5)
        assert _login(client, auth_url, PASSWORD).status_code == 200
        assert [_login(client, auth_url, f"guess{n}").status_code for n in range(5)] == [400] * 5  # a success resets
