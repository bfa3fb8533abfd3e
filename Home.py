"""RevOS Dashboard: the entry point. Signs the user in, then shows their role's pages."""

import streamlit as st

from revos.config import ConfigError
from revos.migrations import MigrationError
from revos.ui import auth, context, navigation
from revos.ui.text import literal

st.set_page_config(page_title="RevOS Dashboard", page_icon=":material/insights:", layout="wide")


def cannot_start(message: str) -> None:
    """Show why the app cannot start; the menu stays empty (no page is reachable)."""
    st.navigation(
        [st.Page(lambda: st.error(message), title="RevOS Dashboard")], position="hidden"
    ).run()
    st.stop()


try:
    runtime = context.runtime()
except ConfigError as exc:
    cannot_start(f"The dashboard is not configured correctly: {exc}")
except MigrationError as exc:
    cannot_start(f"The database schema does not match sql/, so the dashboard cannot start: {exc}")
except Exception as exc:  # the database cannot be reached or prepared
    cannot_start(f"The database is unavailable, so the dashboard cannot start: {exc}")


def sign_in() -> None:
    st.title("RevOS Dashboard")
    st.caption("Outreach analytics and approvals for your LinkedIn campaigns.")
    try:
        session, _ = auth.signed_in_user(runtime)
    except Exception as exc:  # accounts could not be read
        st.error(f"Sign-in is unavailable because the database cannot be reached: {exc}")
        st.stop()
    if session is not None:
        st.rerun()


session = context.current_session() if st.session_state.get("authentication_status") else None
if session is None:
    st.navigation(
        [st.Page(sign_in, title="Sign in", icon=":material/login:")], position="hidden"
    ).run()
else:
    _, authenticator = auth.signed_in_user(runtime)
    with st.sidebar:
        st.markdown(f"**{literal(session.full_name or session.email)}**  \n{session.email}")
        st.caption(session.role.replace("_", " ").title())
        auth.logout_button(authenticator)
    st.navigation(navigation.pages_for(session.role)).run()
