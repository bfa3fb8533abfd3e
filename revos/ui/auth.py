"""Login with streamlit-authenticator, against the accounts stored in the database.

streamlit-authenticator renders the form, checks the bcrypt hash and keeps the signed
re-login cookie. What it knows of users comes from `auth.users` on every start, so there is
no second list to keep in sync. After it says yes, we mint the user's own JWT.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from revos import accounts
from revos.gateway import UserSession
from revos.runtime import Runtime
from revos.ui import context

LOGIN_FIELDS = {
    "Form name": "Sign in to RevOS",
    "Username": "Email",
    "Password": "Password",
    "Login": "Sign in",
}


def _authenticator(rt: Runtime, known: list[accounts.Account]) -> stauth.Authenticate:
    settings = rt.settings
    return stauth.Authenticate(
        accounts.authenticator_credentials(known),
        settings.cookie_name,
        rt.cookie_key,
        settings.cookie_expiry_days,
        auto_hash=False,
    )


def signed_in_user(rt: Runtime) -> tuple[UserSession | None, stauth.Authenticate]:
    """Render the login form when needed; the signed-in user's session once they are in."""
    known = context.load_accounts(rt.service_url)
    authenticator = _authenticator(rt, known)
    session = context.current_session()
    if session is not None and st.session_state.get("authentication_status"):
        return session, authenticator

    authenticator.login(location="main", fields=LOGIN_FIELDS)
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error("That email and password do not match an account.")
    if not status:
        return None, authenticator
    email = (st.session_state.get("username") or "").lower()
    account = next((a for a in known if a.email.lower() == email), None)
    if account is None:  # a cookie for an account that no longer exists
        authenticator.logout(location="unrendered")
        context.end_session()
        return None, authenticator
    return context.start_session(rt, account), authenticator


def logout_button(authenticator: stauth.Authenticate) -> None:
    authenticator.logout("Sign out", location="sidebar", callback=lambda _: context.end_session())
