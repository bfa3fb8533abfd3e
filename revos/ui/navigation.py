"""Which pages each role gets. Built on every rerun from the signed-in user's role.

A page missing from a role's menu cannot be opened by that role through the app, and the
SQL behind it refuses the data anyway: the menu is convenience, RLS is the security.
"""

from __future__ import annotations

import streamlit as st

OVERVIEW = ("pages/overview.py", "Overview", ":material/dashboard:")
FUNNELS = ("pages/funnels.py", "Funnels", ":material/filter_alt:")
LEADS = ("pages/leads.py", "Leads", ":material/group:")
MAGNETS = ("pages/lead_magnets.py", "Lead magnets", ":material/redeem:")
ADMIN = ("pages/admin.py", "Tenants", ":material/admin_panel_settings:")
APPROVALS = ("pages/approvals.py", "Approvals", ":material/fact_check:")

MENUS: dict[str, list[tuple[str, str, str]]] = {
    "client": [OVERVIEW, FUNNELS, LEADS, MAGNETS, APPROVALS],
    "reviewer": [APPROVALS, OVERVIEW, FUNNELS, LEADS],
    "super_admin": [OVERVIEW, FUNNELS, LEADS, MAGNETS, APPROVALS, ADMIN],
}


def menu_titles(role: str) -> list[str]:
    return [title for _, title, _ in MENUS.get(role, [])]


def pages_for(role: str) -> list[st.Page]:
    return [
        st.Page(path, title=title, icon=icon, default=(index == 0))
        for index, (path, title, icon) in enumerate(MENUS.get(role, []))
    ]
