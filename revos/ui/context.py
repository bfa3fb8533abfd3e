"""Process-wide resources (runtime, pool, accounts) and the signed-in user's gateway.

The psycopg pool is shared by every session: identity is set per transaction from each
user's token. A supabase-py client is created per browser session and kept in its session
state, never shared, because it carries the token of whoever used it last.
"""

from __future__ import annotations

import streamlit as st

from revos.config import Settings, load_settings
from revos.db import accounts
from revos.domain import rewrite
from revos.gateway import Backend, Gateway, UserSession
from revos.gateway.cache import UserCache
from revos.gateway.runtime import Runtime, resolve

SESSION_KEY = "revos_user_session"
SESSION_BACKEND_KEY = "revos_session_backend"


def runtime() -> Runtime:
    """The runtime for the current settings (a changed setting gets its own)."""
    return _runtime_for(load_settings())


@st.cache_resource(show_spinner="Starting the database…")
def _runtime_for(settings: Settings) -> Runtime:
    return resolve(settings)


@st.cache_resource
def _shared_backend(gateway_url: str | None, _runtime: Runtime) -> Backend | None:
    """One pool per database URL, shared by every session (identity is per transaction)."""
    return _runtime.shared_backend()


@st.cache_resource
def _user_cache(settings: Settings) -> UserCache:
    """One read cache per runtime: the same user's question to another database (another
    URL in the settings) must not be answered from this one's rows."""
    return UserCache(ttl=settings.read_cache_seconds)


def current_session() -> UserSession | None:
    return st.session_state.get(SESSION_KEY)


def start_session(account: accounts.Account) -> UserSession:
    session = UserSession(
        account.user_id, account.email, account.role, account.full_name, account.session_id
    )
    st.session_state[SESSION_KEY] = session
    return session


def end_session() -> None:
    for key in (SESSION_KEY, SESSION_BACKEND_KEY):
        st.session_state.pop(key, None)


def _backend(rt: Runtime) -> Backend:
    shared = _shared_backend(rt.gateway_url, rt)
    if shared is not None:
        return shared
    if SESSION_BACKEND_KEY not in st.session_state:
        st.session_state[SESSION_BACKEND_KEY] = rt.session_backend()
    return st.session_state[SESSION_BACKEND_KEY]


def gateway() -> Gateway:
    """The signed-in user's gateway; pages call this only after login."""
    session = current_session()
    if session is None:  # the session ended during this run: back to the sign-in form
        st.rerun()
    rt = runtime()
    return Gateway(_backend(rt), session, rt.jwt_secret, _user_cache(rt.settings))


def rewriter() -> rewrite.Rewriter | None:
    """The AI rewriter for the current settings, or None when no API key is configured."""
    return _rewriter_for(runtime().settings)


@st.cache_resource
def _rewriter_for(settings: Settings) -> rewrite.Rewriter | None:
    return rewrite.from_settings(settings)
