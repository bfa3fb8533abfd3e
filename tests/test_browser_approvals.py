"""Reviewing drafts in a real browser: approve, edit, reject, bulk approve, two reviewers on
one draft, prospects' words shown literally.

These change data, so the app is served against a demo database of their own
(`scratch_app_url`, `scratch`); the shared demo stays as seeded for every other test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import psycopg
import pytest

from tests.browser_support import client_picker, open_from_menu, screenshot, settle, sign_in
from tests.support import draft_status


def test_reviewer_approves_edits_and_rejects_then_sees_the_history(
    browser, scratch_app_url, scratch, demo_users
) -> None:
    started = dt.datetime.now(dt.UTC)
    page = sign_in(browser, scratch_app_url, "reviewer@revos.demo")
    try:
        page.get_by_role("heading", level=1, name="Approvals", exact=True).wait_for(timeout=30_000)
        page.get_by_role("radio", name="DMs").click()
        page.wait_for_url(re.compile(r"kind=dm"), timeout=30_000)
        page.get_by_text(re.compile(r"^DM for ")).wait_for(timeout=30_000)
        draft = page.get_by_role("textbox", name="Draft")

        def waiting() -> int:
            value = page.locator('[data-testid="stMetricValue"]').first.inner_text()
            return int(value.replace(",", ""))

        def settled() -> int:
            """The queue count once two reads half a second apart agree (reruns finished)."""
            previous = waiting()
            while True:
                page.wait_for_timeout(500)
                current = waiting()
                if current == previous:
                    return current
                previous = current

        def wait_for_notice(verb: str, count: int) -> None:
            page.get_by_text(re.compile(f"^{verb} the DM for ")).wait_for(timeout=30_000)
            page.wait_for_function(
                "n => document.querySelector('[data-testid=stMetricValue]').innerText == n",
                arg=str(count),
                timeout=30_000,
            )

        start = settled()
        page.get_by_role("button", name="Approve", exact=True).click()
        wait_for_notice("Approved", start - 1)

        draft.fill("Hi! Edited by the browser test.")
        page.get_by_role("button", name="Approve", exact=True).click()
        wait_for_notice("Approved", start - 2)

        page.get_by_role("button", name="Reject", exact=True).click()
        # said above the tabs, and as a toast wherever the reviewer has scrolled
        refusal = page.get_by_test_id("stAlertContentError").get_by_text("Say why the draft")
        refusal.wait_for(timeout=30_000)
        page.get_by_test_id("stToastText").get_by_text("Say why the draft").wait_for(timeout=10_000)
        page.get_by_role("textbox", name="Reason for rejecting").fill("Off-brand tone")
        page.get_by_role("button", name="Reject", exact=True).click()
        wait_for_notice("Rejected", start - 3)

        page.get_by_role("tab", name="History (7 days)").click()
        page.locator('[data-testid="stDataFrame"]:visible').first.wait_for(timeout=30_000)
        screenshot(page, "reviewer-approvals-history")
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        screenshot(page, "reviewer-approvals-last")
        page.close()

    with psycopg.connect(scratch.url) as conn:
        actions = conn.execute(
            "select action, content_after, reason from public.review_audit "
            "where actor_id = %s and created_at >= %s order by created_at",
            [demo_users["reviewer@revos.demo"].id, started],
        ).fetchall()
    assert [a[0] for a in actions] == ["approved", "edited_and_approved", "rejected"]
    assert actions[1][1] == "Hi! Edited by the browser test."
    assert actions[2][2] == "Off-brand tone"


def open_approvals(browser, scratch_app_url: str, email: str, client_label: str | None = None):
    """Sign in, open Approvals from the menu, and (reviewers, admins) pick one client."""
    page = sign_in(browser, scratch_app_url, email)
    page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
    open_from_menu(page, "Approvals")
    if client_label is not None:
        client_picker(page).click()
        page.get_by_role("option", name=client_label).click()
        page.wait_for_url(re.compile(r"client="), timeout=30_000)
        settle(page)  # the pick reruns the page: wait for that run, not the one before
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
    settle(page)
    return page


def test_bulk_approve_approves_exactly_the_rows_ticked_then_nothing_stays_ticked(
    browser, scratch_app_url, scratch, demo_users
) -> None:
    """Rows 1-3 ticked; meanwhile row 0 is approved elsewhere (the queue shifts) and Ada
    claims row 2: rows 1 and 3 are approved, row 2 is reported, row 4 is untouched."""
    client = demo_users["client5@revos.demo"]
    with psycopg.connect(scratch.url) as conn:
        conn.execute("delete from public.review_claims where client_id = %s", [client.id])
    page = open_approvals(browser, scratch_app_url, "client5@revos.demo")
    try:
        rows = scratch.gateway("client5@revos.demo").call("approval_queue")[:5]
        page.get_by_role("tab", name="Bulk approve").click()
        grid = page.locator('[data-testid="stDataFrame"]:visible').first
        grid.wait_for(timeout=30_000)
        box = grid.bounding_box()
        for n, row in enumerate((1, 2, 3), start=1):  # the row-selection column
            page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 * row + 17)
            page.get_by_role("button", name=f"Approve selected ({n})").wait_for(timeout=30_000)
        page.get_by_text("You are approving 3 drafts, exactly as written").wait_for()
        screenshot(page, "client5-bulk-approve-ticked")

        def kind(row: dict) -> str:
            return "post" if row["channel"] == "post" else "message"

        with psycopg.connect(scratch.url) as conn:  # her card's claim on row 0 lapses
            conn.execute("delete from public.review_claims where item_id = %s", [rows[0]["id"]])
        admin = scratch.gateway("admin@revos.demo")
        admin.call(
            "approve_draft", p_kind=kind(rows[0]), p_id=rows[0]["id"], p_version=rows[0]["version"]
        )
        admin.call("claim_draft", p_kind=kind(rows[2]), p_id=rows[2]["id"])
        page.get_by_role("button", name="Approve selected (3)").click()
        # in the page, and (a partial success) as a toast too: the page's own line
        main = page.get_by_test_id("stMainBlockContainer")
        main.get_by_text("Approved 2 of 3 drafts.").wait_for(timeout=30_000)
        page.get_by_text(re.compile(r"was not approved: .*being reviewed by Ada Admin")).wait_for(
            timeout=30_000
        )
        after = page.get_by_role("button", name="Approve selected (0)")
        after.wait_for(timeout=30_000)
        assert after.is_disabled()
        screenshot(page, "client5-bulk-approve-done")
    finally:
        page.close()
    statuses = [draft_status(scratch.url, row["id"]) for row in rows]
    assert statuses == ["approved", "approved", "draft", "approved", "draft"]
    with psycopg.connect(scratch.url) as conn:
        approvers = dict(
            conn.execute(
                "select item_id::text, actor_id::text from public.review_audit "
                "where item_id = any(%s::uuid[])",
                [[row["id"] for row in rows]],
            ).fetchall()
        )
    assert approvers == {
        rows[0]["id"]: demo_users["admin@revos.demo"].id,
        rows[1]["id"]: client.id,
        rows[3]["id"]: client.id,
    }


def test_bulk_approving_the_review_cards_own_draft_moves_the_card_on(
    browser, scratch_app_url, scratch, demo_users
) -> None:
    """The Review card holds the oldest draft; approving that same draft in bulk is a plain
    success, and the card takes the next draft instead of calling it approved by someone."""
    client = demo_users["client3@revos.demo"]
    with psycopg.connect(scratch.url) as conn:
        conn.execute("delete from public.review_claims where client_id = %s", [client.id])
    page = open_approvals(browser, scratch_app_url, "client3@revos.demo")
    try:
        on_card = _live_claim(scratch, client.id)[0]  # the card claimed the draft it shows
        queue = scratch.gateway("client3@revos.demo").call("approval_queue")
        row = next(i for i, item in enumerate(queue) if item["id"] == on_card)
        page.get_by_role("tab", name="Bulk approve").click()
        grid = page.locator('[data-testid="stDataFrame"]:visible').first
        grid.wait_for(timeout=30_000)
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 * row + 17)
        page.get_by_role("button", name="Approve selected (1)").click()
        page.get_by_text("Approved 1 of 1 draft.").wait_for(timeout=30_000)
        settle(page)
        screenshot(page, "client3-bulk-approves-the-card")
        assert page.get_by_text("This draft was already approved").count() == 0
        assert _live_claim(scratch, client.id)[0] != on_card  # the card moved on
    finally:
        page.close()
    assert draft_status(scratch.url, on_card) == "approved"


def _live_claim(scratch, reviewer_id: str) -> tuple[str, str]:
    with psycopg.connect(scratch.url) as conn:
        return conn.execute(
            "select item_id::text, client_id::text from public.review_claims "
            "where reviewer_id = %s and expires_at > now() order by claimed_at desc limit 1",
            [reviewer_id],
        ).fetchone()


def test_two_reviewers_see_each_others_claims_and_conflicts(
    browser, scratch_app_url, scratch, demo_users
) -> None:
    reviewer_id = demo_users["reviewer@revos.demo"].id
    rita = open_approvals(browser, scratch_app_url, "reviewer@revos.demo")
    ada = None
    try:
        rita_draft = rita.get_by_role("textbox", name="Draft")
        rita_draft.wait_for(timeout=30_000)
        rita_draft.fill("Rita's careful edit.")
        rita.keyboard.press("Control+Enter")
        settle(rita)
        item_id, client_id = _live_claim(scratch, reviewer_id)
        with psycopg.connect(scratch.url) as conn:
            label = conn.execute(
                "select coalesce(company, email) || ' (' || email || ')' from public.users "
                "where id = %s",
                [client_id],
            ).fetchone()[0]

        # Ada (admin) opens the same client's queue: Rita's draft is not offered to her
        ada = open_approvals(browser, scratch_app_url, "admin@revos.demo", label)
        ada.get_by_text(re.compile(r"Being reviewed by others.*Rita Reviewer")).wait_for(
            timeout=30_000
        )
        assert ada.get_by_role("textbox", name="Draft").input_value() != "Rita's careful edit."
        screenshot(ada, "admin-sees-rita-reviewing")

        # Rita steps away until her claim lapses; Ada now gets that draft and approves it
        with psycopg.connect(scratch.url) as conn:
            conn.execute(
                "update public.review_claims set expires_at = now() - interval '1 second' "
                "where reviewer_id = %s",
                [reviewer_id],
            )
        ada.close()
        ada = open_approvals(browser, scratch_app_url, "admin@revos.demo", label)
        ada.get_by_role("button", name="Approve", exact=True).click()
        ada.get_by_text(re.compile(r"^Approved the ")).wait_for(timeout=30_000)

        # Rita comes back and approves: she is told, and her edit is still there
        rita.get_by_role("button", name="Approve", exact=True).click()
        rita.get_by_text(re.compile(r"already approved by Ada Admin")).first.wait_for(
            timeout=30_000
        )
        assert rita.get_by_role("textbox", name="Draft").input_value() == "Rita's careful edit."
        screenshot(rita, "reviewer-conflict-after-admin-approved")
    finally:
        rita.close()
        if ada is not None:
            ada.close()
    with psycopg.connect(scratch.url) as conn:
        actions = conn.execute(
            "select action, actor_id::text from public.review_audit where item_id = %s",
            [item_id],
        ).fetchall()
    assert actions == [("approved", demo_users["admin@revos.demo"].id)]


PAYLOADS = {
    "name": "[x](https://evil.example)",
    "company_name": "www.evil.example",
    "job_title": ":red[Approved] <b>bold</b>",
    "comment_text": "![p](http://127.0.0.1:9/p.png)\n# Approved\nhttps://evil.example/track",
}


@pytest.fixture
def planted_draft(scratch, demo_users) -> Iterator[str]:
    """The oldest draft of client1, for a lead whose words are Markdown and HTML payloads."""
    client = demo_users["client1@revos.demo"].id
    with psycopg.connect(scratch.url) as conn:
        lead = conn.execute(
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
            "company_name, job_title, comment_text, commented_at) "
            "select user_id, id, 'https://www.linkedin.com/in/planted', %s, %s, %s, %s, "
            "now() - interval '3 years' from public.campaigns where user_id = %s limit 1 "
            "returning id",
            [*PAYLOADS.values(), client],
        ).fetchone()[0]
        draft = conn.execute(
            "insert into public.messages (user_id, lead_id, channel, content, created_at) "
            "values (%s, %s, 'dm', 'Hi there, thanks for the comment.', "
            "now() - interval '3 years') returning id::text",
            [client, lead],
        ).fetchone()[0]
    yield draft
    with psycopg.connect(scratch.url) as conn:
        conn.execute("delete from public.review_claims where item_id = %s", [draft])
        conn.execute("delete from public.leads where id = %s", [lead])


def test_prospect_text_renders_as_text(browser, scratch_app_url, planted_draft) -> None:
    page = open_approvals(browser, scratch_app_url, "client1@revos.demo")
    try:
        page.get_by_text("waiting 109").first.wait_for(timeout=30_000)  # about 3 years
        main = page.locator('[data-testid="stMain"]')
        assert main.locator('a[href*="evil.example"]').count() == 0
        assert main.locator('img[src*="127.0.0.1"]').count() == 0
        assert main.locator("h1, h2, h3, h4, h5, h6").filter(has_text="Approved").count() == 0
        assert main.locator("b").filter(has_text="bold").count() == 0
        shown = main.evaluate("e => e.innerText").replace("\u2060", "")  # word joiners
        for text in PAYLOADS.values():
            assert " ".join(text.split()) in " ".join(shown.split()), text
    finally:
        screenshot(page, "client1-approvals-literal-prospect-text")
        page.close()
