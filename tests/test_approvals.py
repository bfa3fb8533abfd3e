"""Reviewing drafts: the rules hold in the database, for every caller, under concurrency."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest

from revos.gateway import AccessDenied, Conflict, InvalidRequest
from tests.support import ReviewWorld, as_user, review_world


@pytest.fixture(scope="module")
def review_db(server, runtime) -> Iterator[ReviewWorld]:
    with review_world(server, runtime.jwt_secret) as made:
        yield made


def audit_rows(review_db: ReviewWorld, item_id: str) -> list[tuple]:
    return review_db.audit_rows(item_id)


def test_reviewer_approves_an_assigned_clients_draft(review_db: ReviewWorld) -> None:
    draft = review_db.draft("client1@revos.demo")
    before = review_db.one("select content from public.messages where id = %s", draft)[0]
    [row] = review_db.gateway("reviewer@revos.demo").call(
        "approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft)
    )
    reviewer_id = review_db.users["reviewer@revos.demo"][0]
    assert (row["status"], row["approved_by"], row["content"]) == ("approved", reviewer_id, before)
    assert audit_rows(review_db, draft) == [("approved", reviewer_id, before, before, None)]


def test_edit_then_approve_keeps_the_original_in_the_audit(review_db: ReviewWorld) -> None:
    draft = review_db.draft("client2@revos.demo", "email")
    before, subject = review_db.one(
        "select content, subject from public.messages where id = %s", draft
    )
    [row] = review_db.gateway("reviewer@revos.demo").call(
        "approve_draft",
        p_kind="message",
        p_id=draft,
        p_version=review_db.version(draft),
        p_content="Hi, a better email.",
        p_subject="A better subject",
    )
    assert (row["content"], row["subject"]) == ("Hi, a better email.", "A better subject")
    [audit] = audit_rows(review_db, draft)
    assert audit[0] == "edited_and_approved" and audit[2:4] == (before, "Hi, a better email.")
    assert (
        review_db.one("select subject_before from public.review_audit where item_id = %s", draft)[0]
        == subject
    )


def test_reject_needs_a_reason_and_records_it(review_db: ReviewWorld) -> None:
    draft = review_db.draft("client1@revos.demo", offset=3)
    gateway = review_db.gateway("client1@revos.demo")  # clients review their own drafts too
    for reason in ("", "   "):
        with pytest.raises(InvalidRequest, match="Say why"):
            gateway.call(
                "reject_draft",
                p_kind="message",
                p_id=draft,
                p_version=review_db.version(draft),
                p_reason=reason,
            )
    assert review_db.one("select status from public.messages where id = %s", draft)[0] == "draft"
    assert audit_rows(review_db, draft) == []
    [row] = gateway.call(
        "reject_draft",
        p_kind="message",
        p_id=draft,
        p_version=review_db.version(draft),
        p_reason="Too salesy",
    )
    assert row["status"] == "rejected"
    assert audit_rows(review_db, draft)[0][4] == "Too salesy"


def test_a_second_reviewer_is_told_who_was_first(review_db: ReviewWorld) -> None:
    draft = review_db.draft("client1@revos.demo", offset=5)
    review_db.gateway("reviewer@revos.demo").call(
        "approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft)
    )
    with pytest.raises(
        Conflict,
        match=r"already approved by Rita Reviewer \(reviewer@revos.demo\) at \d{4}-\d\d-\d\d",
    ):
        review_db.gateway("admin@revos.demo").call(
            "reject_draft",
            p_kind="message",
            p_id=draft,
            p_version=review_db.version(draft),
            p_reason="late",
        )
    assert len(audit_rows(review_db, draft)) == 1


@pytest.mark.parametrize(
    ("email", "owner"),
    [
        ("client3@revos.demo", "client1@revos.demo"),  # another tenant
        ("reviewer@revos.demo", "client3@revos.demo"),
    ],  # a client not assigned to the reviewer
)
def test_cross_tenant_and_unassigned_reviews_are_refused(review_db, email, owner) -> None:
    draft = review_db.draft(owner, offset=7)
    gateway = review_db.gateway(email)
    with pytest.raises(AccessDenied, match="no draft"):
        gateway.call(
            "approve_draft", p_kind="message", p_id=draft, p_version=review_db.version(draft)
        )
    with pytest.raises(AccessDenied, match="no draft"):
        gateway.call(
            "reject_draft",
            p_kind="message",
            p_id=draft,
            p_version=review_db.version(draft),
            p_reason="x",
        )
    # nor by writing the review straight into the audit trail, as the REST API would allow
    with (
        as_user(review_db.service_url, review_db.users[email][0]) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="no draft"),
    ):
        conn.execute(
            "insert into public.review_audit (item_kind, item_id, item_version, action) "
            "values ('message', %s, %s, 'approved')",
            [draft, review_db.version(draft)],
        )
    assert review_db.one("select status from public.messages where id = %s", draft)[0] == "draft"
    assert audit_rows(review_db, draft) == []


@pytest.mark.parametrize(
    ("assignment", "table"),
    [
        ("status = 'approved'", "messages"),
        ("approved_by = %(me)s", "messages"),
        ("status = 'approved'", "posts"),
        ("approved_by = %(me)s", "posts"),
    ],
)
def test_direct_updates_of_status_or_approver_are_refused(review_db, assignment, table) -> None:
    client_id = review_db.users["client1@revos.demo"][0]
    draft = review_db.one(
        f"select id::text from public.{table} where status = 'draft' and user_id = %s limit 1",
        client_id,
    )[0]
    with (
        as_user(review_db.service_url, client_id) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(
            f"update public.{table} set {assignment} where id = %(id)s",
            {"me": client_id, "id": draft},
        )


def test_approved_text_is_frozen_for_its_owner(review_db: ReviewWorld) -> None:
    client_id = review_db.users["client1@revos.demo"][0]
    approved = review_db.one(
        "select id::text from public.messages where status = 'sent' and user_id = %s limit 1",
        client_id,
    )[0]
    with as_user(review_db.service_url, client_id) as conn:
        changed = conn.execute(
            "update public.messages set content = 'changed' where id = %s", [approved]
        ).rowcount
    assert changed == 0


@pytest.mark.parametrize(
    ("channel", "params", "words"),
    [
        ("dm", {"p_content": ""}, "cannot be empty"),
        ("dm", {"p_content": " \n\t "}, "cannot be empty"),
        ("dm", {"p_content": "x" * 8001}, "at most 8,000 characters"),
        ("email", {"p_subject": "s" * 201}, "at most 200 characters"),
        ("email", {"p_subject": "  "}, "needs a subject"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(review_db, channel, params, words) -> None:
    draft = review_db.draft("client2@revos.demo", channel, offset=9)
    before = review_db.one(
        "select content, subject, status from public.messages where id = %s", draft
    )
    with pytest.raises(InvalidRequest, match=words):
        review_db.gateway("reviewer@revos.demo").call(
            "approve_draft",
            p_kind="message",
            p_id=draft,
            p_version=review_db.version(draft),
            **params,
        )
    assert (
        review_db.one("select content, subject, status from public.messages where id = %s", draft)
        == before
    )
    assert audit_rows(review_db, draft) == []


def test_a_dm_of_exactly_8000_characters_is_accepted(review_db: ReviewWorld) -> None:
    draft = review_db.draft("client2@revos.demo", "dm", offset=11)
    [row] = review_db.gateway("reviewer@revos.demo").call(
        "approve_draft",
        p_kind="message",
        p_id=draft,
        p_version=review_db.version(draft),
        p_content="y" * 8000,
    )
    assert row["status"] == "approved"


def test_unknown_kind_is_refused(review_db: ReviewWorld) -> None:
    with pytest.raises(InvalidRequest, match="message or a post"):
        review_db.gateway("admin@revos.demo").call(
            "approve_draft", p_kind="lead", p_id=str(uuid.uuid4()), p_version=1
        )


def test_posts_are_reviewed_too(review_db: ReviewWorld) -> None:
    client_id = review_db.users["client1@revos.demo"][0]
    post = review_db.one(
        "select id::text from public.posts where status = 'draft' and user_id = %s limit 1",
        client_id,
    )[0]
    [row] = review_db.gateway("admin@revos.demo").call(
        "approve_draft",
        p_kind="post",
        p_id=post,
        p_version=review_db.version(post),
        p_content="Edited post body.",
    )
    assert row["status"] == "approved" and row["content"] == "Edited post body."
    assert audit_rows(review_db, post)[0][0] == "edited_and_approved"


def test_the_audit_trail_is_append_only(review_db: ReviewWorld) -> None:
    audit_id = review_db.one("select id::text from public.review_audit limit 1")[0]
    with psycopg.connect(review_db.service_url) as conn:  # not even the superuser
        for statement in (
            "update public.review_audit set reason = 'x' where id = %s",
            "delete from public.review_audit where id = %s",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement, [audit_id])
            conn.rollback()
    reviewer_id = review_db.users["reviewer@revos.demo"][0]
    for statement in (
        "insert into public.review_audit (item_kind, actor_id) values ('post', gen_random_uuid())",
        "update public.review_audit set reason = 'x'",
        "delete from public.review_audit",
    ):
        with (
            as_user(review_db.service_url, reviewer_id) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(statement)


def test_concurrent_reviews_leave_exactly_one_action_per_draft(review_db: ReviewWorld) -> None:
    """Eight sessions race over the same twelve drafts; each draft gets one action, once."""
    drafts = [
        review_db.draft("client1@revos.demo", channel, offset=10 + n)
        for channel in ("dm", "email")
        for n in range(6)
    ]
    actors = ["reviewer@revos.demo", "admin@revos.demo", "client1@revos.demo"]
    versions = {draft: review_db.version(draft) for draft in drafts}
    outcomes: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(8)

    def reviewer(worker: int) -> None:
        gateway = review_db.gateway(actors[worker % 3])
        start.wait()
        for n, draft in enumerate(drafts):
            action = "approve_draft" if (worker + n) % 2 else "reject_draft"
            params = {} if action == "approve_draft" else {"p_reason": f"worker {worker}"}
            try:
                gateway.call(
                    action, p_kind="message", p_id=draft, p_version=versions[draft], **params
                )
                result = "ok"
            except Conflict:
                result = "conflict"
            with lock:
                outcomes[(draft, result)] += 1

    threads = [threading.Thread(target=reviewer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for draft in drafts:
        assert outcomes[(draft, "ok")] == 1
        assert outcomes[(draft, "conflict")] == 7
        assert len(audit_rows(review_db, draft)) == 1
        status = review_db.one("select status from public.messages where id = %s", draft)[0]
        assert status == (
            "rejected" if audit_rows(review_db, draft)[0][0] == "rejected" else "approved"
        )


def test_queue_history_and_metrics_follow_the_reviews(review_db: ReviewWorld) -> None:
    reviewer = review_db.gateway("reviewer@revos.demo")
    queue = reviewer.rows("approval_queue")
    assert queue and all(r["client"] for r in queue)
    assert [r["created_at"] for r in queue] == sorted(r["created_at"] for r in queue)
    clients = {r["client_id"] for r in queue}
    assigned = {review_db.users[f"client{n}@revos.demo"][0] for n in (1, 2)}
    assert clients <= assigned
    assert queue[0]["waiting_total"] == len(queue)
    emails = reviewer.rows("approval_queue", p_channel="email")
    assert emails and {r["channel"] for r in emails} == {"email"}
    assert all(r["subject"] for r in emails)

    history = reviewer.rows("review_history")
    assert any(h["action"] == "edited_and_approved" for h in history)
    [overall] = reviewer.rows("review_summary")
    assert (
        overall["reviewed"]
        == overall["approved_unedited"] + overall["edited"] + overall["rejected"]
    )
    per_reviewer = review_db.gateway("admin@revos.demo").rows(
        "review_summary", p_group_by="reviewer"
    )
    assert {r["group_label"] for r in per_reviewer} >= {"Rita Reviewer (reviewer@revos.demo)"}
    reasons = reviewer.rows("rejection_reasons")
    assert sum(r["rejections"] for r in reasons) == overall["rejected"]


def test_a_client_sees_only_their_own_queue(review_db: ReviewWorld) -> None:
    client_id = review_db.users["client3@revos.demo"][0]
    queue = review_db.gateway("client3@revos.demo").rows("approval_queue")
    assert queue and {r["client_id"] for r in queue} == {client_id}
