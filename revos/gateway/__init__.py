"""The one door to the data: every read and write a user triggers goes through here, as them.

A `Gateway` belongs to one signed-in browser session. It normalises parameters to JSON
values (what PostgREST receives), passes the user's current JWT to a backend, and returns
rows as dicts or DataFrames. Reads may be cached, keyed by the verified user id.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from revos.gateway import tokens
from revos.gateway.cache import UserCache
from revos.gateway.errors import (
    AccessDenied,
    Conflict,
    DatabaseUnavailable,
    GatewayError,
    InvalidRequest,
    QueryTimeout,
    SessionExpired,
    UnknownFunction,
    UnsafeConnection,
)

__all__ = [
    "AccessDenied",
    "Backend",
    "Conflict",
    "DatabaseUnavailable",
    "Gateway",
    "GatewayError",
    "InvalidRequest",
    "QueryTimeout",
    "SessionExpired",
    "UnknownFunction",
    "UnsafeConnection",
    "UserSession",
    "to_json_params",
]


T = TypeVar("T")
# Pooled connections that pages' reads at once may hold beyond one per page being drawn, in
# the whole process (the psycopg pool has 8): past it, a page's reads run one after another.
SPARE_READS = threading.BoundedSemaphore(3)


class Backend(Protocol):
    def rpc(self, token: str, function: str, params: Mapping[str, Any]) -> Any: ...

    def close(self) -> None: ...


@dataclass
class UserSession:
    """Who is signed in, and their current token (renewed shortly before it expires).

    It lives in the browser session's state, so it holds no secret: the runtime's JWT secret
    is handed to `token_with` by the Gateway on each call.
    """

    user_id: str
    email: str
    role: str
    full_name: str | None
    session_id: str | None = None  # the sign-in this session's tokens belong to (sql/0082)
    _token: str | None = field(default=None, repr=False)
    _expires_at: float = field(default=0.0, repr=False)

    def token_with(self, jwt_secret: str) -> str:
        if self._token is None or self._expires_at - time.time() < tokens.RENEW_WITHIN_SECONDS:
            self._expires_at = time.time() + tokens.TOKEN_TTL_SECONDS
            self._token = tokens.mint(
                self.user_id,
                self.email,
                jwt_secret,
                role=tokens.database_role(self.role),
                session_id=self.session_id,
            )
        return self._token


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, np.ndarray):  # an embedding: PostgREST takes a vector as a JSON list
        return [float(v) for v in value]
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    return value


def to_json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as PostgREST receives them: JSON values, None left out (the SQL default)."""
    return {name: _json_value(value) for name, value in params.items() if value is not None}


class Gateway:
    def __init__(
        self,
        backend: Backend,
        session: UserSession,
        jwt_secret: str,
        cache: UserCache | None = None,
    ):
        self.backend = backend
        self.session = session
        self._secret = jwt_secret
        self._cache = cache

    @property
    def token(self) -> str:
        """The signed-in user's JWT, minted with the runtime's secret (never stored with them)."""
        return self.session.token_with(self._secret)

    def call(self, function: str, /, **params: Any) -> Any:
        """Run `public.<function>` as the signed-in user; no caching (use for writes)."""
        return self.backend.rpc(self.token, function, to_json_params(params))

    def rows(self, function: str, /, **params: Any) -> list[dict[str, Any]]:
        """A read, cached per user for a short time."""
        json_params = to_json_params(params)
        if self._cache is None:
            return self.backend.rpc(self.token, function, json_params)
        key = (function, json.dumps(json_params, sort_keys=True))
        return self._cache.get_or_load(
            self.session.user_id,
            key,
            lambda: self.backend.rpc(self.token, function, json_params),
        )

    def frame(self, function: str, /, **params: Any) -> pd.DataFrame:
        return pd.DataFrame(self.rows(function, **params))

    def at_once(self, *reads: Callable[[], T]) -> list[T]:
        """Independent reads run together, each on its own connection; results in order.

        Over every tenant a page waits on a few slow reads in a row (the Tenants page: two
        review summaries of about 2 s each at 10M leads); run together on two cores they
        take about as long as the slowest. Each read still runs as the user. The first runs
        in the caller's thread; each other one in a thread of its own while the process has
        a spare connection for it (SPARE_READS), else after the first, in the caller's: a
        few super admins on the Tenants page must not take the whole pool from everyone
        else. If any fails, the first failure in the order given is raised, once every read
        has ended."""
        self.session.token_with(self._secret)  # minted here, not by the threads at once
        with ThreadPoolExecutor(max_workers=max(1, len(reads) - 1)) as pool:
            aside = [_aside(pool, read) for read in reads[1:]]
            outcomes = [_outcome(reads[0])]
            outcomes += [
                future.result() if future else _outcome(read)
                for future, read in zip(aside, reads[1:], strict=True)
            ]
        for _, error in outcomes:
            if error is not None:
                raise error
        return [value for value, _ in outcomes]

    def invalidate(self) -> None:
        """Forget this user's cached reads (after a write)."""
        if self._cache is not None:
            self._cache.forget_user(self.session.user_id)


def _outcome(read: Callable[[], T]) -> tuple[T | None, Exception | None]:
    """A read's value, or the error it raised (kept, to be raised in the order asked)."""
    try:
        return read(), None
    except Exception as exc:
        return None, exc


def _aside(
    pool: ThreadPoolExecutor, read: Callable[[], T]
) -> Future[tuple[T | None, Exception | None]] | None:
    """The read started in a thread of its own if a spare connection is free, else None."""
    if not SPARE_READS.acquire(blocking=False):
        return None

    def run() -> tuple[T | None, Exception | None]:
        try:
            return _outcome(read)
        finally:
            SPARE_READS.release()

    return pool.submit(run)
