"""User JWTs in Supabase's claim shape: minted at login, verified before any SQL runs.

A user's token claims the database role their requests run as, as PostgREST reads it:
`authenticated` for clients and reviewers, `revos_super_admin` for super admins (a member of
`authenticated` whose one extra select policy lets the planner plan a read of every tenant
as one; sql/0048). The role decides plans, not rights: every policy still asks the database
who the caller is. The service role never travels in a token: it is a superuser connection
used for migrations, seeding and the password check, and `verify` refuses a token that
claims any other role.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

ALGORITHM = "HS256"
AUDIENCE = "authenticated"
USER_ROLE = "authenticated"
SUPER_ADMIN_ROLE = "revos_super_admin"
API_ROLES = frozenset({USER_ROLE, SUPER_ADMIN_ROLE})
TOKEN_TTL_SECONDS = 3600
RENEW_WITHIN_SECONDS = 300


class TokenError(PermissionError):
    """The token is not one this app may act on; nothing was sent to the database."""


@dataclass(frozen=True)
class Claims:
    sub: str
    email: str | None
    role: str
    exp: int
    raw: dict[str, Any]


def database_role(app_role: str) -> str:
    """The database role a user's requests run as, from their role in the app."""
    return SUPER_ADMIN_ROLE if app_role == "super_admin" else USER_ROLE


def mint(
    user_id: str,
    email: str | None,
    secret: str,
    ttl: int = TOKEN_TTL_SECONDS,
    role: str = USER_ROLE,
    session_id: str | None = None,
) -> str:
    """A user token in Supabase Auth's shape (HS256, aud authenticated), for `role`; with
    the sign-in's `session_id`, the database refuses it once that sign-in ends (sql/0082)."""
    if role not in API_ROLES:
        raise ValueError(f"Users' tokens claim an API role, not {role!r}.")
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "email": email,
        "role": role,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl,
    }
    if session_id is not None:
        claims["session_id"] = session_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str) -> Claims:
    """Check signature, algorithm, expiry, audience, subject and role, as PostgREST would."""
    try:
        raw = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("Your session has expired: please log in again.") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"The session token was refused ({exc}).") from exc
    if raw.get("role") not in API_ROLES:
        raise TokenError(f"The session token was refused (role {raw.get('role')!r}).")
    if not str(raw["sub"]).strip():
        raise TokenError("The session token was refused (empty subject).")
    return Claims(
        sub=str(raw["sub"]), email=raw.get("email"), role=raw["role"], exp=int(raw["exp"]), raw=raw
    )
