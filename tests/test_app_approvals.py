"""The Approvals page through AppTest: act on drafts, keep edits, rewrite in voice."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import psycopg
import pytest

from revos.domain import rewrite
from tests.apptest import open_page, signed_in
from tests.fake_openai import REWRITTEN, fake_openai
from tests.support import draft_status, shown

# approving changes data: these run against a demo database of their own (`scratch`)
pytestmark = pytest.mark.usefixtures("scratch_app")


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def waiting(at) -> int:
    return int(next(m for m in at.metric if m.label == "Waiting").value.replace(",", ""))


def status_of(scratch, draft_id: str) -> str:
    return draft_status(scratch.url, draft_id)


def current_draft_id(at) -> str:
    return next(t.key for t in at.text_area if t.label == "Draft").removeprefix("content-")


def test_reviewer_approves_the_oldest_draft_and_the_next_appears(scratch) -> None:
    at = signed_in("reviewer@revos.demo")
    assert not at.exception and [t.value for t in at.title] == ["Approvals"]
    before, first = waiting(at), current_draft_id(at)
    button(at, "Approve").click().run()
    assert not at.exception
    assert any(s.value.startswith("Approved the") for s in at.success)
    assert waiting(at) == before - 1
    assert current_draft_id(at) != first
    assert status_of(scratch, first) == "approved"


def test_a_refused_rejection_keeps_the_edit(scratch) -> None:
    at = signed_in("reviewer@revos.demo")
    draft = current_draft_id(at)
    editor = next(t for t in at.text_area if t.label == "Draft")
    editor.input("My careful edit.").run()
    button(at, "Reject").click().run()  # no reason given
    assert any("Say why" in e.value for e in at.error)
    assert next(t for t in at.text_area if t.label == "Draft").value == "My careful edit."
    assert status_of(scratch, draft) == "draft"


def test_a_refusal_is_a_toast_too_and_an_overlong_count_is_red(scratch) -> None:
    """A trial pasted 9,500 characters and pressed Approve at the foot of the card: the
    refusal was drawn above the tabs, off screen, and the count read as it always does."""
    from revos.ui import review

    at = open_page(signed_in("reviewer@revos.demo"), "app_pages/approvals.py", kind="dm")
    draft = current_draft_id(at)
    long = "x" * (review.DM_LIMIT + 1500)
    next(t for t in at.text_area if t.label == "Draft").input(long).run()
    assert any("1,500 over the limit" in c.value and ":red[" in c.value for c in at.caption)
    button(at, "Approve").click().run()
    # shown literally: the toast's Markdown escapes the figures' commas and brackets
    assert any("at most 8" in t.value and "edits are kept" in t.value for t in at.toast)
    assert next(t for t in at.text_area if t.label == "Draft").value == long
    assert status_of(scratch, draft) == "draft"


def test_rewrite_is_disabled_without_a_key() -> None:
    """Reviewers and clients cannot set the server's environment: only the super admin is
    told which setting turns it on (a browser trial found clients told to set an API key)."""
    at = signed_in("reviewer@revos.demo")
    assert button(at, "Rewrite in voice").disabled
    captions = [c.value for c in at.caption]
    assert rewrite.NOT_SET_UP in captions and not any("OPENAI" in c for c in captions)
    at = open_page(signed_in("admin@revos.demo"), "app_pages/approvals.py")
    assert any(rewrite.DISABLED_REASON in c.value for c in at.caption)


def test_rewrite_proposes_and_the_reviewer_accepts_it(scratch, monkeypatch) -> None:
    with fake_openai() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        at = signed_in("reviewer@revos.demo")
        draft = current_draft_id(at)
        original = next(t for t in at.text_area if t.label == "Draft").value
        button(at, "Rewrite in voice").click().run()
        assert not at.exception and not at.error
        assert server.requests and original in server.requests[0]["body"]["messages"][1]["content"]
        assert status_of(scratch, draft) == "draft"  # nothing saved by a proposal
        button(at, "Use this rewrite").click().run()
        assert next(t for t in at.text_area if t.label == "Draft").value == REWRITTEN
        button(at, "Approve").click().run()
        # said as the history records it (it said "Approved the …", found by a trial)
        shown = [s.value.replace("\\", "") for s in at.success]  # as markdown renders it
        assert any(text.startswith("Edited, then approved the") for text in shown), shown
    with psycopg.connect(scratch.url) as conn:
        action, after = conn.execute(
            "select action, content_after from public.review_audit where item_id = %s", [draft]
        ).fetchone()
    assert (action, after) == ("edited_and_approved", REWRITTEN)


def test_rewrite_failure_leaves_the_draft_as_it_was(monkeypatch) -> None:
    with fake_openai("error") as server:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        at = signed_in("reviewer@revos.demo")
        original = next(t for t in at.text_area if t.label == "Draft").value
        button(at, "Rewrite in voice").click().run()
    assert any("error (500)" in shown(e.value) for e in at.error)
    assert next(t for t in at.text_area if t.label == "Draft").value == original
    assert not any(b.label == "Use this rewrite" for b in at.button)


def test_client_sees_only_their_own_drafts(scratch) -> None:
    at = open_page(signed_in("client4@revos.demo"), "app_pages/approvals.py")
    assert not at.exception
    with psycopg.connect(scratch.url) as conn:
        company, drafts = conn.execute(
            "select u.company, (select count(*) from public.messages m where m.user_id = u.id "
            "and m.status = 'draft') + (select count(*) from public.posts p "
            "where p.user_id = u.id and p.status = 'draft') "
            "from public.users u where u.email = 'client4@revos.demo'"
        ).fetchone()
    assert any(f"for **{company}**" in m.value for m in at.markdown)
    assert waiting(at) == drafts
    assert not [s for s in at.selectbox if s.label == "Client"]


def _expire_claims(scratch, draft_id: str) -> None:
    with psycopg.connect(scratch.url) as conn:
        conn.execute(
            "update public.review_claims set expires_at = now() - interval '1 second' "
            "where item_id = %s",
            [draft_id],
        )


def test_a_draft_approved_elsewhere_keeps_the_card_and_the_edit(scratch) -> None:
    with psycopg.connect(scratch.url) as conn:  # the warning's time is on the reviewer's clock
        (zone,) = conn.execute(
            "select time_zone from public.users where email = 'reviewer@revos.demo'"
        ).fetchone()
    assert zone != "UTC"  # else this test could not tell the zones apart
    at = signed_in("reviewer@revos.demo")
    draft = current_draft_id(at)
    next(t for t in at.text_area if t.label == "Draft").input("My careful edit.").run()
    _expire_claims(scratch, draft)  # the reviewer stepped away; the admin steps in
    with psycopg.connect(scratch.url) as conn:
        kind, version = conn.execute(
            "select 'message', version from public.messages where id = %s "
            "union all select 'post', version from public.posts where id = %s",
            [draft, draft],
        ).fetchone()
    scratch.gateway("admin@revos.demo").call(
        "approve_draft", p_kind=kind, p_id=draft, p_version=version
    )
    button(at, "Approve").click().run()
    assert not at.exception
    with psycopg.connect(scratch.url) as conn:
        (reviewed_at,) = conn.execute(
            "select max(created_at) from public.review_audit where item_id = %s", [draft]
        ).fetchone()
    said = f"at {reviewed_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"
    assert any(
        "already approved by Ada Admin" in w.value and said in w.value for w in at.warning
    ), [w.value for w in at.warning]
    assert current_draft_id(at) == draft  # the card stayed on the draft
    assert next(t for t in at.text_area if t.label == "Draft").value == "My careful edit."
    assert button(at, "Approve").disabled
    button(at, "Next draft").click().run()
    assert current_draft_id(at) != draft


def test_a_draft_changed_underneath_shows_the_change(scratch, demo_users) -> None:
    at = open_page(signed_in("client2@revos.demo"), "app_pages/approvals.py")
    draft = current_draft_id(at)
    original = next(t for t in at.text_area if t.label == "Draft").value
    with psycopg.connect(scratch.url) as conn:  # e.g. the client's own tool edits it
        for table in ("messages", "posts"):
            conn.execute(
                f"update public.{table} set content = content || ' Changed meanwhile.' "
                "where id = %s",
                [draft],
            )
    button(at, "Approve").click().run()
    assert any("changed since you opened it" in w.value for w in at.warning)
    assert any("Changed meanwhile." in c.value for c in at.code)
    assert status_of(scratch, draft) == "draft"
    button(at, "Review the new version").click().run()
    assert next(t for t in at.text_area if t.label == "Draft").value.endswith("Changed meanwhile.")
    assert not button(at, "Approve").disabled
    button(at, "Approve").click().run()
    assert status_of(scratch, draft) == "approved"
    with psycopg.connect(scratch.url) as conn:
        after = conn.execute(
            "select content_after from public.review_audit where item_id = %s", [draft]
        ).fetchone()[0]
    assert after == original + " Changed meanwhile."


def test_skip_offers_the_next_draft_and_brings_it_back(scratch) -> None:
    at = open_page(signed_in("client3@revos.demo"), "app_pages/approvals.py")
    first = current_draft_id(at)
    button(at, "Skip").click().run()
    assert current_draft_id(at) != first
    assert status_of(scratch, first) == "draft"
    button(at, "Bring back 1 skipped").click().run()
    assert not [b for b in at.button if b.label.startswith("Bring back")]


def test_a_draft_deleted_while_open_says_so_and_lets_the_reviewer_move_on(scratch) -> None:
    at = open_page(signed_in("client4@revos.demo"), "app_pages/approvals.py")
    draft = current_draft_id(at)
    saved = {}
    with psycopg.connect(scratch.url) as conn:
        for table in ("messages", "posts"):
            cursor = conn.execute(f"delete from public.{table} where id = %s returning *", [draft])
            if row := cursor.fetchone():
                saved[table] = ([c.name for c in cursor.description], row)
    try:
        at.run()
        assert not at.exception
        assert any("no longer in your queue" in w.value for w in at.warning)
        button(at, "Next draft").click().run()
        assert current_draft_id(at) != draft
    finally:  # the shared demo data stays as seeded
        with psycopg.connect(scratch.url) as conn:
            for table, (columns, row) in saved.items():
                conn.execute(
                    f"insert into public.{table} ({', '.join(columns)}) "
                    f"values ({', '.join(['%s'] * len(columns))})",
                    list(row),
                )


def test_the_history_shows_times_on_the_viewers_clock_and_says_so(scratch) -> None:
    with psycopg.connect(scratch.url) as conn:
        zone = conn.execute(
            "select time_zone from public.users where email = 'reviewer@revos.demo'"
        ).fetchone()[0]
    assert zone != "UTC"  # else this test could not tell the zones apart
    at = open_page(signed_in("reviewer@revos.demo"), "app_pages/approvals.py")
    history = next(d for d in at.dataframe if "reviewed_at" in d.value)
    assert str(history.value["reviewed_at"].dt.tz) == zone
    assert f'"label": "When ({zone})"' in str(history.proto.columns)


def test_the_bulk_table_calls_the_readers_own_claim_theirs() -> None:
    """A helper's trial: the reviewer saw their own name as the one reviewing a draft, as if
    someone else held it."""
    from revos.ui import review

    me, other = "u-me", "u-other"

    def draft(claimed_by: str | None, name: str | None = None) -> dict:
        return {"id": "d1", "claimed_by": claimed_by, "claimed_by_name": name}

    assert review.in_review_by(draft(me, "Rita"), me) == "you"
    assert review.in_review_by(draft(other, "Ada"), me) == "Ada"
    assert review.in_review_by(draft(other), me) == "someone"
    assert review.in_review_by(draft(None), me) == ""
    # the next draft, claimed by the card after the queue was read (a second trial)
    assert review.in_review_by(draft(None), me, on_card="d1") == "you"
    assert review.in_review_by(draft(None), me, on_card="d2") == ""


def test_after_an_approval_the_bulk_table_shows_the_next_card_draft_as_yours() -> None:
    """The second trial: the card claims its next draft after the queue is read, so the
    bulk table showed that draft as in nobody's review until a reload."""
    at = signed_in("reviewer@revos.demo")
    button(at, "Approve").click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "in_review" in d.value.columns)
    assert list(table["in_review"]).count("you") == 1


def test_a_history_cut_at_its_limit_says_so(scratch) -> None:
    """An audit: the super admin's 7 days held 615 reviews and the history showed the latest
    500, with nothing to say a day was missing. A history under the limit says nothing."""
    from revos.ui import review

    week = "a.created_at >= now() - interval '7 days'"
    with psycopg.connect(scratch.url) as conn:
        everyone = conn.execute(
            f"select count(*) from public.review_audit a where {week}"
        ).fetchone()[0]
        reviewers = conn.execute(
            "select count(*) from public.review_audit a join public.reviewer_assignments r "
            "on r.client_id = a.client_id join public.users u on u.id = r.reviewer_id "
            f"where u.email = 'reviewer@revos.demo' and {week}"
        ).fetchone()[0]
    assert reviewers < review.HISTORY_LIMIT < everyone  # else the test could not tell

    def noted(email: str) -> bool:
        at = open_page(signed_in(email), "app_pages/approvals.py")
        return any(f"The latest {review.HISTORY_LIMIT} reviews" in c.value for c in at.caption)

    assert noted("admin@revos.demo")
    assert not noted("reviewer@revos.demo")


def test_the_history_follows_the_kind_picked_above_it(scratch) -> None:
    """A trial set Kind to DMs and the History tab still listed posts."""
    at = open_page(signed_in("reviewer@revos.demo"), "app_pages/approvals.py", kind="dm")
    history = next(d for d in at.dataframe if "reviewed_at" in d.value)
    assert set(history.value["channel"]) == {"DM"}
