"""Which pages each role gets. Built on every rerun from the signed-in user's role.

A page missing from a role's menu cannot be opened by that role through the app, and the
SQL behind it refuses the data anyway: the menu is convenience, RLS is the security.
"""

from __future__ import annotations

import streamlit as st

OVERVIEW = ("pages/overview.py", "Overview", ":material/dashboard:")

MENUS: dict[str, list[tuple[str, str, str]]] = {
    "client": [OVERVIEW],
    "reviewer": [OVERVIEW],
    "super_admin": [OVERVIEW],
}


def pages_for(role: str) -> list[st.Page]:
    return [
        st.Page(path, title=title, icon=icon, default=(index == 0))
        for index, (path, title, icon) in enumerate(MENUS.get(role, []))
    ]
