"""Accounts and reviewer assignments, for `revos users` (service role).

Roles live in `public.users.role` ('client', 'reviewer', 'super_admin'); a reviewer sees the
clients assigned to them in `reviewer_assignments`. On a hosted Supabase project accounts
are made by Supabase Auth (an invite or a sign-up), so `add` gives an existing auth account
its dashboard role; on plain Postgres it creates the account too, with a password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import bcrypt
import psycopg

ROLES = ("client", "reviewer", "super_admin")


class UserAdminError(ValueError):
    """The change was not made; the message says why and what to do."""


@dataclass(frozen=True)
class Added:
    email: str
    role: str
    created_account: bool
    password: str | None  # set when a password was generated for a new account


def add(
    conn: psycopg.Connection,
    email: str,
    role: str,
    *,
    full_name: str | None = None,
    password: str | None = None,
    create_accounts: bool = True,
) -> Added:
    """Give `email` a dashboard role, creating its auth account where we may."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserAdminError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    if "@" not in email:
        raise UserAdminError(f"{email!r} is not an email address.")
    with conn.transaction():
        row = conn.execute("select id from auth.users where lower(email) = %s", [email]).fetchone()
        generated, created = None, row is None
        if created:
            if not create_accounts:
                raise UserAdminError(
                    f"No Supabase Auth account has the email {email}: invite them in Supabase "
                    "first (Authentication > Users), then run this again."
                )
            generated = None if password else secrets.token_urlsafe(12)
            hashed = bcrypt.hashpw((password or generated).encode(), bcrypt.gensalt()).decode()
            row = conn.execute(
                "insert into auth.users (email, encrypted_password) values (%s, %s) returning id",
                [email, hashed],
            ).fetchone()
        conn.execute(
            "insert into public.users (id, email, role, full_name) values (%s, %s, %s, %s) "
            "on conflict (id) do update set role = excluded.role, "
            "full_name = coalesce(excluded.full_name, public.users.full_name)",
            [row[0], email, role, full_name],
        )
    return Added(email, role, created, generated)


def assign_reviewer(conn: psycopg.Connection, reviewer_email: str, client_email: str) -> bool:
    """Let a reviewer review a client's drafts; False if they already could."""
    return _change_assignment(
        conn,
        "insert into public.reviewer_assignments (reviewer_id, client_id) values (%s, %s) "
        "on conflict do nothing returning 1",
        reviewer_email,
        client_email,
    )


def unassign_reviewer(conn: psycopg.Connection, reviewer_email: str, client_email: str) -> bool:
    """Stop a reviewer reviewing a client; False if they did not."""
    return _change_assignment(
        conn,
        "delete from public.reviewer_assignments where reviewer_id = %s and client_id = %s "
        "returning 1",
        reviewer_email,
        client_email,
    )


def _change_assignment(conn, statement: str, reviewer_email: str, client_email: str) -> bool:
    with conn.transaction():
        pair = [_user(conn, reviewer_email, "reviewer"), _user(conn, client_email, "client")]
        return conn.execute(statement, pair).fetchone() is not None


def set_time_zone(conn: psycopg.Connection, email: str, zone: str) -> None:
    """The days a user's counts are made in (an IANA name); their rollups are recounted."""
    known = conn.execute("select private.is_time_zone(%s)", [zone]).fetchone()[0]
    if not known:
        raise UserAdminError(
            f"Unknown time zone {zone!r}: use an IANA name such as Europe/London or "
            "America/New_York."
        )
    with conn.transaction():
        changed = conn.execute(
            "update public.users set time_zone = %s where lower(email) = %s",
            [zone, email.strip().lower()],
        ).rowcount
    if not changed:
        raise UserAdminError(f"No dashboard user has the email {email}: `revos users add` first.")


def listing(conn: psycopg.Connection) -> list[tuple[str, str, str, str]]:
    """(email, role, time zone, the clients a reviewer reviews) for every dashboard user."""
    return conn.execute(
        "select u.email, u.role, u.time_zone, "
        "coalesce(string_agg(c.email, ', ' order by c.email), '') "
        "from public.users u "
        "left join public.reviewer_assignments a on a.reviewer_id = u.id "
        "left join public.users c on c.id = a.client_id "
        "group by u.email, u.role, u.time_zone order by u.role, u.email"
    ).fetchall()


def _user(conn: psycopg.Connection, email: str, role: str) -> str:
    row = conn.execute(
        "select id, role from public.users where lower(email) = %s", [email.strip().lower()]
    ).fetchone()
    if row is None:
        raise UserAdminError(f"No dashboard user has the email {email}: `revos users add` first.")
    if row[1] != role:
        raise UserAdminError(f"{email} is a {row[1]}, not a {role}.")
    return row[0]
