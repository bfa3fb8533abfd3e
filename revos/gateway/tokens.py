"""User JWTs in Supabase's claim shape: minted at login, verified before any SQL runs.

The dashboard only ever mints `authenticated` tokens for users. The service role never
travels in a token: it is a superuser connection used for migrations, seeding and the
password check, and `verify` refuses a token that claims any other role.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

ALGORITHM = "HS256"
AUDIENCE = "authenticated"
USER_ROLE = "authenticated"
TOKEN_TTL_SECONDS = 3600
RENEW_WITHIN_SECONDS = 300


class TokenError(PermissionError):
    """The token is not one this app may act on; nothing was sent to the database."""


@dataclass(frozen=True)
class Claims:
    sub: str
    email: str | None
    exp: int
    raw: dict[str, Any]


def mint(user_id: str, email: str | None, secret: str, ttl: int = TOKEN_TTL_SECONDS) -> str:
    """A user token exactly like the ones Supabase Auth issues (HS256, aud/role authenticated)."""
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "email": email,
        "role": USER_ROLE,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl,
    }
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
    if raw.get("role") != USER_ROLE:
        raise TokenError(f"The session token was refused (role {raw.get('role')!r}).")
    if not str(raw["sub"]).strip():
        raise TokenError("The session token was refused (empty subject).")
    return Claims(sub=str(raw["sub"]), email=raw.get("email"), exp=int(raw["exp"]), raw=raw)
