"""Who may log in: read from the database, never from a second hand-kept list.

This is one of the three jobs of the service-role connection (with migrations and seeding):
password hashes in `auth.users` are not readable by any API role, so the login check reads
them with the service role and then mints a user token for everything that follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    role: str
    full_name: str | None
    password_hash: str


_ACCOUNTS_SQL = """
select a.id::text, a.email, u.role, u.full_name, a.encrypted_password
from auth.users a
join public.users u on u.id = a.id
where a.encrypted_password is not null and a.email is not null
order by u.role, a.email
"""


def load_accounts(service_url: str) -> list[Account]:
    with psycopg.connect(service_url, autocommit=True, connect_timeout=5) as conn:
        return [Account(*row) for row in conn.execute(_ACCOUNTS_SQL).fetchall()]


def authenticator_credentials(accounts: list[Account]) -> dict[str, Any]:
    """The credentials mapping streamlit-authenticator expects, keyed by email."""
    return {
        "usernames": {
            account.email: {
                "email": account.email,
                "first_name": (account.full_name or account.email).split(" ")[0],
                "last_name": " ".join((account.full_name or "").split(" ")[1:]),
                "password": account.password_hash,
                "roles": [account.role],
            }
            for account in accounts
        }
    }
