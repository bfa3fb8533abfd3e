"""Sign-in in the database: throttling, constant cost, and sessions that can be ended."""

from __future__ import annotations

import json
import statistics
import time
import types
import uuid

import bcrypt
import psycopg
import pytest

from revos.db import accounts, migrations
from revos.db.seed import DEMO_PASSWORD
from revos.ui import auth
from tests.support import as_user


@pytest.fixture
def people(fresh_database: str) -> dict[str, str]:
    """A database of its own with two accounts (bcrypt cost 10, as Supabase hashes)."""
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        ids = {}
        for email, role in (("ann@example.com", "client"), ("sam@example.com", "super_admin")):
            hashed = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
            user_id = conn.execute(
                "insert into auth.users (email, encrypted_password) values (%s, %s) "
                "returning id::text",
                [email, hashed],
            ).fetchone()[0]
            conn.execute(
                "insert into public.users (id, email, role, full_name) values (%s, %s, %s, %s)",
                [user_id, email, role, email.split("@")[0].title()],
            )
            ids[email] = user_id
    return {"url": fresh_database, **ids}


def test_sign_in_resume_and_sign_out(people) -> None:
    signed = accounts.sign_in(people["url"], " Ann@Example.com ", DEMO_PASSWORD, 7)
    assert signed.account.email == "ann@example.com"
    assert accounts.resume(people["url"], signed.token).user_id == people["ann@example.com"]
    accounts.sign_out(people["url"], signed.token)
    assert accounts.resume(people["url"], signed.token) is None  # a replayed cookie
    assert accounts.resume(people["url"], "made-up-token") is None


def test_an_open_tab_checks_its_session_without_a_write_each_time(people) -> None:
    """Every open tab asks every 10 s; last_seen_at moves on at most once a minute."""
    url = people["url"]
    signed = accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7)
    hashed = accounts.token_hash(signed.token)

    def seen() -> tuple:
        with psycopg.connect(url) as conn:
            return conn.execute(
                "select last_seen_at, xmin::text from private.login_sessions where token_hash = %s",
                [hashed],
            ).fetchone()

    before = seen()
    assert accounts.is_live(url, signed.token) and accounts.is_live(url, signed.token)
    assert seen() == before  # seen just now: no new row version
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "update private.login_sessions set last_seen_at = now() - interval '2 minutes' "
            "where token_hash = %s",
            [hashed],
        )
    stale = seen()
    assert accounts.is_live(url, signed.token)
    assert seen()[0] > stale[0]  # a minute on: moved on
    accounts.sign_out(url, signed.token)
    assert not accounts.is_live(url, signed.token)
    assert not accounts.is_live(url, "made-up-token") and not accounts.is_live(url, "")


def test_the_message_never_says_which_part_was_wrong(people) -> None:
    messages = set()
    for email, password in (("ann@example.com", "wrong"), ("nobody@example.com", DEMO_PASSWORD)):
        with pytest.raises(accounts.SignInRefused) as refused:
            accounts.sign_in(people["url"], email, password, 7)
        messages.add(str(refused.value))
    assert messages == {accounts.REFUSED}
    with pytest.raises(accounts.SignInRefused, match="Enter your email and your password"):
        accounts.sign_in(people["url"], "  ", "", 7)


def test_five_failures_make_the_email_wait_and_success_clears_them(people) -> None:
    url = people["url"]
    for email in ("ann@example.com", "ghost@example.com"):  # known or not, the same rule
        for _ in range(5):
            with pytest.raises(accounts.SignInRefused, match="do not match"):
                accounts.sign_in(url, email, "wrong", 7)
        with pytest.raises(accounts.SignInRefused, match=r"Try again in \d+ seconds"):
            accounts.sign_in(url, email, DEMO_PASSWORD, 7)  # even the right password waits
    with psycopg.connect(url, autocommit=True) as conn:  # a minute later
        conn.execute("update private.login_failures set failed_at = failed_at - interval '1 min'")
        waits = conn.execute(
            "select extract(epoch from private.login_wait('ann@example.com'))"
        ).fetchone()[0]
    assert waits == 0
    accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7)
    with psycopg.connect(url) as conn:
        left = conn.execute(
            "select count(*) from private.login_failures where email = 'ann@example.com'"
        ).fetchone()[0]
    assert left == 0


def test_an_unknown_email_costs_what_a_known_one_does(people) -> None:
    """Median over 10 tries each: within 10 ms (one bcrypt check either way)."""
    url = people["url"]

    def cost(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(url, email, "wrong-password", 7)
        elapsed = time.perf_counter() - started
        with psycopg.connect(url, autocommit=True) as conn:  # stay under the lockout
            conn.execute("delete from private.login_failures")
        return elapsed

    known, unknown = [], []
    for n in range(10):
        known.append(cost("ann@example.com"))
        unknown.append(cost(f"nobody{n}@example.com"))
    gap = abs(statistics.median(known) - statistics.median(unknown))
    assert gap < 0.010, (
        f"known {statistics.median(known):.4f}s, unknown {statistics.median(unknown):.4f}s"
    )


def test_a_password_change_ends_every_session(people) -> None:
    url = people["url"]
    tokens = [accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7).token for _ in range(2)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "update auth.users set encrypted_password = %s where email = 'ann@example.com'",
            [bcrypt.hashpw(b"a new password", bcrypt.gensalt(rounds=4)).decode()],
        )
    assert [accounts.resume(url, t) for t in tokens] == [None, None]


def test_only_a_super_admin_signs_someone_out_everywhere(people) -> None:
    url = people["url"]
    ann, sam = people["ann@example.com"], people["sam@example.com"]
    token = accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7).token
    with (
        as_user(url, ann) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        conn.execute("select * from public.sign_out_everywhere(%s)", [sam])
    assert accounts.resume(url, token) is not None
    with as_user(url, sam) as conn:
        conn.execute("select * from public.sign_out_everywhere(%s)", [ann])
        conn.commit()
    assert accounts.resume(url, token) is None


def test_sessions_are_not_readable_by_api_roles(people) -> None:
    for role, user in (("authenticated", people["ann@example.com"]), ("anon", None)):
        with (
            as_user(people["url"], user, role=role) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute("select * from private.login_sessions")


def test_an_expired_session_does_not_resume(people) -> None:
    url = people["url"]
    token = accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 1).token
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update private.login_sessions set expires_at = now() - interval '1 s'")
    assert accounts.resume(url, token) is None
    assert uuid.UUID(people["ann@example.com"])


def test_concurrent_guesses_cannot_all_pass_the_throttle(people) -> None:
    """Twenty guesses at once: five are checked, the rest wait (the check and the count are one)."""
    import threading

    url, outcomes, lock = people["url"], [], threading.Lock()
    start = threading.Barrier(20)

    def guess(n: int) -> None:
        start.wait()
        try:
            accounts.sign_in(url, "ann@example.com", f"guess-{n}", 7)
            outcome = "in"
        except accounts.SignInRefused as exc:
            outcome = "checked" if str(exc) == accounts.REFUSED else "waits"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["checked"] * 5 + ["waits"] * 15


def test_oversized_or_control_character_emails_are_refused_before_any_query(people) -> None:
    for email in ("a" * 321 + "@example.com", "ann@example.com\x00"):
        with pytest.raises(accounts.SignInRefused, match="do not match"):
            accounts.sign_in(people["url"], email, DEMO_PASSWORD, 7)
    with psycopg.connect(people["url"]) as conn:
        assert conn.execute("select count(*) from private.login_failures").fetchone()[0] == 0


def test_an_ended_session_says_why(people) -> None:
    """The sign-in form names what ended a tab's session, from the reason the database wrote
    (it listed every reason a session can end)."""
    url = people["url"]
    ann, sam = people["ann@example.com"], people["sam@example.com"]

    def ended(end, email: str = "ann@example.com") -> str | None:
        token = accounts.sign_in(url, email, DEMO_PASSWORD, 7).token
        assert accounts.end_reason(url, token) is None  # live
        with psycopg.connect(url, autocommit=True) as conn:
            end(conn, token)
        return accounts.end_reason(url, token)

    def expire(conn, token) -> None:
        conn.execute(
            "update private.login_sessions set expires_at = now() - interval '1 s' "
            "where token_hash = %s",
            [accounts.token_hash(token)],
        )

    def by_admin(conn, token) -> None:
        with as_user(url, sam) as admin:
            admin.execute("select * from public.sign_out_everywhere(%s)", [ann])
            admin.commit()

    def by_themself(conn, token) -> None:  # a super admin's own "Sign out everywhere"
        with as_user(url, sam) as admin:
            admin.execute("select * from public.sign_out_everywhere(%s)", [sam])
            admin.commit()

    def new_password(conn, token) -> None:
        conn.execute(
            "update auth.users set encrypted_password = %s where id = %s",
            [bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode(), ann],
        )

    reasons = [
        ended(lambda conn, token: accounts.sign_out(url, token)),
        ended(by_admin),
        ended(by_themself, "sam@example.com"),
        ended(new_password),
        ended(expire),
    ]
    assert reasons == [
        "signed out",
        "signed out by an administrator",
        "signed out everywhere",
        "password changed",
        "expired",
    ]
    assert set(reasons) == set(auth.ENDED_BECAUSE)  # each has its own sentence
    assert accounts.end_reason(url, "made-up-token") is None
    assert accounts.end_reason(url, "") is None


def test_a_session_the_database_cannot_explain_lists_every_reason() -> None:
    """The database away (nothing listens on port 1), or a token it never issued: the form
    lists every reason a session can end rather than guess one."""
    away = types.SimpleNamespace(service_url="postgresql://revos@127.0.0.1:1/revos")
    assert auth.why_ended(away, "some-token") == auth.ENDED_ELSEWHERE
    assert auth.why_ended(away, None) == auth.ENDED_ELSEWHERE


def test_a_token_never_issued_lists_every_reason(people) -> None:
    live = types.SimpleNamespace(service_url=people["url"])
    assert auth.why_ended(live, "made-up-token") == auth.ENDED_ELSEWHERE
    token = accounts.sign_in(people["url"], "ann@example.com", DEMO_PASSWORD, 7).token
    accounts.sign_out(people["url"], token)
    assert auth.why_ended(live, token) == auth.ENDED_BECAUSE["signed out"]


@pytest.fixture
def gateway_of(people):
    """A Gateway for a signed-in account, through the psycopg backend as the app's."""
    from psycopg.conninfo import make_conninfo

    from revos.gateway import Gateway, UserSession
    from revos.gateway.postgres import PostgresBackend

    secret = "a-test-secret-of-at-least-thirty-two-bytes"
    backend = PostgresBackend(make_conninfo(people["url"], user="authenticator"), secret)
    backend.open()

    def gateway(account: accounts.Account) -> Gateway:
        session = UserSession(
            account.user_id, account.email, account.role, account.full_name, account.session_id
        )
        return Gateway(backend, session, secret)

    yield gateway
    backend.close()


@pytest.mark.parametrize("ending", ["sign out", "password change", "signed out everywhere"])
def test_a_token_stops_working_when_its_sign_in_ends(people, gateway_of, ending) -> None:
    """A copied JWT read and reviewed for up to an hour after its user was signed out
    everywhere: only the open tabs knew (sql/0082). The database now asks, on every call,
    whether the token's sign-in is still live."""
    from revos.gateway import SessionExpired

    url, ann = people["url"], people["ann@example.com"]
    signed = accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7)
    resumed = accounts.resume(url, signed.token)
    assert signed.account.session_id is not None
    assert resumed.session_id == signed.account.session_id
    gateway = gateway_of(signed.account)
    token = gateway.token  # the one a thief would have copied
    assert gateway.call("me")
    other = accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7)
    if ending == "sign out":
        accounts.sign_out(url, signed.token)
    elif ending == "password change":
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("update auth.users set encrypted_password = 'x' where id = %s", [ann])
    else:
        with as_user(url, people["sam@example.com"]) as conn:
            conn.execute("select * from public.sign_out_everywhere(%s)", [ann])
            conn.commit()
    with pytest.raises(SessionExpired, match="session has ended"):
        gateway.backend.rpc(token, "me", {})
    other_works = ending == "sign out"  # only that one sign-in ended
    if other_works:
        assert gateway_of(other.account).call("me")
    else:
        with pytest.raises(SessionExpired):
            gateway_of(other.account).call("me")


def test_a_token_naming_someone_else_s_sign_in_is_refused(people, gateway_of) -> None:
    from dataclasses import replace

    from revos.gateway import SessionExpired

    url = people["url"]
    ann = accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7).account
    sam = accounts.sign_in(url, "sam@example.com", DEMO_PASSWORD, 7).account
    for session_id in (sam.session_id, str(uuid.uuid4()), "not-a-uuid"):
        with pytest.raises(SessionExpired):
            gateway_of(replace(ann, session_id=session_id)).call("me")


def test_the_rest_api_checks_the_session_before_every_request(people) -> None:
    """PostgREST (Supabase) runs `pgrst.db_pre_request` first, as the request's role: it is
    set for the authenticator in this database only (a PostgREST in front of another
    database of the server may not have the function), callable by a signed-in user's
    roles, and refuses anonymous requests outright (the app makes none)."""
    url, ann = people["url"], people["ann@example.com"]
    signed = accounts.sign_in(url, "ann@example.com", DEMO_PASSWORD, 7)
    with psycopg.connect(url) as conn:
        settings = conn.execute(
            "select d.datname, s.setconfig from pg_db_role_setting s "
            "left join pg_database d on d.oid = s.setdatabase "
            "where s.setrole = 'authenticator'::regrole"
        ).fetchall()
        here = conn.execute("select current_database()").fetchone()[0]
    hooks = {name: config for name, config in settings if "pgrst" in str(config)}
    assert hooks[here] == ["pgrst.db_pre_request=private.check_session"]
    assert None not in hooks  # not for the server's other databases
    with (
        as_user(url, None, role="anon") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("select private.check_session()")
    claims = {"sub": ann, "role": "authenticated", "session_id": signed.account.session_id}
    with psycopg.connect(url) as conn:
        conn.execute("set local role authenticated")
        conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
        conn.execute("select private.check_session()")  # live: passes
        conn.rollback()
    accounts.sign_out(url, signed.token)
    with psycopg.connect(url) as conn:
        conn.execute("set local role authenticated")
        conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
        with pytest.raises(psycopg.errors.InvalidAuthorizationSpecification):
            conn.execute("select private.check_session()")
