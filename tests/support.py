"""Helpers the test modules share (fixtures stay in conftest.py)."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg

from revos.db import embedded, embedding_sync, migrations, seed
from revos.domain import embedders
from revos.gateway import Gateway, UserSession, tokens
from revos.gateway.postgres import PostgresBackend, act_as

DEMO_EMAILS = (
    "client1@revos.demo",
    "client2@revos.demo",
    "client3@revos.demo",
    "client4@revos.demo",
    "client5@revos.demo",
    "reviewer@revos.demo",
    "admin@revos.demo",
)


@dataclass(frozen=True)
class DemoUser:
    id: str
    email: str
    role: str
    assigned: frozenset[str]  # client ids, for a reviewer


@contextlib.contextmanager
def as_user(url: str, user_id: str | None, role: str | None = None):
    """A connection acting as PostgREST would for this user, rolled back afterwards.

    With no `role`, the one their token would claim (a super admin's is their own, 0048)."""
    with psycopg.connect(url) as conn:
        if user_id is None:
            conn.execute(f"set local role {role or 'anon'}")
        else:
            act_as(conn, user_id, role or token_role(conn, user_id))
        try:
            yield conn
        finally:
            conn.rollback()


def token_role(conn: psycopg.Connection, user_id: str) -> str:
    """The database role the user's token claims (read as superuser, before acting as them)."""
    found = conn.execute("select role from public.users where id = %s", [user_id]).fetchone()
    return tokens.database_role(found[0] if found else "client")


@dataclass
class ReviewWorld:
    """A small seeded database of its own, for tests that review (and so change) drafts."""

    service_url: str
    backend: PostgresBackend
    users: dict[str, tuple[str, str]]  # email -> (id, role)
    secret: str

    def gateway(self, email: str) -> Gateway:
        user_id, role = self.users[email]
        return Gateway(self.backend, UserSession(user_id, email, role, None), self.secret)

    def id(self, email: str) -> str:
        return self.users[email][0]

    def draft(self, owner: str, channel: str = "dm", offset: int = 0) -> str:
        """The id of one of `owner`'s drafts; tests pick distinct offsets to stay apart."""
        return self.one(
            "select m.id::text from public.messages m join public.users u on u.id = m.user_id "
            "where u.email = %s and m.channel = %s and m.status = 'draft' "
            "order by m.created_at, m.id offset %s limit 1",
            owner,
            channel,
            offset,
        )[0]

    def new_draft(self, owner: str, channel: str = "dm") -> str:
        """A draft of its own for one test: no other test reviews or edits it."""
        with psycopg.connect(self.service_url) as conn:
            return conn.execute(
                "insert into public.messages (user_id, lead_id, channel, content, subject) "
                "select l.user_id, l.id, %(channel)s, 'Hi, a draft for ' || l.name, "
                "case when %(channel)s = 'email' then 'A subject' end "
                "from public.leads l join public.users u on u.id = l.user_id "
                "where u.email = %(owner)s order by random() limit 1 returning id::text",
                {"owner": owner, "channel": channel},
            ).fetchone()[0]

    def post(self, owner: str, offset: int = 0) -> str:
        return self.one(
            "select p.id::text from public.posts p join public.users u on u.id = p.user_id "
            "where u.email = %s and p.status = 'draft' order by p.created_at, p.id "
            "offset %s limit 1",
            owner,
            offset,
        )[0]

    def version(self, draft_id: str) -> int:
        return self.one(
            "select version from public.messages where id = %s "
            "union all select version from public.posts where id = %s",
            draft_id,
            draft_id,
        )[0]

    def one(self, query: str, *params):
        with psycopg.connect(self.service_url) as conn:
            return conn.execute(query, params).fetchone()

    def audit_rows(self, item_id: str) -> list[tuple]:
        with psycopg.connect(self.service_url) as conn:
            return conn.execute(
                "select action, actor_id::text, content_before, content_after, reason "
                "from public.review_audit where item_id = %s order by created_at",
                [item_id],
            ).fetchall()


@contextlib.contextmanager
def seeded_database(
    server: embedded.EmbeddedServer, plan: seed.SeedPlan, prefix: str = "t"
) -> Iterator[tuple[str, str]]:
    """A database of its own on the session server, migrated and seeded by `plan`, for tests
    that change data; dropped after. Yields (its name, its superuser URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
        embedded.create_database(conn, name)
    url = server.url(database=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrations.migrate(conn)
            seed.seed(conn, plan)
        yield name, url
    finally:
        with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
            conn.execute(f'drop database "{name}" with (force)')


@contextlib.contextmanager
def review_world(server: embedded.EmbeddedServer, jwt_secret: str) -> Iterator[ReviewWorld]:
    """A fresh database on the session server, migrated and seeded small; dropped after."""
    plan = seed.SeedPlan(clients=3, leads_min=200, leads_max=300, seed=3)
    with seeded_database(server, plan, "review") as (name, url):
        with psycopg.connect(url) as conn:
            users = {
                email: (uid, role)
                for uid, email, role in conn.execute(
                    "select id::text, email, role from public.users"
                )
            }
        backend = PostgresBackend(
            server.url(database=name, user="authenticator"), jwt_secret, max_size=16
        ).open()
        try:
            yield ReviewWorld(url, backend, users, jwt_secret)
        finally:
            backend.close()


@dataclass
class ScratchDemo:
    """The demo data again, seeded and embedded exactly as `revos db start` does, in a
    database of its own: for the tests that approve, reject or claim drafts, so the shared
    demo database stays as seeded for every test that reads it."""

    url: str  # superuser
    backend: PostgresBackend
    secret: str
    users: dict  # email -> DemoUser (the seed's ids are the same in every demo database)
    settings: dict[str, str]  # the app's plain-Postgres settings for this database

    def gateway(self, email: str) -> Gateway:
        user = self.users[email]
        return Gateway(self.backend, UserSession(user.id, email, user.role, None), self.secret)


@contextlib.contextmanager
def scratch_demo(server: embedded.EmbeddedServer, jwt_secret: str, cookie_key: str, users):
    with seeded_database(server, seed.SeedPlan(), "scratch") as (name, url):
        with psycopg.connect(url, autocommit=True) as conn:
            embedding_sync.sync(conn, embedders.OFFLINE)
        gateway_url = server.url(database=name, user=embedded.GATEWAY_USER)
        backend = PostgresBackend(gateway_url, jwt_secret).open()
        settings = {
            "DATABASE_URL": url,
            "GATEWAY_DATABASE_URL": gateway_url,
            "SUPABASE_JWT_SECRET": jwt_secret,
            "COOKIE_KEY": cookie_key,
        }
        try:
            yield ScratchDemo(url, backend, jwt_secret, users, settings)
        finally:
            backend.close()


def shown(markdown: str) -> str:
    """What a person reads of Markdown that went through revos.ui.text.literal."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def draft_status(service_url: str, draft_id: str) -> str:
    """A message's or post's status, read as superuser."""
    with psycopg.connect(service_url) as conn:
        return conn.execute(
            "select status from public.messages where id = %s "
            "union all select status from public.posts where id = %s",
            [draft_id, draft_id],
        ).fetchone()[0]


def plans_and_rows(conn, query: str, params: dict | None = None) -> tuple[str, list]:
    """The plans of the statements a call runs inside, sent back by auto_explain, and the
    rows the call returned."""
    notices: list[str] = []
    conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    rows = conn.execute(query, params).fetchall()
    return "\n".join(notices), rows


@contextlib.contextmanager
def explained_as(url: str, user_id: str) -> Iterator[psycopg.Connection]:
    """A connection acting as the user with their token's role, whose nested statements
    auto_explain reports (loaded as superuser, before the role switch), and where even the
    demo's small rollup is big enough for a parallel scan."""
    with psycopg.connect(url) as conn:
        conn.execute("load 'auto_explain'")
        conn.execute("set local auto_explain.log_min_duration = 0")
        conn.execute("set local auto_explain.log_nested_statements = on")
        conn.execute("set local auto_explain.log_level = notice")
        conn.execute("set local min_parallel_table_scan_size = 0")
        act_as(conn, user_id, token_role(conn, user_id))
        try:
            yield conn
        finally:
            conn.rollback()
