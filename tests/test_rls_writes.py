"""Writes across tenants are refused, even with real ids; owners can still write their own.

Each test runs in a transaction that is rolled back, and checks as superuser afterwards
that the other tenant's data is exactly as it was.
"""

from __future__ import annotations

import psycopg
import pytest

from revos.gateway.postgres import act_as
from tests.support import as_user, token_role

OWNED_TABLES = ("cartridges", "campaigns", "posts", "leads", "messages", "lead_magnets")


def _one_id(service: psycopg.Connection, table: str, owner_id: str) -> str:
    row = service.execute(
        f"select id::text from public.{table} where user_id = %s limit 1", [owner_id]
    ).fetchone()
    assert row is not None, f"demo data has no {table} row for this owner"
    return row[0]


def _fingerprint(service: psycopg.Connection, table: str, owner_id: str) -> str:
    return service.execute(
        f"select md5(coalesce(string_agg(t::text, ',' order by t.id), '')) "
        f"from public.{table} t where user_id = %s",
        [owner_id],
    ).fetchone()[0]


@pytest.mark.parametrize("table", OWNED_TABLES)
def test_client_cannot_update_or_delete_another_tenants_rows(
    table: str, runtime, service, demo_users
) -> None:
    attacker, victim = demo_users["client1@revos.demo"], demo_users["client3@revos.demo"]
    victim_row = _one_id(service, table, victim.id)
    before = _fingerprint(service, table, victim.id)
    column = {
        "cartridges": "name",
        "campaigns": "name",
        "posts": "content",
        "leads": "name",
        "messages": "content",
        "lead_magnets": "title",
    }[table]
    with as_user(runtime.service_url, attacker.id) as conn:
        updated = conn.execute(
            f"update public.{table} set {column} = 'pwned' where id = %s", [victim_row]
        ).rowcount
        deleted = conn.execute(f"delete from public.{table} where id = %s", [victim_row]).rowcount
        conn.commit()  # would persist anything that got through
    assert (updated, deleted) == (0, 0)
    assert _fingerprint(service, table, victim.id) == before


def test_client_can_still_update_their_own_rows(runtime, service, demo_users) -> None:
    owner = demo_users["client1@revos.demo"]
    own_campaign = _one_id(service, "campaigns", owner.id)
    with as_user(runtime.service_url, owner.id) as conn:
        updated = conn.execute(
            "update public.campaigns set name = 'Renamed' where id = %s", [own_campaign]
        ).rowcount
    assert updated == 1  # and rolled back by as_user


def test_client_cannot_insert_rows_for_another_tenant(runtime, demo_users) -> None:
    attacker, victim = demo_users["client1@revos.demo"], demo_users["client3@revos.demo"]
    with (
        as_user(runtime.service_url, attacker.id) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        conn.execute(
            "insert into public.campaigns (user_id, name) values (%s, 'Hijack')", [victim.id]
        )


def test_client_cannot_add_leads_to_another_tenants_campaign(runtime, service, demo_users) -> None:
    attacker, victim = demo_users["client1@revos.demo"], demo_users["client3@revos.demo"]
    victim_campaign = _one_id(service, "campaigns", victim.id)
    # owner derived from a campaign the attacker cannot see: none, so the policy refuses it
    with (
        as_user(runtime.service_url, attacker.id) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        conn.execute(
            "insert into public.leads (campaign_id, linkedin_profile_url) values (%s, 'x')",
            [victim_campaign],
        )
    # claiming the lead as their own does not fit the (campaign, owner) key either
    with (
        as_user(runtime.service_url, attacker.id) as conn,
        pytest.raises(psycopg.errors.ForeignKeyViolation),
    ):
        conn.execute(
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url) "
            "values (%s, %s, 'x')",
            [attacker.id, victim_campaign],
        )


def test_client_cannot_move_a_row_to_another_tenant(runtime, service, demo_users) -> None:
    owner, other = demo_users["client1@revos.demo"], demo_users["client3@revos.demo"]
    own_campaign = _one_id(service, "campaigns", owner.id)
    with (
        as_user(runtime.service_url, owner.id) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(
            "update public.campaigns set user_id = %s where id = %s", [other.id, own_campaign]
        )


def test_client_cannot_promote_themselves(runtime, demo_users) -> None:
    client = demo_users["client1@revos.demo"]
    with (
        as_user(runtime.service_url, client.id) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("update public.users set role = 'super_admin' where id = %s", [client.id])


def test_global_lead_magnets_are_read_only(runtime, service, demo_users) -> None:
    client = demo_users["client1@revos.demo"]
    global_id = service.execute(
        "select id::text from public.lead_magnets where user_id is null limit 1"
    ).fetchone()[0]
    with as_user(runtime.service_url, client.id) as conn:
        assert (
            conn.execute(
                "update public.lead_magnets set title = 'Mine now' where id = %s", [global_id]
            ).rowcount
            == 0
        )
        assert (
            conn.execute("delete from public.lead_magnets where id = %s", [global_id]).rowcount == 0
        )
    with (
        as_user(runtime.service_url, client.id) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("insert into public.lead_magnets (title, is_custom) values ('Global?', false)")


@pytest.mark.parametrize("email", ["reviewer@revos.demo", "admin@revos.demo"])
def test_reviewers_and_admins_read_but_do_not_write_client_rows(
    email: str, runtime, service, demo_users
) -> None:
    """Each with the role their token claims: a super admin's `revos_super_admin` (sql/0048)
    adds select policies only, so a client's rows are read, and updating, deleting or
    inserting them is refused as for `authenticated`."""
    actor = demo_users[email]
    client = demo_users["client1@revos.demo"]
    lead_id = _one_id(service, "leads", client.id)
    before = _fingerprint(service, "leads", client.id)
    with as_user(runtime.service_url, actor.id) as conn:
        assert conn.execute("select 1 from public.leads where id = %s", [lead_id]).fetchone()
        assert (
            conn.execute("update public.leads set name = 'x' where id = %s", [lead_id]).rowcount
            == 0
        )
        assert conn.execute("delete from public.leads where id = %s", [lead_id]).rowcount == 0
        conn.commit()
    with (
        as_user(runtime.service_url, actor.id) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        conn.execute(
            "insert into public.campaigns (user_id, name) values (%s, 'Hijack')", [client.id]
        )
    assert _fingerprint(service, "leads", client.id) == before


def test_message_status_and_approver_are_not_directly_writable(
    runtime, service, demo_users
) -> None:
    client = demo_users["client1@revos.demo"]
    draft = service.execute(
        "select id::text from public.messages where user_id = %s and status = 'draft' limit 1",
        [client.id],
    ).fetchone()[0]
    for assignment in ("status = 'approved'", f"approved_by = '{client.id}'"):
        with (
            as_user(runtime.service_url, client.id) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(f"update public.messages set {assignment} where id = %s", [draft])


def test_reviewer_never_sees_an_unassigned_client_even_when_asking(gateway_for, demo_users) -> None:
    reviewer = gateway_for("reviewer@revos.demo")
    unassigned = demo_users["client3@revos.demo"].id
    assert reviewer.rows("campaign_funnel", p_client_id=unassigned) == []
    page = reviewer.rows("leads_page", p_client_id=unassigned)
    assert page[0]["total"] == 0 and page[0]["rows"] == []
    visible = {row["id"] for row in reviewer.rows("visible_clients")}
    assert unassigned not in visible and len(visible) == 2


# what each owned table needs besides its owner, named by the tenant's own rows (sql/0080)
OWN_ROW_INSERTS = {
    "cartridges": "insert into public.cartridges (user_id, name) values (%(me)s, 'Mine')",
    "campaigns": "insert into public.campaigns (user_id, name) values (%(me)s, 'Mine')",
    "posts": "insert into public.posts (user_id, content) values (%(me)s, 'Mine')",
    "lead_magnets": "insert into public.lead_magnets (user_id, title, is_custom) "
    "values (%(me)s, 'Mine', true)",
    "leads": "insert into public.leads (user_id, campaign_id, linkedin_profile_url) "
    "values (%(me)s, %(campaign)s, 'https://www.linkedin.com/in/mine')",
    "messages": "insert into public.messages (user_id, lead_id, channel, content) "
    "values (%(me)s, %(lead)s, 'dm', 'Mine')",
}


@pytest.mark.parametrize("email", ["reviewer@revos.demo", "admin@revos.demo"])
@pytest.mark.parametrize("table", OWNED_TABLES)
def test_reviewers_and_admins_create_no_tenant_of_their_own(
    email: str, table: str, runtime, demo_users
) -> None:
    """A reviewer who made campaigns, leads and drafts of their own could approve them: a
    tenant nobody oversees, sending to anyone. Only clients create tenant rows. The campaign
    and lead a reviewer's lead or draft would hang on are made as superuser in the same
    transaction, never committed, so that the insert under test is the only thing refused."""
    actor = demo_users[email]
    with psycopg.connect(runtime.service_url) as conn:
        campaign = conn.execute(
            "insert into public.campaigns (user_id, name) values (%s, 'Theirs') returning id::text",
            [actor.id],
        ).fetchone()[0]
        lead = conn.execute(
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url) "
            "values (%s, %s, 'https://www.linkedin.com/in/theirs') returning id::text",
            [actor.id, campaign],
        ).fetchone()[0]
        act_as(conn, actor.id, token_role(conn, actor.id))
        try:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute(
                    OWN_ROW_INSERTS[table], {"me": actor.id, "campaign": campaign, "lead": lead}
                )
        finally:
            conn.rollback()


@pytest.mark.parametrize("table", OWNED_TABLES)
def test_a_client_still_creates_their_own_rows(table: str, runtime, service, demo_users) -> None:
    client = demo_users["client1@revos.demo"]
    campaign = _one_id(service, "campaigns", client.id)
    lead = _one_id(service, "leads", client.id)
    with as_user(runtime.service_url, client.id) as conn:
        conn.execute(OWN_ROW_INSERTS[table], {"me": client.id, "campaign": campaign, "lead": lead})


OUT_OF_RANGE_TIMES = ("infinity", "-infinity", "4713-01-01 BC", "294276-12-31", "1899-12-31")


@pytest.mark.parametrize("moment", OUT_OF_RANGE_TIMES)
def test_a_lead_s_times_are_real_dates(moment: str, runtime, service, demo_users) -> None:
    """A lead commented at 'infinity' went into the rollups and broke the Tenants page's
    last activity. Inserted or updated, every time a client writes is from 1900 to 2199."""
    client = demo_users["client1@revos.demo"]
    campaign = _one_id(service, "campaigns", client.id)
    enriched = service.execute(  # no other check compares its enrichment's time
        "select id::text from public.leads where user_id = %s "
        "and enrichment_status <> 'pending' limit 1",
        [client.id],
    ).fetchone()[0]
    with (
        as_user(runtime.service_url, client.id) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match="leads_times_in_range"),
    ):
        conn.execute(
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url, commented_at) "
            "values (%s, %s, 'https://www.linkedin.com/in/when', %s)",
            [client.id, campaign, moment],
        )
    with (
        as_user(runtime.service_url, client.id) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match="leads_times_in_range"),
    ):
        conn.execute("update public.leads set enriched_at = %s where id = %s", [moment, enriched])
    with (
        as_user(runtime.service_url, client.id) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match="campaigns_times_in_range"),
    ):
        conn.execute(
            "insert into public.campaigns (user_id, name, created_at) values (%s, 'When', %s)",
            [client.id, moment],
        )


@pytest.mark.parametrize(
    "name",
    [
        "Ada Admin (admin@revos.demo)\n\n\n",
        "Ada Admin (admin@revos.demo)" + "\u200b" * 100,
        "Maya\u202eneehC",  # a right-to-left override
        "Maya\tChen",
        "\ufeffMaya Chen",
        "Maya\u2028Chen",  # a line separator (sql/0083)
        "Maya\u0085Chen",  # a C1 next line
        "Maya\u200eChen",  # a left-to-right mark
        "Maya\u00adChen",  # a soft hyphen
    ],
)
def test_a_full_name_is_one_line_of_visible_text(name: str, runtime, demo_users) -> None:
    """A name with line breaks and invisible characters read as someone else's in the
    review history."""
    client = demo_users["client1@revos.demo"]
    with (
        as_user(runtime.service_url, client.id) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match=r"users_full_name_(plain|visible)"),
    ):
        conn.execute("update public.users set full_name = %s where id = %s", [name, client.id])


@pytest.mark.parametrize(
    "name",
    [
        "Zoë O'Brien-Łukasz",
        "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627",  # a Persian name, a non-joiner inside
        "Maya 👩\u200d💻 Chen",
    ],
)
def test_names_in_any_script_and_with_emoji_stay_allowed(name: str, runtime, demo_users) -> None:
    client = demo_users["client1@revos.demo"]
    with as_user(runtime.service_url, client.id) as conn:
        conn.execute("update public.users set full_name = %s where id = %s", [name, client.id])
