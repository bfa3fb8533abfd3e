"""RevOS Dashboard: the entry point. Signs the user in, then shows their role's pages."""

import streamlit as st

from revos.ui import auth, context, errors, navigation, time_zone, widgets
from revos.ui.text import literal

st.set_page_config(page_title="RevOS Dashboard", page_icon=":material/insights:", layout="wide")
navigation.one_history_entry_per_visit()


def cannot_start(message: str) -> None:
    """Show why the app cannot start; the menu stays empty (no page is reachable)."""
    st.navigation(
        [st.Page(lambda: st.error(message), title="RevOS Dashboard")], position="hidden"
    ).run()
    st.stop()


try:
    runtime = context.runtime()
except Exception as exc:  # configuration, schema or database: errors says which, in words
    cannot_start(errors.why_it_cannot_start(exc))


def sign_in() -> None:
    st.title("RevOS Dashboard")
    st.caption("Outreach analytics and approvals for your LinkedIn campaigns.")
    if st.session_state.pop(auth.SIGN_OUT_FAILED, False):
        st.warning("You are signed out here, but the database could not end the session.")
    auth.sign_in_form(runtime)
    auth.forget_cookie(runtime)


session = auth.current_session(runtime)
if session is None:
    # Signed out there is no sidebar; signing out with its button left the signed-in one's
    # empty frame on screen (its timer's block outlives the run). A sidebar without the menu
    # is hidden: once signed in, the menu shows it before the page draws (this style goes
    # only when the run ends).
    st.html(
        "<style>[data-testid='stSidebar']:not(:has([data-testid='stSidebarNav']))"
        " {display: none}</style>"
    )
    st.navigation(
        navigation.routable(navigation.signed_out_pages(sign_in)), position="hidden"
    ).run()
else:
    widgets.phone_layout()
    with st.sidebar:
        st.markdown(f"**{literal(session.full_name or session.email)}**  \n{session.email}")
        st.caption(session.role.replace("_", " ").title())
        time_zone.setting(context.gateway())
        auth.sign_out_button(runtime)
        auth.keep_cookie(runtime)
        auth.watch(runtime)
    with errors.banner_on_failure():  # what a page did not catch itself
        st.navigation(navigation.routable(navigation.pages_for(session.role))).run()
