"""Cookies: read from the request a tab opened with, written by a script in the page.

Streamlit cannot set a cookie from the server, so a zero-height frame writes it with
`document.cookie` in the page; the server reads it (`st.context.cookies`) when a tab opens or
reloads, which is when session state starts empty.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import streamlit as st


def read(name: str) -> str | None:
    """The cookie the browser sent when this tab connected (None outside a browser)."""
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) and value else None


def write(name: str, value: str, expires: dt.datetime, slot: Any = st) -> None:
    """Set the cookie in the browser, for this site's every path, same-site requests only."""
    when = expires.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    script = f"""<script>
const page = window.parent;
const secure = page.location.protocol === "https:" ? "; Secure" : "";
page.document.cookie = {json.dumps(name)} + "=" + {json.dumps(value)}
  + "; Path=/; Expires={when}; SameSite=Strict" + secure;
</script>"""
    slot.iframe(script, height=1)  # an empty document (0 is refused; "content" gave 150 px)
