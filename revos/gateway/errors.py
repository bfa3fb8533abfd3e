"""Errors a page can show as a plain sentence. Nothing here carries a traceback to the user."""

from __future__ import annotations


class GatewayError(RuntimeError):
    """A call failed; `str(error)` is a sentence fit for an `st.error` banner."""


class DatabaseUnavailable(GatewayError):
    """The database could not be reached."""


class SessionExpired(GatewayError):
    """The token was refused: the user must log in again. No SQL was run."""


class AccessDenied(GatewayError):
    """The database refused the caller (RLS, a privilege, or a role check in a function)."""


class InvalidRequest(GatewayError):
    """The database refused the input (bad filter, bad value); nothing was changed."""


class Conflict(GatewayError):
    """Someone else changed the item first (e.g. a draft already reviewed); nothing changed."""


class QueryTimeout(GatewayError):
    """The query ran past the role's statement timeout and was stopped; nothing changed."""


class UnsafeConnection(GatewayError):
    """The gateway's connection could bypass RLS; it is refused before any user's call."""


class UnknownFunction(GatewayError):
    """The app asked for a function the database does not have (schema not migrated?)."""


# SQLSTATE classes that mean "your input was wrong", not "the system is broken"
INVALID_INPUT_STATES = ("22", "23", "P0001", "P0002", "P0003")


def classify_sqlstate(sqlstate: str | None, message: str) -> GatewayError:
    """Map a Postgres error code to the error a page knows how to present."""
    state = sqlstate or ""
    if state == "42501":
        return AccessDenied(message)
    if state == "28000":  # the token's sign-in has ended (sql/0082)
        return SessionExpired(message)
    if state in ("55000", "40001"):
        return Conflict(message)
    if state == "57014":
        return QueryTimeout(
            "The database took too long to answer and stopped the query. Narrow the filters "
            "or the period, or try again in a moment."
        )
    if state in ("42883", "PGRST202"):
        return UnknownFunction(f"The database has no such function: {message}")
    if state.startswith(INVALID_INPUT_STATES):
        return InvalidRequest(message)
    if state.startswith("08") or state.startswith("57P"):
        return DatabaseUnavailable(f"The database is not reachable right now ({message}).")
    return GatewayError(f"The database could not answer this request: {message}")
