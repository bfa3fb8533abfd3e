"""JWTs are verified like PostgREST verifies them, before any SQL runs."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from revos.gateway import DatabaseUnavailable, SessionExpired, UserSession, tokens
from revos.gateway.postgres import PostgresBackend

SECRET = "s" * 40
USER_ID = "9b0a3a57-4d0c-4d38-9f0e-6a3b3c1d2e4f"


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": USER_ID,
        "email": "a@b.c",
        "role": "authenticated",
        "aud": "authenticated",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


BAD_TOKENS = {
    "wrong secret": lambda: jwt.encode(_claims(), "x" * 40, algorithm="HS256"),
    "alg none": lambda: _unsigned(_claims()),
    "expired": lambda: jwt.encode(_claims(exp=int(time.time()) - 10), SECRET, algorithm="HS256"),
    "wrong audience": lambda: jwt.encode(_claims(aud="service"), SECRET, algorithm="HS256"),
    "missing sub": lambda: jwt.encode(_claims(sub=None), SECRET, algorithm="HS256"),
    "service_role claim": lambda: jwt.encode(
        _claims(role="service_role"), SECRET, algorithm="HS256"
    ),
    "postgres claim": lambda: jwt.encode(_claims(role="postgres"), SECRET, algorithm="HS256"),
    "not a jwt": lambda: "not-a-token",
}


@pytest.fixture
def unreachable_backend():
    """A backend whose database does not exist: any SQL attempt would fail to connect."""
    backend = PostgresBackend("host=/nonexistent-socket-dir dbname=nothing", SECRET, timeout=1)
    backend.open()
    yield backend
    backend.close()


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_are_refused_before_any_sql(case: str, unreachable_backend) -> None:
    with pytest.raises(SessionExpired):
        unreachable_backend.rpc(BAD_TOKENS[case](), "me", {})


def test_a_good_token_does_reach_for_the_database(unreachable_backend) -> None:
    token = tokens.mint(USER_ID, "a@b.c", SECRET)
    with pytest.raises(DatabaseUnavailable, match="not reachable"):
        unreachable_backend.rpc(token, "me", {})


def test_minted_tokens_have_supabase_claim_shape() -> None:
    claims = tokens.verify(tokens.mint(USER_ID, "a@b.c", SECRET), SECRET)
    assert claims.raw["role"] == "authenticated" and claims.raw["aud"] == "authenticated"
    assert claims.sub == USER_ID and claims.email == "a@b.c"
    assert 3500 < claims.raw["exp"] - claims.raw["iat"] <= 3600


def test_expired_token_message_tells_the_user_what_to_do() -> None:
    token = jwt.encode(_claims(exp=int(time.time()) - 10), SECRET, algorithm="HS256")
    with pytest.raises(tokens.TokenError, match="log in again"):
        tokens.verify(token, SECRET)


def test_service_role_token_is_refused_by_the_real_database_path(runtime, backend) -> None:
    token = jwt.encode(_claims(role="service_role"), runtime.jwt_secret, algorithm="HS256")
    with pytest.raises(SessionExpired):
        backend.rpc(token, "me", {})


@pytest.mark.parametrize(
    ("app_role", "database_role"),
    [
        ("client", "authenticated"),
        ("reviewer", "authenticated"),
        ("super_admin", "revos_super_admin"),
    ],
)
def test_each_user_s_token_claims_the_database_role_of_their_app_role(
    app_role: str, database_role: str
) -> None:
    """The role claim is what PostgREST switches to; a super admin's has their own role."""
    session = UserSession(USER_ID, "a@b.c", app_role, None)
    claims = tokens.verify(session.token_with(SECRET), SECRET)
    assert claims.role == database_role == claims.raw["role"]
    assert claims.raw["aud"] == "authenticated"


def test_no_token_is_minted_for_a_role_that_is_not_an_api_role() -> None:
    for role in ("service_role", "postgres", "anon"):
        with pytest.raises(ValueError, match="API role"):
            tokens.mint(USER_ID, "a@b.c", SECRET, role=role)
