"""The sign-in form, the login cookie that keeps a browser signed in, and sign-out.

The cookie holds a random session token (see `revos.db.accounts`); the database decides whether
it is still live. Streamlit cannot set a cookie from the server, so a zero-height component
writes it in the browser (`SameSite=Strict`, `Secure` over HTTPS, expiring with the session),
and the server reads it from the request (`st.context.cookies`) when a tab opens or reloads.
"""

from __future__ import annotations

import datetime as dt
import time

import psycopg
import streamlit as st
from psycopg_pool import PoolTimeout

from revos.db import accounts
from revos.gateway import UserSession
from revos.gateway.runtime import Runtime
from revos.ui import context, cookies

TOKEN = "revos_session_token"  # this browser session's login token (the cookie's value)
EXPIRES = "revos_session_expires"
SIGNED_OUT = "revos_signed_out"  # set by sign-out: the cookie the request carried is dead
CHECKED = "revos_session_checked"  # when this tab last asked the database if it may go on
SIGN_OUT_FAILED = "revos_sign_out_failed"  # the database could not end the session
ENDED = "revos_session_ended"  # why this tab's session ended, for the sign-in form to say
ENDED_ELSEWHERE = (  # when the database cannot say why
    "Your session has ended: you signed out in another tab or browser, an administrator "
    "signed you out, your password changed, or it expired. Sign in to go on."
)
# What the sign-in form says, by the reason the database wrote when the session ended.
ENDED_BECAUSE = {
    "signed out": "You signed out in another tab or window. Sign in to go on.",
    "signed out by an administrator": (
        "An administrator signed you out of every browser. Sign in to go on."
    ),
    "signed out everywhere": "You signed out of every browser. Sign in to go on.",
    "password changed": (
        "Your password was changed, which signs you out everywhere. Sign in with the new password."
    ),
    "expired": "Your session expired. Sign in to go on.",
}
RECHECK_SECONDS = 10  # a sign-out elsewhere reaches an open tab within 10 to 15 s
WATCH_SECONDS = 5  # how often an idle tab looks whether a recheck is due


def current_session(rt: Runtime) -> UserSession | None:
    """The signed-in user: from this browser session, else from a live login cookie.

    An open tab asks the database again every RECHECK_SECONDS whether its session is still
    live, so a sign-out elsewhere, a password change or an administrator ends it here too.
    """
    session = context.current_session()
    if session is not None:
        return session if _still_live(rt) else None
    if st.session_state.get(SIGNED_OUT):
        return None
    token = _cookie(rt)
    if not token:
        return None
    try:
        account = accounts.resume(rt.service_url, token)
    except psycopg.Error:
        return None  # the sign-in form says the database is unavailable
    if account is None:  # revoked, expired, or never ours: forget it
        st.session_state[SIGNED_OUT] = True
        st.session_state[ENDED] = why_ended(rt, token)
        return None
    st.session_state[TOKEN] = token
    st.session_state[CHECKED] = time.monotonic()
    return context.start_session(account)


def watch(rt: Runtime) -> None:
    """A tab nobody touches still learns that its session ended (a sign-out elsewhere or
    everywhere, a password change): a fragment asks again on a timer, and when the session is
    over the whole page reruns, to the sign-in form. Without it the re-check ran only on the
    next click, and an idle tab kept showing the data."""

    @st.fragment(run_every=WATCH_SECONDS)
    def check() -> None:
        if context.current_session() is not None and not _still_live(rt):
            st.rerun(scope="app")

    check()


def _still_live(rt: Runtime) -> bool:
    if time.monotonic() - st.session_state.get(CHECKED, 0.0) < RECHECK_SECONDS:
        return True
    token = st.session_state.get(TOKEN)
    try:
        live = token is not None and accounts.is_live(rt.service_url, token)
    except (psycopg.Error, PoolTimeout):
        # the database is away: pages say so; the session is judged when it is back, a
        # recheck later (not on every tick, each waiting out a connection timeout)
        st.session_state[CHECKED] = time.monotonic()
        return True
    if not live:
        end_here(why_ended(rt, token))
        return False
    st.session_state[CHECKED] = time.monotonic()
    return True


def why_ended(rt: Runtime, token: str | None) -> str:
    """What the sign-in form says about a session that is over: the reason the database
    wrote, else (a token it never issued, or no answer) every reason a session can end."""
    try:
        reason = accounts.end_reason(rt.service_url, token) if token else None
    except (psycopg.Error, PoolTimeout):
        reason = None
    return ENDED_BECAUSE.get(reason or "", ENDED_ELSEWHERE)


def sign_in_form(rt: Runtime) -> None:
    """Email and password; on success the session starts and the page reruns as the user."""
    if why := st.session_state.get(ENDED):
        st.info(why, icon=":material/logout:")
    with st.form("sign_in"):
        st.subheader("Sign in to RevOS")
        email = st.text_input("Email", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        signed = accounts.sign_in(rt.service_url, email, password, rt.settings.cookie_expiry_days)
    except accounts.SignInRefused as exc:
        st.error(str(exc))
        return
    except psycopg.Error:
        st.error("Sign-in is unavailable: the database is not answering. Try again in a moment.")
        return
    st.session_state.pop(SIGNED_OUT, None)
    st.session_state.pop(ENDED, None)
    st.session_state[TOKEN] = signed.token
    st.session_state[EXPIRES] = signed.expires_at
    st.session_state[CHECKED] = time.monotonic()
    context.start_session(signed.account)
    st.rerun()


def keep_cookie(rt: Runtime) -> None:
    """While signed in: the browser holds the login cookie (the same element every run)."""
    token, expires = st.session_state.get(TOKEN), st.session_state.get(EXPIRES)
    if token and expires:
        cookies.write(rt.settings.cookie_name, token, expires)


def forget_cookie(rt: Runtime) -> None:
    """After sign-out: the browser drops the login cookie."""
    if st.session_state.get(SIGNED_OUT):
        cookies.write(rt.settings.cookie_name, "", dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


def sign_out_button(rt: Runtime) -> None:
    st.button("Sign out", on_click=_sign_out, args=(rt,), key="sign_out")


def _sign_out(rt: Runtime) -> None:
    """End the session in the database first, so a copied cookie stops working too."""
    token = st.session_state.get(TOKEN) or _cookie(rt)
    if token:
        try:
            accounts.sign_out(rt.service_url, token)
        except psycopg.Error:
            st.session_state[SIGN_OUT_FAILED] = True
    end_here()


def end_here(why: str | None = None) -> None:
    """This browser session is signed out: forget its token, user and cookie. Also for a
    super admin who signs themself out everywhere: this browser at once, not at its recheck."""
    for key in (TOKEN, EXPIRES):
        st.session_state.pop(key, None)
    st.session_state[SIGNED_OUT] = True
    if why:
        st.session_state[ENDED] = why
    context.end_session()


def _cookie(rt: Runtime) -> str | None:
    """The login cookie the browser sent when this tab connected (None outside a browser)."""
    return cookies.read(rt.settings.cookie_name)
