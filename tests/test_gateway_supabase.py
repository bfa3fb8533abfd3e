"""The supabase-py backend, against a local HTTP server that records what PostgREST would get.

No PostgREST can be installed here, so the server stands in for it: it records each request's
headers and answers like PostgREST (JSON rows, or a JSON error with a SQLSTATE code).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from revos.gateway import AccessDenied, Gateway, InvalidRequest, SessionExpired, UserSession, tokens
from revos.gateway.supabase import SupabaseBackend

SECRET = "k" * 40
ANON_KEY = "anon-key-for-tests"


class Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record = {
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "apikey": self.headers.get("apikey"),
            "body": json.loads(body or b"{}"),
        }
        Recorder.requests.append(record)
        function = self.path.rsplit("/", 1)[-1]
        if function == "admin_tenant_stats":
            self._reply(
                403,
                {
                    "code": "42501",
                    "message": "Cross-tenant stats are for super admins only.",
                    "details": None,
                    "hint": None,
                },
            )
        elif function == "funnel_trend":
            self._reply(
                400,
                {
                    "code": "22023",
                    "message": "The trend grain must be day or week.",
                    "details": None,
                    "hint": None,
                },
            )
        else:
            self._reply(200, [{"seen_authorization": record["authorization"]}])

    def _reply(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_postgrest() -> Iterator[str]:
    Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _session(user_id: str) -> UserSession:
    return UserSession(user_id, f"{user_id}@x.test", "client", None)


def test_every_call_carries_the_users_jwt_and_the_anon_key(fake_postgrest: str) -> None:
    alice = Gateway(SupabaseBackend(fake_postgrest, ANON_KEY, SECRET), _session("alice"), SECRET)
    bob = Gateway(SupabaseBackend(fake_postgrest, ANON_KEY, SECRET), _session("bob"), SECRET)
    # interleaved, as two browser sessions would be
    for gateway in (alice, bob, alice, bob):
        rows = gateway.rows("overview_kpis", p_client_id="c1")
        assert rows == [{"seen_authorization": f"Bearer {gateway.token}"}]
    assert [r["path"] for r in Recorder.requests] == ["/rest/v1/rpc/overview_kpis"] * 4
    assert all(r["apikey"] == ANON_KEY for r in Recorder.requests)
    assert all(r["body"] == {"p_client_id": "c1"} for r in Recorder.requests)
    subjects = [tokens.verify(r["authorization"].split()[1], SECRET).sub for r in Recorder.requests]
    assert subjects == ["alice", "bob", "alice", "bob"]


def test_two_sessions_never_share_a_client_or_a_token(fake_postgrest: str) -> None:
    first = SupabaseBackend(fake_postgrest, ANON_KEY, SECRET)
    second = SupabaseBackend(fake_postgrest, ANON_KEY, SECRET)
    assert first._client is not second._client
    token_a = _session("alice").token_with(SECRET)
    first.rpc(token_a, "me", {})
    second.rpc(_session("bob").token_with(SECRET), "me", {})
    first.rpc(token_a, "me", {})
    assert Recorder.requests[2]["authorization"] == f"Bearer {token_a}"


def test_a_bad_token_never_leaves_the_process(fake_postgrest: str) -> None:
    backend = SupabaseBackend(fake_postgrest, ANON_KEY, SECRET)
    forged = tokens.mint("alice", "a@x", "z" * 40)
    with pytest.raises(SessionExpired):
        backend.rpc(forged, "me", {})
    assert Recorder.requests == []


def test_postgrest_errors_become_readable_gateway_errors(fake_postgrest: str) -> None:
    gateway = Gateway(SupabaseBackend(fake_postgrest, ANON_KEY, SECRET), _session("alice"), SECRET)
    with pytest.raises(AccessDenied, match="super admins only"):
        gateway.rows("admin_tenant_stats")
    with pytest.raises(InvalidRequest, match="day or week"):
        gateway.rows("funnel_trend", p_grain="hour")
