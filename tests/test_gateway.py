"""The gateway as pages use it: identity per call, readable errors, per-user caching."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

import revos.gateway as gateway_module
from revos.gateway import (
    AccessDenied,
    DatabaseUnavailable,
    Gateway,
    InvalidRequest,
    UnknownFunction,
    UserSession,
    to_json_params,
)
from revos.gateway.cache import UserCache
from revos.gateway.postgres import PostgresBackend


def test_each_call_runs_as_the_signed_in_user(gateway_for, demo_users) -> None:
    for email in ("client2@revos.demo", "reviewer@revos.demo", "admin@revos.demo"):
        me = gateway_for(email).rows("me")
        assert me == [{**me[0], "id": demo_users[email].id, "email": email}]


def test_params_are_sent_as_json_values() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert to_json_params({"p_from": when, "p_ids": ("a", "b"), "p_skip": None}) == {
        "p_from": "2026-01-02T03:04:05+00:00",
        "p_ids": ["a", "b"],
    }


def test_bad_input_is_a_readable_invalid_request(gateway_for) -> None:
    gateway = gateway_for("client1@revos.demo")
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(InvalidRequest, match="grain must be day or week"):
        gateway.rows("funnel_trend", p_from=now - dt.timedelta(days=7), p_to=now, p_grain="hour")
    with pytest.raises(InvalidRequest, match="cannot be sorted by"):
        gateway.rows("leads_page", p_sort="id; drop table leads")


def test_a_nul_in_a_parameter_is_invalid_input_not_a_database_away(gateway_for) -> None:
    """psycopg refuses a NUL before sending; taken for "no server answered", the page retried
    it for ever while the database was fine."""
    with pytest.raises(InvalidRequest, match="NUL"):
        gateway_for("client1@revos.demo").rows("leads_page", p_search="a\x00b")
    assert gateway_for("client1@revos.demo").rows("me")  # and the connection is fine after


def test_refusal_by_the_database_is_access_denied(gateway_for) -> None:
    with pytest.raises(AccessDenied, match="super admins only"):
        gateway_for("client1@revos.demo").rows("admin_tenant_stats")


def test_reads_at_once_run_together_as_the_user_and_keep_their_order(gateway_for) -> None:
    gateway = gateway_for("client2@revos.demo")
    both_running = threading.Barrier(2, timeout=10)  # one after the other: a BrokenBarrier

    def read(function: str):
        both_running.wait()
        return gateway.rows(function)

    me, clients = gateway.at_once(lambda: read("me"), lambda: read("visible_clients"))
    assert me == gateway.rows("me")
    assert clients == gateway.rows("visible_clients")


def test_reads_at_once_raise_the_first_failure_after_every_read_ended(gateway_for) -> None:
    gateway = gateway_for("client1@revos.demo")
    ended = threading.Event()

    def slow_read():
        time.sleep(0.3)
        rows = gateway.rows("me")
        ended.set()
        return rows

    def denied():
        return gateway.rows("admin_tenant_stats")

    def invalid():
        return gateway.rows("leads_page", p_sort="id; drop table leads")

    with pytest.raises(AccessDenied, match="super admins only"):
        gateway.at_once(denied, slow_read)
    assert ended.is_set()
    with pytest.raises(AccessDenied):  # the first in the order asked, not the first to fail
        gateway.at_once(lambda: (time.sleep(0.3), denied()), invalid)
    with pytest.raises(InvalidRequest):
        gateway.at_once(slow_read, invalid, denied)


def test_reads_at_once_wait_their_turn_when_no_connection_is_spare(
    gateway_for, monkeypatch
) -> None:
    """A process whose spare connections are all taken draws the page's reads in a row."""
    monkeypatch.setattr(gateway_module, "SPARE_READS", threading.BoundedSemaphore(1))
    gateway_module.SPARE_READS.acquire()  # another page holds the only spare one
    gateway = gateway_for("client2@revos.demo")
    threads: list[threading.Thread] = []

    def read(function: str):
        threads.append(threading.current_thread())
        return gateway.rows(function)

    me, clients = gateway.at_once(lambda: read("me"), lambda: read("visible_clients"))
    assert (me, clients) == (gateway.rows("me"), gateway.rows("visible_clients"))
    assert threads == [threading.current_thread()] * 2


def test_unknown_function_and_parameter_are_reported(gateway_for) -> None:
    gateway = gateway_for("client1@revos.demo")
    with pytest.raises(UnknownFunction):
        gateway.rows("no_such_function")
    with pytest.raises(Exception, match="no parameter p_bogus"):
        gateway.rows("me", p_bogus=1)


def test_database_down_is_a_readable_error(runtime) -> None:
    backend = PostgresBackend(
        "host=/nonexistent-socket-dir dbname=x", runtime.jwt_secret, timeout=1
    )
    backend.open()
    try:
        session = UserSession("9b0a3a57-4d0c-4d38-9f0e-6a3b3c1d2e4f", "a@b.c", "client", None)
        with pytest.raises(DatabaseUnavailable, match="not reachable"):
            Gateway(backend, session, runtime.jwt_secret).rows("me")
    finally:
        backend.close()


def test_session_renews_its_token_before_expiry(runtime) -> None:
    session = UserSession("9b0a3a57-4d0c-4d38-9f0e-6a3b3c1d2e4f", "a@b.c", "client", None)
    first = session.token_with(runtime.jwt_secret)
    assert session.token_with(runtime.jwt_secret) == first  # fresh: reused
    session._expires_at = time.time() + 60  # about to expire
    time.sleep(1.1)  # a new iat makes a different token
    assert session.token_with(runtime.jwt_secret) != first


class CountingBackend:
    """Answers with the caller's token so a test can see whose data came back."""

    def __init__(self) -> None:
        self.calls = 0

    def rpc(self, token, function, params):
        self.calls += 1
        return [{"token": token}]

    def close(self) -> None:
        pass


def test_cached_reads_are_never_shared_between_users(runtime) -> None:
    backend, cache = CountingBackend(), UserCache(ttl=60)
    alice = Gateway(backend, UserSession("a" * 8, "a@x", "client", None), runtime.jwt_secret, cache)
    bob = Gateway(backend, UserSession("b" * 8, "b@x", "client", None), runtime.jwt_secret, cache)
    assert alice.rows("me") == [{"token": alice.token}]
    assert bob.rows("me") == [{"token": bob.token}]  # same question, own answer
    assert alice.rows("me") == [{"token": alice.token}]  # served from alice's cache
    assert backend.calls == 2
    alice.invalidate()
    alice.rows("me")
    assert backend.calls == 3


def test_cache_entries_expire() -> None:
    now = [0.0]
    cache = UserCache(ttl=30, clock=lambda: now[0])
    loads = []
    load = lambda: loads.append(1) or len(loads)  # noqa: E731
    assert cache.get_or_load("u", "k", load) == 1
    now[0] = 29
    assert cache.get_or_load("u", "k", load) == 1
    now[0] = 31
    assert cache.get_or_load("u", "k", load) == 2
