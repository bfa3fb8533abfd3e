"""Which pages each role gets, and what every other page address shows. Built on every rerun.

Every known page address is always routable, so a bookmarked or shared link never meets
Streamlit's "page not found": signed out, each address shows the sign-in form and, once
signed in, the page itself with the link's filters; a page outside the role's menu says it
is not available for that role. The menu is convenience; RLS is the security.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import streamlit as st

OVERVIEW = ("app_pages/overview.py", "Overview", ":material/dashboard:")
FUNNELS = ("app_pages/funnels.py", "Funnels", ":material/filter_alt:")
LEADS = ("app_pages/leads.py", "Leads", ":material/group:")
MAGNETS = ("app_pages/lead_magnets.py", "Lead magnets", ":material/redeem:")
ADMIN = ("app_pages/admin.py", "Tenants", ":material/admin_panel_settings:")
APPROVALS = ("app_pages/approvals.py", "Approvals", ":material/fact_check:")
ALL_PAGES = (OVERVIEW, FUNNELS, LEADS, MAGNETS, ADMIN, APPROVALS)
# A page's address is its file's name, but where its title says otherwise: the Tenants page.
ADDRESSES = {ADMIN[0]: "tenants"}
# Addresses a page had before, kept so that bookmarks and shared links still open it.
MOVED = {"admin": ADMIN}
# The root page's reserved name: Streamlit serves a default page at the root only, so this
# address itself is not served (nothing links to it); it is known, so it gets no not-found page.
HOME = "home"

MENUS: dict[str, list[tuple[str, str, str]]] = {
    "client": [OVERVIEW, FUNNELS, LEADS, MAGNETS, APPROVALS],
    "reviewer": [APPROVALS, OVERVIEW, FUNNELS, LEADS],
    "super_admin": [OVERVIEW, FUNNELS, LEADS, MAGNETS, APPROVALS, ADMIN],
}


def url_path(page: tuple[str, str, str]) -> str:
    return ADDRESSES.get(page[0], Path(page[0]).stem)


def unknown_address() -> str | None:
    """The page address the browser asked for, when no page has it (else None)."""
    url = st.context.url
    if not isinstance(url, str):
        return None
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    path = urlparse(url).path.strip("/")
    if base and path.startswith(base):
        path = path[len(base) :].strip("/")
    known = {url_path(page) for page in ALL_PAGES} | set(MOVED) | {HOME}
    if not re.fullmatch(r"[A-Za-z0-9_-]+", path) or path in known:
        return None
    return path


def routable(pages: list[st.Page]) -> list[st.Page]:
    """`pages`, and the page the browser's address asks for when none of them has it."""
    unknown = unknown_address()
    return [*pages, page_at(unknown, pages)] if unknown else pages


def page_at(address: str, pages: list[st.Page]) -> st.Page:
    """What an address no page has shows: an address typed in other letters (`/Tenants`,
    `/Admin`) goes where its lower case does, with its filters; any other says not found."""
    # the root's page answers to "" (Streamlit's name for the default page), not to HOME
    wanted = "" if address.lower() == HOME else address.lower()
    same = next((page for page in pages if page.url_path == wanted), None)
    return _forward(address, same) if same is not None else not_found_page(address)


def not_found_page(address: str) -> st.Page:
    """A clear answer at an address nobody has, instead of a silent home page."""

    def page() -> None:
        st.title("Page not found")
        st.warning(f"There is no page at /{address}. Pick a page from the menu.")

    return st.Page(page, title="Page not found", url_path=address, visibility="hidden")


def pages_for(role: str) -> list[st.Page]:
    """The role's menu, plus every other page, hidden, saying it is not for this role.

    Every menu page has its own address, the first one too: the app's root is a hidden page
    that goes to the first page with the address's filters, as do the addresses pages had
    before (`MOVED`). (Streamlit serves its default
    page at the root only; a link to its own address, /overview say, met "page not found".)
    """
    entries = MENUS.get(role, [])
    served = {
        page: st.Page(page[0], title=page[1], icon=page[2], url_path=url_path(page))
        if page in entries
        else st.Page(
            _not_for_role(page[1]), title=page[1], url_path=url_path(page), visibility="hidden"
        )
        for page in ALL_PAGES
    }
    menu = [served[page] for page in entries]
    hidden = [served[page] for page in ALL_PAGES if page not in entries]
    moved = [_forward(old, served[page]) for old, page in MOVED.items()]
    return ([_forward(HOME, menu[0], default=True)] if menu else []) + menu + hidden + moved


def _forward(address: str, to: st.Page, default: bool = False) -> st.Page:
    """A hidden page at `address` that goes to `to`, keeping the address's query parameters:
    the app's root (the role's first page) and the addresses pages had before."""

    def go() -> None:
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        st.switch_page(to, query_params=params)

    return st.Page(go, title=to.title, url_path=address, default=default, visibility="hidden")


def signed_out_pages(sign_in: Callable[[], None]) -> list[st.Page]:
    """The sign-in form at the app's root and at every page address."""
    return [
        st.Page(sign_in, title="Sign in", icon=":material/login:", url_path=HOME, default=True)
    ] + [
        st.Page(sign_in, title="Sign in", url_path=address, visibility="hidden")
        for address in [*map(url_path, ALL_PAGES), *MOVED]
    ]


def _not_for_role(title: str) -> Callable[[], None]:
    def page() -> None:
        st.title(title)
        st.warning(f"{title} is not available for your role. Pick a page from the menu.")

    return page


# Streamlit pushes two history entries for one visit to a page that writes its filters into
# the address: the menu pushes the page's path, then the page's own write of ?period=… pushes
# again (sometimes first, on the page being left). Back then stayed on the page (a trial).
# In the page, one rule: each thing the user does (a click, a key, a step through history)
# or the page's load makes at most one history entry; the app's further pushes before the
# user's next action replace it. A period or a search the user picks is still a step that
# Back returns from; a root address that forwards to the first page leaves no entry behind.
_ONE_ENTRY_PER_VISIT = """<script>
if (!window.__revosOneEntryPerVisit) {
  window.__revosOneEntryPerVisit = true;
  const push = history.pushState.bind(history);
  const replace = history.replaceState.bind(history);
  // the current entry stands for the user's last action, or the load; a click that came
  // just before this script (a quick one after a load) is the user's, still to be spent
  let spent = !(navigator.userActivation && navigator.userActivation.isActive);
  window.addEventListener("pointerdown", (e) => { if (e.button <= 2) spent = false; }, true);
  window.addEventListener("keydown", () => { spent = false; }, true);
  window.addEventListener("popstate", () => { spent = true; });
  history.pushState = (state, title, url) => {
    if (spent) return replace(state, title, url);
    spent = true;
    return push(state, title, url);
  };
}
</script>"""


def one_history_entry_per_visit() -> None:
    """Installs the rule above in the browser's page, once, at the top of every run: drawn
    later (in a frame of the sidebar) it came after the first page's own write, so the first
    Back after a sign-in, a reload or a bookmark stayed on the page (a review). In the
    sidebar: in the page it pushed the title down by a line."""
    st.sidebar.html(_ONE_ENTRY_PER_VISIT, unsafe_allow_javascript=True)
