"""Sign-in: who may log in, the password check, throttling and revocable sessions.

This is one of the three jobs of the service-role connection (with migrations and seeding):
password hashes in `auth.users` and the session records in `private` are not readable by any
API role, so the login check reads them with the service role; everything after sign-in runs
as the user, under their own JWT.

- The browser keeps a random session token in a cookie; the database keeps its SHA-256 in
  `private.login_sessions`, so sign-out, a password change or an administrator can end it
  for good (a copied cookie stops working).
- After 5 failures for one email within 15 minutes, that email waits (30 s, doubling, at
  most 15 minutes), counted in the database so it holds across restarts and app servers.
- An unknown email costs what a known one does (one bcrypt check against a stand-in hash, the
  same queries), and the message never says which part was wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import threading
from dataclasses import dataclass, replace

import bcrypt
import psycopg
from psycopg_pool import ConnectionPool

REFUSED = "That email and password do not match an account."
MAX_EMAIL = 320
# bcrypt cost 10, as Supabase Auth and the demo seed hash passwords
_STAND_IN_HASH = bcrypt.hashpw(b"no account has this password", bcrypt.gensalt(rounds=10))


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    role: str
    full_name: str | None
    password_hash: str
    session_id: str | None = None  # the sign-in (private.login_sessions) it came from


@dataclass(frozen=True)
class SignedIn:
    account: Account
    token: str  # for the cookie; the database only has its hash
    expires_at: dt.datetime


class SignInRefused(Exception):
    """The sign-in did not happen; `str(error)` is the sentence to show."""


_ACCOUNT_COLUMNS = "a.id::text, a.email, u.role, u.full_name, a.encrypted_password"

_ACCOUNT_SQL = f"""
select {_ACCOUNT_COLUMNS}
from auth.users a
join public.users u on u.id = a.id
where a.encrypted_password is not null and a.email is not null
"""


_SESSION_ID_SQL = "select id::text from private.login_sessions where token_hash = %s"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(service_url: str, email: str, password: str, days: float) -> SignedIn:
    """Check the password and start a session, or raise SignInRefused with why."""
    email = email.strip().lower()
    if not email or not password:
        raise SignInRefused("Enter your email and your password.")
    if len(email) > MAX_EMAIL or any(ord(c) < 32 for c in email + password):
        raise SignInRefused(REFUSED)
    with psycopg.connect(service_url, autocommit=True, connect_timeout=5) as conn:
        # counted as a failure before the password is checked; a success clears it
        wait = conn.execute(
            "select extract(epoch from private.begin_login_attempt(%s))::float", [email]
        ).fetchone()[0]
        if wait > 0:
            raise SignInRefused(
                f"Too many failed sign-ins for this email. Try again in {_wait_text(wait)}."
            )
        row = conn.execute(_ACCOUNT_SQL + " and lower(a.email) = %s", [email]).fetchone()
        account = Account(*row) if row else None
        stored = account.password_hash.encode() if account else _STAND_IN_HASH
        if not (_password_matches(password, stored) and account is not None):
            raise SignInRefused(REFUSED)
        token = secrets.token_urlsafe(32)
        expires_at = conn.execute(
            "select private.start_session(%s, %s, %s)",
            [account.user_id, token_hash(token), max(1, round(days))],
        ).fetchone()[0]
        session_id = conn.execute(_SESSION_ID_SQL, [token_hash(token)]).fetchone()[0]
    return SignedIn(replace(account, session_id=session_id), token, expires_at)


def _wait_text(seconds: float) -> str:
    if seconds < 60:
        return f"{math.ceil(seconds)} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def _password_matches(password: str, stored: bytes) -> bool:
    try:  # bcrypt reads at most 72 bytes; newer releases refuse longer input instead
        return bcrypt.checkpw(password.encode()[:72], stored)
    except ValueError:  # not a bcrypt hash: no password matches it
        return False


def resume(service_url: str, token: str) -> Account | None:
    """The account of a live session token (from the cookie), or None."""
    if not token:
        return None
    with psycopg.connect(service_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(
            f"select {_ACCOUNT_COLUMNS}, l.id::text from private.resume_session(%s) s (user_id) "
            "join private.login_sessions l on l.token_hash = %s "
            "join auth.users a on a.id = s.user_id join public.users u on u.id = a.id",
            [token_hash(token), token_hash(token)],
        ).fetchone()
    return Account(*row) if row else None


def is_live(service_url: str, token: str) -> bool:
    """Whether a session token is still live: every open tab asks every few seconds, so on
    a connection kept in a small pool, and without a write each time (0077)."""
    if not token:
        return False
    with _checks(service_url).connection() as conn:
        row = conn.execute("select private.session_is_live(%s)", [token_hash(token)]).fetchone()
    return bool(row and row[0])


def end_reason(service_url: str, token: str) -> str | None:
    """Why a session token's session ended ('signed out', 'signed out by an administrator',
    'signed out everywhere' (a super admin's own, 0079), 'password changed', 'expired'), or
    None while live or for a token never issued (0078).
    Asked once, when a tab finds its session over, so that its sign-in form can say why."""
    if not token:
        return None
    with _checks(service_url).connection() as conn:
        row = conn.execute("select private.session_end_reason(%s)", [token_hash(token)]).fetchone()
    return row[0] if row else None


_CHECK_POOLS: dict[str, ConnectionPool] = {}
_CHECK_POOLS_LOCK = threading.Lock()


def _checks(service_url: str) -> ConnectionPool:
    """The process's pool for session checks on `service_url`: two connections at most,
    closed after a minute idle; a caller gives up after 5 s, as a fresh connection would."""
    with _CHECK_POOLS_LOCK:
        if service_url not in _CHECK_POOLS:
            _CHECK_POOLS[service_url] = ConnectionPool(
                service_url,
                min_size=0,
                max_size=2,
                max_idle=60,
                timeout=5,
                reconnect_timeout=5,
                kwargs={"autocommit": True, "connect_timeout": 5},
                check=ConnectionPool.check_connection,
                open=True,
            )
        return _CHECK_POOLS[service_url]


def sign_out(service_url: str, token: str) -> None:
    """End this session in the database: its cookie, wherever copied, no longer signs in."""
    with psycopg.connect(service_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("select private.end_session(%s, 'signed out')", [token_hash(token)])
