"""A short run of the load script (eval/load.py) against the app through its API."""

import pytest

from eval.load import run

pytestmark = pytest.mark.slow


def test_concurrent_clients_get_answers_without_errors(app_url):
    report = run(app_url, clients=6, seconds=10)
    assert report.errors == 0, report.first_error
    assert report.requests >= 6 and report.p95_ms >= report.p50_ms > 0
