"""Nothing unreviewed gets out, and a reviewer approves exactly what they read.

Every attack here goes the way a Supabase user could: straight at the tables and functions
granted to `authenticated`, with any columns and arguments, not through the page.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from revos.domain import periods
from revos.gateway import Conflict, InvalidRequest
from revos.gateway.postgres import act_as
from tests.support import ReviewWorld, as_user, review_world, token_role

ACTORS = ("client1@revos.demo", "reviewer@revos.demo", "admin@revos.demo")
# how audits and claims name people: the chosen name with the email they cannot change
RITA = "Rita Reviewer (reviewer@revos.demo)"
ADA = "Ada Admin (admin@revos.demo)"


@pytest.fixture(scope="module")
def review_db(server, runtime) -> Iterator[ReviewWorld]:
    with review_world(server, runtime.jwt_secret) as made:
        yield made


def _lead(review_db: ReviewWorld, owner: str) -> str:
    return review_db.one(
        "select id::text from public.leads where user_id = %s limit 1", review_db.id(owner)
    )[0]


def _cartridge(review_db: ReviewWorld, owner: str) -> str:
    return review_db.one(
        "select id::text from public.cartridges where user_id = %s limit 1", review_db.id(owner)
    )[0]


# --- drafts are born drafts ----------------------------------------------------------------

FORGED_MESSAGE_COLUMNS = {
    "status": "'approved'",
    "approved_by": "%(reviewer)s",
    "sent_at": "now()",
    "created_at": "'2000-01-01'",
    "updated_at": "'2000-01-01'",
    "version": "7",
    "id": "gen_random_uuid()",
}

FORGED_POST_COLUMNS = {
    "status": "'published'",
    "published_at": "now()",
    "likes": "999999",
    "comments": "5",
    "shares": "5",
    "linkedin_post_id": "'urn:li:1'",
    "approved_by": "%(reviewer)s",
    "created_at": "'2000-01-01'",
    "version": "7",
}


@pytest.mark.parametrize("email", ACTORS)
@pytest.mark.parametrize("column", sorted(FORGED_MESSAGE_COLUMNS))
def test_a_message_insert_cannot_forge(review_db: ReviewWorld, email: str, column: str) -> None:
    """Every user, on their own or an assigned client's lead, can't set what review decides."""
    lead = _lead(review_db, "client1@revos.demo")
    with (
        as_user(review_db.service_url, review_db.id(email)) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(
            f"insert into public.messages (lead_id, channel, content, {column}) "
            f"values (%(lead)s, 'dm', 'x', {FORGED_MESSAGE_COLUMNS[column]})",
            {"lead": lead, "reviewer": review_db.id("reviewer@revos.demo")},
        )


@pytest.mark.parametrize("email", ACTORS)
@pytest.mark.parametrize("column", sorted(FORGED_POST_COLUMNS))
def test_a_post_insert_cannot_forge(review_db: ReviewWorld, email: str, column: str) -> None:
    with (
        as_user(review_db.service_url, review_db.id(email)) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(
            f"insert into public.posts (user_id, content, {column}) "
            f"values (%(me)s, 'x', {FORGED_POST_COLUMNS[column]})",
            {"me": review_db.id(email), "reviewer": review_db.id("reviewer@revos.demo")},
        )


def test_a_plain_insert_is_a_fresh_draft(review_db: ReviewWorld) -> None:
    client = review_db.id("client1@revos.demo")
    with as_user(review_db.service_url, client) as conn:
        message = conn.execute(
            "insert into public.messages (lead_id, channel, content) values (%s, 'dm', 'Hi') "
            "returning status, approved_by, sent_at, version, user_id::text, "
            "now() - created_at, now() - updated_at",
            [_lead(review_db, "client1@revos.demo")],
        ).fetchone()
        post = conn.execute(
            "insert into public.posts (user_id, cartridge_id, content) values (%s, %s, 'A post') "
            "returning status, approved_by, published_at, version, likes + comments + shares, "
            "now() - created_at",
            [client, _cartridge(review_db, "client1@revos.demo")],
        ).fetchone()
    assert message[:5] == ("draft", None, None, 1, client)
    assert message[5].total_seconds() == 0 and message[6].total_seconds() == 0
    assert post[:5] == ("draft", None, None, 1, 0) and post[5].total_seconds() == 0


def test_nobody_inserts_drafts_for_another_tenant(review_db: ReviewWorld) -> None:
    """Reviewers and admins read a client's leads, but drafts are the client's to write."""
    for email in ("reviewer@revos.demo", "admin@revos.demo", "client3@revos.demo"):
        with (
            as_user(review_db.service_url, review_db.id(email)) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
        ):
            conn.execute(
                "insert into public.messages (lead_id, channel, content) values (%s, 'dm', 'x')",
                [_lead(review_db, "client1@revos.demo")],
            )


@pytest.mark.parametrize(
    ("table", "values", "words"),
    [
        ("messages", "(lead_id, channel, content) values (%(lead)s, 'dm', repeat('x', 8001))",
         "messages_content_length"),
        ("messages", "(lead_id, channel, content, subject) "
         "values (%(lead)s, 'email', repeat('x', 20001), 's')", "messages_content_length"),
        ("messages", "(lead_id, channel, content, subject) "
         "values (%(lead)s, 'email', 'x', repeat('s', 201))", "messages_subject_length"),
        ("posts", "(user_id, content) values (%(me)s, repeat('x', 3001))", "posts_content_length"),
    ],
)  # fmt: skip
def test_size_limits_hold_on_direct_inserts(review_db, table, values, words) -> None:
    client = review_db.id("client1@revos.demo")
    with (
        as_user(review_db.service_url, client) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match=words),
    ):
        conn.execute(
            f"insert into public.{table} {values}",
            {"lead": _lead(review_db, "client1@revos.demo"), "me": client},
        )


def test_size_limits_hold_on_direct_updates_and_the_limits_themselves_are_allowed(
    review_db,
) -> None:
    client = review_db.id("client1@revos.demo")
    dm, email = (
        review_db.new_draft("client1@revos.demo"),
        review_db.new_draft("client1@revos.demo", "email"),
    )
    post = review_db.post("client1@revos.demo")
    with as_user(review_db.service_url, client) as conn:
        for statement, params in (
            ("update public.messages set content = repeat('x', 8000) where id = %s", [dm]),
            ("update public.messages set content = repeat('x', 20000) where id = %s", [email]),
            ("update public.messages set subject = repeat('s', 200) where id = %s", [email]),
            ("update public.posts set content = repeat('x', 3000) where id = %s", [post]),
        ):
            assert conn.execute(statement, params).rowcount == 1
        for statement, params in (
            ("update public.messages set content = repeat('x', 8001) where id = %s", [dm]),
            ("update public.messages set content = repeat('x', 20001) where id = %s", [email]),
            ("update public.messages set subject = repeat('s', 201) where id = %s", [email]),
            ("update public.posts set content = repeat('x', 3001) where id = %s", [post]),
        ):
            conn.execute("savepoint s")
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(statement, params)
            conn.execute("rollback to savepoint s")


def test_only_approved_drafts_move_on_even_for_the_service_role(review_db: ReviewWorld) -> None:
    """The sending worker cannot send or publish a draft nobody approved."""
    draft, post = review_db.new_draft("client2@revos.demo"), review_db.post("client2@revos.demo")
    with psycopg.connect(review_db.service_url) as conn:
        for statement in (
            f"update public.messages set status = 'sent', sent_at = now() where id = '{draft}'",
            f"update public.posts set status = 'published', published_at = now() "
            f"where id = '{post}'",
        ):
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="cannot go"):
                conn.execute(statement)
            conn.rollback()
        reviewer = review_db.id("reviewer@revos.demo")
        for status in ("approved", "rejected"):  # a forged review, with a name on it
            with pytest.raises(
                psycopg.errors.ObjectNotInPrerequisiteState, match="only by a review"
            ):
                conn.execute(
                    f"update public.messages set status = '{status}', approved_by = %s "
                    f"where id = '{draft}'",
                    [reviewer],
                )
            conn.rollback()
        sent = conn.execute(
            "select id from public.messages where status = 'sent' limit 1"
        ).fetchone()[0]
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="sent to draft"):
            conn.execute("update public.messages set status = 'draft', sent_at = null "
                         "where id = %s", [sent])  # fmt: skip


# --- approve what you saw ------------------------------------------------------------------


def test_the_version_moves_with_content_subject_and_status_only(review_db: ReviewWorld) -> None:
    email = review_db.new_draft("client1@revos.demo", "email")
    client = review_db.id("client1@revos.demo")
    start = review_db.version(email)
    with as_user(review_db.service_url, client) as conn:
        steps = [
            conn.execute(
                f"update public.messages set {change} where id = %s returning version", [email]
            ).fetchone()[0]
            for change in (
                "content = content",  # no change
                "content = content || '!'",
                "subject = subject || '!'",
            )
        ]
        conn.commit()
    assert steps == [start, start + 1, start + 2]


def test_approving_text_changed_after_it_was_read_is_refused(review_db: ReviewWorld) -> None:
    """The reviewer reads version n; the client edits it; the reviewer's approve is refused."""
    draft = review_db.new_draft("client1@revos.demo")
    read = review_db.version(draft)
    with as_user(review_db.service_url, review_db.id("client1@revos.demo")) as conn:
        conn.execute("update public.messages set content = 'Buy now!!!' where id = %s", [draft])
        conn.commit()
    reviewer = review_db.gateway("reviewer@revos.demo")
    for function, extra in (("approve_draft", {}), ("reject_draft", {"p_reason": "No"})):
        with pytest.raises(Conflict, match=r"changed since you opened it \(you read version"):
            reviewer.call(function, p_kind="message", p_id=draft, p_version=read, **extra)
    assert review_db.one("select status from public.messages where id = %s", draft)[0] == "draft"
    assert review_db.audit_rows(draft) == []
    [row] = reviewer.call(
        "approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft)
    )
    assert (row["action"], row["content"]) == ("approved", "Buy now!!!")


def test_a_missing_version_is_refused(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client2@revos.demo")
    reviewer = review_db.gateway("reviewer@revos.demo")
    with pytest.raises(Conflict, match="did not say which version"):
        reviewer.call("approve_draft", p_kind="message", p_id=draft)
    with pytest.raises(Conflict, match="did not say which version"):
        reviewer.call("reject_draft", p_kind="message", p_id=draft, p_reason="x")
    assert review_db.audit_rows(draft) == []


def test_a_stale_review_after_another_review_names_the_first(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client2@revos.demo")
    read = review_db.version(draft)
    review_db.gateway("admin@revos.demo").call(
        "reject_draft", p_kind="message", p_id=draft, p_version=read, p_reason="Off-brand"
    )
    with pytest.raises(Conflict, match=r"already rejected by Ada Admin \(admin@revos.demo\)"):
        review_db.gateway("reviewer@revos.demo").call(
            "approve_draft", p_kind="message", p_id=draft, p_version=read
        )
    assert [a[0] for a in review_db.audit_rows(draft)] == ["rejected"]


def test_the_old_signatures_are_gone(review_db: ReviewWorld) -> None:
    with psycopg.connect(review_db.service_url) as conn:
        signatures = {
            row[0]
            for row in conn.execute(
                "select p.oid::regprocedure::text from pg_proc p "
                "where p.proname in ('approve_draft', 'reject_draft', 'approval_queue', "
                "'review_draft', 'assert_reviewable')"
            )
        }
    assert signatures == {
        "approve_draft(text,uuid,integer,text,text)",
        "reject_draft(text,uuid,integer,text)",
        "approval_queue(uuid,uuid,text,integer,integer)",
    }


# --- the audit tells the truth -------------------------------------------------------------


def test_a_review_written_straight_into_the_audit_is_checked_and_derived(review_db) -> None:
    """The REST path to the audit is the review itself: same checks, the action derived."""
    draft = review_db.new_draft("client1@revos.demo")
    before = review_db.one("select content from public.messages where id = %s", draft)[0]
    client = review_db.id("client1@revos.demo")
    with as_user(review_db.service_url, client) as conn:
        action = conn.execute(
            "insert into public.review_audit (item_kind, item_id, item_version, action, "
            "content_after) values ('message', %s, %s, 'edited_and_approved', null) "
            "returning action",
            [draft, review_db.version(draft)],
        ).fetchone()[0]
        conn.commit()
    assert action == "approved"  # nothing was edited, whatever the caller claimed
    assert review_db.audit_rows(draft) == [("approved", client, before, before, None)]


@pytest.mark.parametrize("actions", [("rejected",) * 3, ("approved",) * 2])
def test_one_insert_of_many_reviews_of_a_draft_records_none(review_db, actions) -> None:
    """A REST bulk insert is one statement: each of its audit rows was checked before the
    first moved the draft on, so one rejection was written as many, each with a reason of
    the writer's choosing (sql/0080). A draft is reviewed once at a version."""
    draft = review_db.new_draft("client1@revos.demo")
    version = review_db.version(draft)
    rows = ", ".join(["('message', %s, %s, %s, %s)"] * len(actions))
    values = [
        part
        for number, action in enumerate(actions)
        for part in (draft, version, action, f"Reason {number}" if action == "rejected" else None)
    ]
    with (
        as_user(review_db.service_url, review_db.id("reviewer@revos.demo")) as conn,
        pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="reviewed already"),
    ):
        conn.execute(
            "insert into public.review_audit (item_kind, item_id, item_version, action, reason) "
            f"values {rows}",
            values,
        )
    assert review_db.audit_rows(draft) == []
    assert review_db.one("select status from public.messages where id = %s", draft) == ("draft",)


@pytest.mark.parametrize(
    "column",
    ["actor_id", "client_id", "content_before", "created_at", "drafted_at", "actor_name", "id"],
)
def test_audit_facts_cannot_be_supplied(review_db: ReviewWorld, column: str) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    value = {
        "actor_id": review_db.id("reviewer@revos.demo"),
        "client_id": review_db.id("client1@revos.demo"),
        "content_before": "x",
        "created_at": "2000-01-01",
        "drafted_at": "2000-01-01",
        "actor_name": RITA,
        "id": "00000000-0000-0000-0000-000000000001",
    }[column]
    with (
        as_user(review_db.service_url, review_db.id("client1@revos.demo")) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(
            f"insert into public.review_audit (item_kind, item_id, item_version, action, {column}) "
            "values ('message', %s, %s, 'approved', %s)",
            [draft, review_db.version(draft), value],
        )


def test_an_unknown_action_is_refused(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    with (
        as_user(review_db.service_url, review_db.id("client1@revos.demo")) as conn,
        pytest.raises(psycopg.errors.InvalidParameterValue, match="approves or rejects"),
    ):
        conn.execute(
            "insert into public.review_audit (item_kind, item_id, item_version, action) "
            "values ('message', %s, %s, 'sent')",
            [draft, review_db.version(draft)],
        )


# private functions: only the read-only policy helpers are callable by the API roles
POLICY_HELPERS = {
    "is_super_admin()",
    "is_client()",  # whether the caller is a client: only clients create tenant rows
    "check_session()",  # before every request: the token's sign-in still live (raises if not)
    "owner_scope(uuid)",
    "visible_owners()",
    "utc_midnight(date)",
    "is_time_zone(text)",  # users.time_zone's check, run as whoever writes the row
    "day_start(date,text)",  # a day's first instant in a zone
    "commented_on_days(uuid[],timestamp with time zone,timestamp with time zone)",  # invoker
    "search_lead_ids(uuid[],text,integer)",  # ids of leads the caller may see; read under RLS after
    # the leads' filters as SQL (invoker), and a page's ids of leads the caller may see
    "lead_filters(uuid[],uuid[],text[],text[],text[],text[],timestamp with time zone,"
    "timestamp with time zone,uuid[])",
    "lead_page_ids(uuid[],uuid[],text[],text[],text[],text[],timestamp with time zone,"
    "timestamp with time zone,uuid[],text,boolean,integer,integer)",
    "magnet_counts(uuid[],date,date)",  # downloads per magnet, read under RLS (invoker)
    "embedding_model()",  # the library's model name
    "checked_query(extensions.vector,integer,text)",  # raises on bad match arguments
    "is_callers_approval(uuid,text,text,text)",  # the memory insert policy's check
}


def test_private_functions_are_not_callable_by_api_roles_except_read_only_helpers(
    review_db,
) -> None:
    with psycopg.connect(review_db.service_url) as conn:
        rows = conn.execute(
            "select regexp_replace(p.oid::regprocedure::text, '^private\\.', ''), r.rolname, "
            "p.provolatile "
            "from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "cross join (values ('anon'), ('authenticated')) as r (rolname) "
            "where n.nspname = 'private' and has_function_privilege(r.rolname, p.oid, 'execute')"
        ).fetchall()
        total = conn.execute(
            "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'private'"
        ).fetchone()[0]
    callable_by = {(name, role) for name, role, _ in rows}
    assert callable_by == {(name, "authenticated") for name in POLICY_HELPERS}
    # stable or immutable: they cannot write
    assert {volatility for _, _, volatility in rows} <= {"s", "i"}
    assert total > len(POLICY_HELPERS) + 5  # the trigger and review helpers exist, uncallable


def test_a_user_cannot_call_the_review_helpers(review_db: ReviewWorld) -> None:
    for call in (
        "select private.can_review(%s)",
        "select private.reviewed_sentence(%s, 'approved')",
    ):
        with (
            as_user(review_db.service_url, review_db.id("client1@revos.demo")) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"),
        ):
            conn.execute(call, [review_db.id("client1@revos.demo")])


def test_an_unassigned_reviewer_stops_seeing_the_clients_history(review_db: ReviewWorld) -> None:
    """Reviewers see only assigned clients, their own past reviews of them included."""
    draft = review_db.new_draft("client2@revos.demo")
    reviewer = review_db.gateway("reviewer@revos.demo")
    reviewer.call("approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft))
    client2 = review_db.id("client2@revos.demo")
    reviewer_id = review_db.id("reviewer@revos.demo")

    def seen() -> bool:
        return any(h["item_id"] == draft for h in reviewer.call("review_history"))

    assert seen()
    with psycopg.connect(review_db.service_url) as conn:
        conn.execute(
            "delete from public.reviewer_assignments where reviewer_id = %s and client_id = %s",
            [reviewer_id, client2],
        )
        conn.commit()
        try:
            assert not seen()
        finally:
            conn.execute(
                "insert into public.reviewer_assignments (reviewer_id, client_id) values (%s, %s)",
                [reviewer_id, client2],
            )
            conn.commit()
    assert seen()


def test_a_client_reads_who_reviewed_their_draft(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    review_db.gateway("reviewer@revos.demo").call(
        "approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft)
    )
    [state] = review_db.gateway("client1@revos.demo").call(
        "draft_state", p_kind="message", p_id=draft
    )
    assert (state["status"], state["last_action"], state["last_actor"]) == (
        "approved",
        "approved",
        RITA,
    )
    history = review_db.gateway("client1@revos.demo").call("review_history")
    assert next(h for h in history if h["item_id"] == draft)["reviewer"] == RITA


# --- working in parallel -------------------------------------------------------------------


def test_a_claim_holds_others_off_until_released(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    version = review_db.version(draft)
    reviewer, admin = (
        review_db.gateway("reviewer@revos.demo"),
        review_db.gateway("admin@revos.demo"),
    )
    [mine] = reviewer.call("claim_draft", p_kind="message", p_id=draft)
    assert mine["mine"] and mine["reviewer_name"] == RITA
    [theirs] = admin.call("claim_draft", p_kind="message", p_id=draft)
    assert not theirs["mine"] and theirs["reviewer_name"] == RITA
    queued = next(q for q in admin.call("approval_queue", p_limit=1000) if q["id"] == draft)
    assert queued["claimed_by_name"] == RITA
    with pytest.raises(
        Conflict, match=r"being reviewed by Rita Reviewer \(reviewer@revos.demo\) until"
    ):
        admin.call("approve_draft", p_kind="message", p_id=draft, p_version=version)
    # the client sees the claim too, and is held off like everyone else
    with pytest.raises(Conflict, match="being reviewed by Rita Reviewer"):
        review_db.gateway("client1@revos.demo").call(
            "approve_draft", p_kind="message", p_id=draft, p_version=version
        )
    assert reviewer.call("release_draft", p_id=draft) == [{"item_id": draft, "released": True}]
    [row] = admin.call("approve_draft", p_kind="message", p_id=draft, p_version=version)
    assert row["status"] == "approved"


@pytest.fixture
def admin_in_kolkata(review_db: ReviewWorld) -> Iterator[str]:
    """The admin reads the database's refusals in a zone no other actor here uses."""
    admin = review_db.gateway("admin@revos.demo")
    [before] = review_db.one(
        "select time_zone from public.users where id = %s", review_db.id("admin@revos.demo")
    )
    admin.call("set_my_time_zone", p_time_zone="Asia/Kolkata")
    yield "Asia/Kolkata"
    admin.call("set_my_time_zone", p_time_zone=before)


def test_refusals_tell_times_on_the_readers_clock(
    review_db: ReviewWorld, admin_in_kolkata: str
) -> None:
    """The bulk approval and any REST client show the database's own words: a claim's end
    and an earlier review must be on the reader's clock, as the app's own messages are."""
    claimed, reviewed = review_db.new_draft("client1@revos.demo"), None
    reviewer, admin = (
        review_db.gateway("reviewer@revos.demo"),
        review_db.gateway("admin@revos.demo"),
    )
    reviewer.call("claim_draft", p_kind="message", p_id=claimed)
    [until] = review_db.one(
        "select expires_at from public.review_claims where item_id = %s", claimed
    )
    with pytest.raises(Conflict) as held_off:
        admin.call(
            "approve_draft", p_kind="message", p_id=claimed, p_version=review_db.version(claimed)
        )
    assert f"until {periods.clock(until, admin_in_kolkata)}." in str(held_off.value)

    reviewed = review_db.new_draft("client1@revos.demo")
    reviewer.call(
        "approve_draft", p_kind="message", p_id=reviewed, p_version=review_db.version(reviewed)
    )
    [at] = review_db.one(
        "select max(created_at) from public.review_audit where item_id = %s", reviewed
    )
    with pytest.raises(Conflict) as too_late:
        admin.call("claim_draft", p_kind="message", p_id=reviewed)
    assert f"at {periods.clock(at, admin_in_kolkata)}." in str(too_late.value)


def test_a_claim_expires_on_its_own(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    reviewer, admin = (
        review_db.gateway("reviewer@revos.demo"),
        review_db.gateway("admin@revos.demo"),
    )
    [claim] = reviewer.call("claim_draft", p_kind="message", p_id=draft)
    with psycopg.connect(review_db.service_url) as conn:
        minutes = conn.execute(
            "select extract(epoch from expires_at - claimed_at) / 60 from public.review_claims "
            "where item_id = %s",
            [draft],
        ).fetchone()[0]
        conn.execute(
            "update public.review_claims set expires_at = now() - interval '1 second' "
            "where item_id = %s",
            [draft],
        )
        conn.commit()
    assert minutes == 5
    [taken] = admin.call("claim_draft", p_kind="message", p_id=draft)
    assert taken["mine"] and taken["reviewer_name"] == ADA
    assert claim["mine"]


def test_a_review_releases_the_claim(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    reviewer = review_db.gateway("reviewer@revos.demo")
    reviewer.call("claim_draft", p_kind="message", p_id=draft)
    reviewer.call("approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft))
    assert (
        review_db.one("select count(*) from public.review_claims where item_id = %s", draft)[0] == 0
    )
    with pytest.raises(Conflict, match="already approved by Rita Reviewer"):
        review_db.gateway("admin@revos.demo").call("claim_draft", p_kind="message", p_id=draft)


def test_claims_cannot_be_forged_stolen_or_made_on_foreign_drafts(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    reviewer_id, admin_id = review_db.id("reviewer@revos.demo"), review_db.id("admin@revos.demo")
    review_db.gateway("reviewer@revos.demo").call("claim_draft", p_kind="message", p_id=draft)
    with as_user(review_db.service_url, review_db.id("client1@revos.demo")) as conn:
        stolen = conn.execute(
            "delete from public.review_claims where item_id = %s", [draft]
        ).rowcount
    assert stolen == 0  # the draft's owner cannot clear a reviewer's live claim
    with as_user(review_db.service_url, admin_id) as conn:  # a super admin may break it
        assert (
            conn.execute("delete from public.review_claims where item_id = %s", [draft]).rowcount
            == 1
        )
    for column, value in (("reviewer_id", admin_id), ("expires_at", "2100-01-01")):
        with (
            as_user(review_db.service_url, reviewer_id) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(
                f"insert into public.review_claims (item_kind, item_id, {column}) "
                "values ('message', %s, %s)",
                [review_db.new_draft("client2@revos.demo"), value],
            )
    with pytest.raises(Exception, match="no draft"):
        review_db.gateway("reviewer@revos.demo").call(
            "claim_draft", p_kind="message", p_id=review_db.new_draft("client3@revos.demo")
        )
    with pytest.raises(Exception, match="no draft"):
        review_db.gateway("client3@revos.demo").call("claim_draft", p_kind="message", p_id=draft)


def test_claims_are_seen_by_whoever_sees_the_draft(review_db: ReviewWorld) -> None:
    drafts = {
        owner: review_db.new_draft(owner) for owner in ("client1@revos.demo", "client3@revos.demo")
    }
    admin = review_db.gateway("admin@revos.demo")
    for draft in drafts.values():
        admin.call("claim_draft", p_kind="message", p_id=draft)
    expected = {
        "client1@revos.demo": {drafts["client1@revos.demo"]},
        "client3@revos.demo": {drafts["client3@revos.demo"]},
        "client2@revos.demo": set(),
        "reviewer@revos.demo": {drafts["client1@revos.demo"]},  # client3 is not assigned
        "admin@revos.demo": set(drafts.values()),
    }
    for email, wanted in expected.items():
        with as_user(review_db.service_url, review_db.id(email)) as conn:
            seen = {r[0] for r in conn.execute("select item_id::text from public.review_claims")}
        assert seen & set(drafts.values()) == wanted, email
    for draft in drafts.values():
        admin.call("release_draft", p_id=draft)


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_pages_through_everything_without_a_silent_cap(review_db: ReviewWorld) -> None:
    admin = review_db.gateway("admin@revos.demo")
    everything = admin.call("approval_queue", p_limit=1000)
    total = everything[0]["waiting_total"]
    assert total == len(everything) > 10
    pages = [
        admin.call("approval_queue", p_limit=7, p_offset=offset) for offset in range(0, total, 7)
    ]
    assert [row["id"] for page in pages for row in page] == [row["id"] for row in everything]
    assert {page[0]["waiting_total"] for page in pages} == {total}
    with pytest.raises(InvalidRequest, match="offset 0"):
        admin.call("approval_queue", p_offset=-1)
    with pytest.raises(InvalidRequest, match="dm, email and post"):
        admin.call("approval_queue", p_channel="message")


# --- what was reviewed is what goes out (found in review) ----------------------------------


def test_reviewed_text_is_frozen_for_every_role(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo", "email")
    review_db.gateway("reviewer@revos.demo").call(
        "approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft)
    )
    with psycopg.connect(review_db.service_url) as conn:  # the service role (sending worker)
        for change in ("content = 'Text nobody read'", "subject = 'Another subject'"):
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="frozen"):
                conn.execute(f"update public.messages set {change} where id = %s", [draft])
            conn.rollback()
        conn.execute(
            "update public.messages set status = 'sent', sent_at = now() where id = %s", [draft]
        )  # sending what was approved is the worker's job


def test_a_posts_image_is_part_of_what_is_reviewed(review_db: ReviewWorld) -> None:
    post = review_db.post("client3@revos.demo")
    read = review_db.version(post)
    with as_user(review_db.service_url, review_db.id("client3@revos.demo")) as conn:
        conn.execute(
            "update public.posts set image_url = 'https://img.example/new.png' where id = %s",
            [post],
        )
        conn.commit()
    assert review_db.version(post) == read + 1
    with pytest.raises(Conflict, match="changed since you opened it"):
        review_db.gateway("admin@revos.demo").call(
            "approve_draft", p_kind="post", p_id=post, p_version=read
        )
    queued = {
        q["id"]: q
        for q in review_db.gateway("admin@revos.demo").call(
            "approval_queue", p_channel="post", p_limit=1000
        )
    }
    assert queued[post]["image_url"] == "https://img.example/new.png"


def test_a_review_without_an_action_or_a_user_is_refused(review_db: ReviewWorld) -> None:
    draft = review_db.new_draft("client1@revos.demo")
    with (
        as_user(review_db.service_url, review_db.id("client1@revos.demo")) as conn,
        pytest.raises(psycopg.errors.InvalidParameterValue, match="approves or rejects"),
    ):
        conn.execute(
            "insert into public.review_audit (item_kind, item_id, item_version) "
            "values ('message', %s, %s)",
            [draft, review_db.version(draft)],
        )
    with (
        psycopg.connect(review_db.service_url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="Sign in"),
    ):  # the service role without a user's identity cannot review either
        conn.execute(
            "insert into public.review_audit (item_kind, item_id, item_version, action) "
            "values ('message', %s, %s, 'approved')",
            [draft, review_db.version(draft)],
        )
    assert review_db.audit_rows(draft) == []


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"p_content": "\u200b\u2060 "}, "cannot be empty"),
        ({"p_subject": "Quick question\r\nBcc: all@evil.example"}, "one line"),
        ({"p_subject": "\u200b"}, "needs a subject"),
    ],
)
def test_invisible_text_and_multi_line_subjects_are_refused(review_db, params, words) -> None:
    draft = review_db.new_draft("client2@revos.demo", "email")
    with pytest.raises(InvalidRequest, match=words):
        review_db.gateway("reviewer@revos.demo").call(
            "approve_draft",
            p_kind="message",
            p_id=draft,
            p_version=review_db.version(draft),
            **params,
        )
    with (
        as_user(review_db.service_url, review_db.id("client2@revos.demo")) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match="messages_subject_one_line"),
    ):
        conn.execute("update public.messages set subject = E'a\\nb' where id = %s", [draft])


def test_nobody_holds_more_than_five_drafts_at_once(review_db: ReviewWorld) -> None:
    reviewer = review_db.gateway("reviewer@revos.demo")
    with psycopg.connect(review_db.service_url) as conn:  # start from no claims of hers
        conn.execute(
            "delete from public.review_claims where reviewer_id = %s",
            [review_db.id("reviewer@revos.demo")],
        )
    drafts = [review_db.new_draft("client2@revos.demo") for _ in range(6)]
    for draft in drafts[:5]:
        [claim] = reviewer.call("claim_draft", p_kind="message", p_id=draft)
        assert claim["mine"]
    with pytest.raises(Conflict, match="reviewing 5 drafts already"):
        reviewer.call("claim_draft", p_kind="message", p_id=drafts[5])
    [renewed] = reviewer.call("claim_draft", p_kind="message", p_id=drafts[0])
    assert renewed["mine"]  # renewing one you hold is fine
    for draft in drafts[:5]:
        reviewer.call("release_draft", p_id=draft)


def test_a_reviewer_named_like_the_admin_is_told_apart_by_email(review_db: ReviewWorld) -> None:
    """A reviewer who named themself "Ada Admin" read as the super admin in the reviews per
    reviewer (two rows "Ada Admin"): each is named with the email they cannot change (0085)."""
    reviewer, admin = review_db.id("reviewer@revos.demo"), review_db.id("admin@revos.demo")
    with psycopg.connect(review_db.service_url) as conn:
        conn.execute("update public.users set full_name = 'Ada Admin' where id = %s", [reviewer])
        for actor in (reviewer, admin):  # a review by each, so both are listed
            draft = conn.execute(
                "select m.id::text from public.messages m where m.status = 'draft' "
                "and m.user_id = any (select client_id from public.reviewer_assignments "
                "where reviewer_id = %s) limit 1",
                [reviewer],
            ).fetchone()[0]
            act_as(conn, actor, token_role(conn, actor))
            conn.execute(
                "insert into public.review_audit (item_kind, item_id, item_version, action, "
                "reason) select 'message', id, version, 'rejected', 'Off tone' "
                "from public.messages where id = %s",
                [draft],
            )
            conn.execute("reset role")
        act_as(conn, admin, token_role(conn, admin))
        labels = {
            group: label
            for group, label in conn.execute(
                "select group_id::text, group_label from public.review_summary("
                "p_group_by => 'reviewer') where group_id = any (%s::uuid[])",
                [[reviewer, admin]],
            )
        }
        conn.rollback()
    assert labels == {
        reviewer: "Ada Admin (reviewer@revos.demo)",
        admin: "Ada Admin (admin@revos.demo)",
    }
