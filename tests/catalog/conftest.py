"""Shared fixtures: an isolated user catalog dir and a local servicereference server."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest

from mantlekit.catalog import get_catalog

FIXTURES = Path(__file__).parent / "fixtures" / "servicereference"


@pytest.fixture(autouse=True)
def isolated_catalog_dirs(tmp_path, monkeypatch):
    """Never touch the real home: the user catalog lives under tmp_path for every test here."""
    user = tmp_path / "user-data" / "mantlekit" / "catalog"
    monkeypatch.setenv("MANTLEKIT_CATALOG_DIR", str(user))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    get_catalog.cache_clear()
    yield user
    get_catalog.cache_clear()


class ReferenceServer:
    """Serves ``routes`` (path -> (status, body bytes) or a callable returning that); tests edit it."""

    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path, (404, b'{"message": "not found"}'))
                status, body = route() if callable(route) else route
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def index_url(self) -> str:
        return self.base + "/"

    def load_fixtures(self) -> None:
        self.routes["/"] = (200, (FIXTURES / "index.json").read_text().replace("@BASE@", self.base).encode())
        for name in ("sqs", "sns", "bedrock-mantle"):
            self.routes[f"/v1/{name}/{name}.json"] = (200, (FIXTURES / f"{name}.json").read_bytes())

    def slow(self, seconds: float, status: int = 200, body: bytes = b"{}"):
        def route():
            time.sleep(seconds)
            return status, body

        return route


@pytest.fixture
def reference_server():
    srv = ReferenceServer()
    srv.load_fixtures()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        srv.thread.join(timeout=5)
