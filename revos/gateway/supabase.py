"""Hosted Supabase backend: PostgREST over HTTP through supabase-py.

One instance per browser session, never one per process: a supabase client carries the
Authorization header of whoever used it last, so a shared client would hand one user's
token to every user. The anon key goes as `apikey`, the user's JWT as `Authorization`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from postgrest.exceptions import APIError
from supabase import Client, create_client

from revos.gateway import tokens
from revos.gateway.errors import DatabaseUnavailable, SessionExpired, classify_sqlstate


class SupabaseBackend:
    def __init__(self, url: str, anon_key: str, jwt_secret: str) -> None:
        self._secret = jwt_secret
        self._client: Client = create_client(url, anon_key)
        # made once, now: supabase-py makes it on first use without a lock, and a page's reads
        # at once (Gateway.at_once) may be that first use
        self._postgrest = self._client.postgrest

    def close(self) -> None:
        self._postgrest.session.close()

    def rpc(self, token: str, function: str, params: Mapping[str, Any]) -> Any:
        try:
            tokens.verify(token, self._secret)
        except tokens.TokenError as exc:
            raise SessionExpired(str(exc)) from exc
        postgrest = self._postgrest
        postgrest.auth(token)
        try:
            return postgrest.rpc(function, dict(params)).execute().data
        except APIError as exc:
            if exc.code in ("PGRST301", "PGRST302", "PGRST303"):
                raise SessionExpired(f"Supabase refused the session token: {exc.message}") from exc
            raise classify_sqlstate(exc.code, exc.message or str(exc)) from exc
        except httpx.HTTPError as exc:
            raise DatabaseUnavailable(f"Supabase is not reachable right now ({exc}).") from exc
