"""A search keeps its newest matches: at most SEARCH_KEEPS, and says when there were more.

On a database of its own with 18,000 leads, a one-letter search matches nearly all of them,
so every path that keeps the newest matches runs: the super admin's walk through everyone's
leads newest first (and its way out when matches are too sparse for the walk), and the
per-owner search of a client and of a reviewer. The oracle is the page functions' own:
`oracle.search_text` in pandas over every lead read as superuser, the caller's owners kept,
sorted newest first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import psycopg
import pytest

from revos.db import seed
from revos.domain import lead_filters as lf
from tests import oracle
from tests.support import as_user, seeded_database


@pytest.fixture(scope="module")
def many_leads(server) -> Iterator[str]:
    plan = seed.SeedPlan(clients=3, leads_min=3000, leads_max=3000, seed=5, big_client_leads=12000)
    with seeded_database(server, plan, "t_search") as (_, url):
        yield url


@pytest.fixture(scope="module")
def leads(many_leads) -> pd.DataFrame:
    with psycopg.connect(many_leads) as conn:
        return oracle.World.load(conn).leads


def _id(url: str, email: str) -> str:
    with psycopg.connect(url) as conn:
        return str(
            conn.execute("select id from public.users where email = %s", [email]).fetchone()[0]
        )


def _newest_matches(leads: pd.DataFrame, text: str, owners: list[str] | None) -> list[str]:
    """Ids of the leads of `owners` (None: all) whose search text contains `text`."""
    mine = leads if owners is None else leads[leads.user_id.isin(owners)]
    hits = mine[oracle.search_text(mine).str.contains(text, regex=False)]
    return list(hits.sort_values(["commented_at", "id"], ascending=False).id)


def _page(url: str, user_id: str, **params) -> dict:
    names = ", ".join(f"{k} => %({k})s" for k in params)
    with as_user(url, user_id) as conn:
        total, rows, more = conn.execute(
            f"select * from public.leads_page({names})", params
        ).fetchone()
    return {"total": total, "ids": [r["id"] for r in rows], "more": more}


def _owners(url: str, *emails: str) -> list[str]:
    return [_id(url, e) for e in emails]


@pytest.mark.parametrize(
    ("email", "owners"),
    [
        ("admin@revos.demo", None),
        ("client1@revos.demo", ("client1@revos.demo",)),
        ("reviewer@revos.demo", ("client1@revos.demo", "client2@revos.demo")),
    ],
)
def test_a_common_search_keeps_its_newest_matches(many_leads, leads, email, owners) -> None:
    scope = _owners(many_leads, *owners) if owners else None
    matches = _newest_matches(leads, "a", scope)
    assert len(matches) > lf.SEARCH_KEEPS  # the point of the test: more than are kept
    me = _id(many_leads, email)
    first = _page(many_leads, me, p_search="A", p_limit=500)
    assert (first["total"], first["more"]) == (lf.SEARCH_KEEPS, True)
    assert first["ids"] == matches[:500]
    last = _page(many_leads, me, p_search="a", p_limit=500, p_offset=lf.SEARCH_KEEPS - 100)
    assert last["ids"] == matches[lf.SEARCH_KEEPS - 100 : lf.SEARCH_KEEPS]


def test_other_filters_apply_within_the_kept_matches(many_leads, leads) -> None:
    kept = set(_newest_matches(leads, "a", None)[: lf.SEARCH_KEEPS])
    replied = set(leads[leads.status == "replied"].id)
    page = _page(
        many_leads, _id(many_leads, "admin@revos.demo"), p_search="a", p_statuses=["replied"]
    )
    assert page["more"] is True
    assert page["total"] == len(kept & replied) > 0


def test_a_rarer_search_is_exact_and_says_nothing_more(many_leads, leads) -> None:
    matches = _newest_matches(leads, "head of sales", None)
    assert 50 < len(matches) < lf.SEARCH_KEEPS
    page = _page(many_leads, _id(many_leads, "admin@revos.demo"), p_search="Head of Sales")
    assert (page["total"], page["more"]) == (len(matches), False)
    assert page["ids"] == matches[:50]


def test_every_path_of_the_super_admins_search_keeps_the_newest(many_leads, leads) -> None:
    """With a small cap, each way the search picks by the density of the matches: the probe
    (few matches overall), the walk newest first (dense) and the index with the newest kept
    (too sparse for a walk: here a name 8 to 40 leads share, beyond a walk of 60 leads)."""
    admin = _id(many_leads, "admin@revos.demo")
    shared = leads.name.value_counts()  # one lead's name, shared by a few leads over time
    sparse = sorted(shared[shared.between(8, 40)].index)[0].lower()
    for text, cap in (("head of sales", 100_000), ("a", 25), (sparse, 3)):
        matches = _newest_matches(leads, text, None)
        with as_user(many_leads, admin) as conn:
            found = conn.execute(
                "select private.search_lead_ids(null, %s, %s)::text[]", [f"%{text}%", cap]
            ).fetchone()[0]
        assert found == matches[: cap + 1], text
    with psycopg.connect(many_leads) as conn:  # the sparse name is beyond a walk of 60 leads
        walked = conn.execute(
            "select cardinality(private.newest_lead_matches(%s, 3, 60))", [f"%{sparse}%"]
        ).fetchone()[0]
    assert walked < 4


def test_the_walk_is_no_way_around_the_policies(many_leads, leads) -> None:
    client = _id(many_leads, "client2@revos.demo")
    with (
        as_user(many_leads, client) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("select private.newest_lead_matches('%', 10, 100)")
    with as_user(many_leads, client) as conn:
        found = conn.execute(
            "select private.search_lead_ids(null, '%a%', 20000)::text[]"
        ).fetchone()[0]
    assert found == _newest_matches(leads, "a", [client])  # only their own
