"""Print the plans of the key calls as each user runs them, for docs/performance.md.

    python scripts/explain_calls.py "SUPERUSER_URL" > plans.md

Connects as superuser (to load auto_explain), then acts as each user exactly as the gateway
does (`set local role` to the role their token claims, `authenticated` or, for the super
admin, `revos_super_admin`, + JWT claims) and calls each page function; auto_explain sends
the plan of every statement inside the function back as a notice.
"""

from __future__ import annotations

import datetime as dt
import sys

import psycopg

from revos.gateway import tokens
from revos.gateway.postgres import act_as

USERS = ("client1@revos.demo", "client2@revos.demo", "reviewer@revos.demo", "admin@revos.demo")
# what each one is in `revos bench`'s data
WHO = {
    "client1@revos.demo": "the big client (200,000 leads)",
    "client2@revos.demo": "a typical client (800 leads)",
    "reviewer@revos.demo": "the reviewer (of client1 and client2)",
    "admin@revos.demo": "the super admin",
}
CALLS = {
    "direct read of leads": "select * from public.leads",
    "trend (90 days, weekly)": "select * from public.funnel_trend(%(from)s, %(to)s, 'week')",
    "leads search": "select * from public.leads_page(p_limit => 50, p_search => 'head of sales')",
    "leads deep page": "select * from public.leads_page(p_limit => 50, p_offset => 100000)",
    "leads commented in 90 days": (
        "select * from public.leads_page(p_limit => 50, p_from => %(from)s, p_to => %(to)s)"
    ),
    "overview KPIs": "select * from public.overview_kpis(%(from)s, %(to)s)",
    "funnel": "select * from public.campaign_funnel(p_from => %(from)s, p_to => %(to)s)",
    "lead magnets (90 days)": (
        "select * from public.lead_magnet_performance(null, %(from)s, %(to)s)"
    ),
    "approval queue": "select * from public.approval_queue()",
    "admin tenant stats": "select * from public.admin_tenant_stats()",
}


# the helpers' own one-row statements, and the outer Function Scan: the calls' reads remain
HELPERS = (
    "set_config(",
    "current_setting('request.jwt.claim",
    "from public.reviewer_assignments a",
    "select 1 from public.users",
    "Query Text: select * from public.funnel_trend(",  # the outer calls: a Function Scan
    "Query Text: select * from public.overview_kpis(",
    "Query Text: select * from public.campaign_funnel(",
    "Query Text: select * from public.leads_page(",
    "Query Text: select * from public.lead_magnet_performance(",
    "Query Text: select * from public.admin_tenant_stats(",
    "when p_client_id is not null then array[p_client_id]",
)


def explain(url: str, user_id: str, role: str, query: str) -> list[str]:
    plans: list[str] = []
    with psycopg.connect(url) as conn:
        conn.add_notice_handler(lambda d: plans.append(d.message_primary or ""))
        conn.execute("load 'auto_explain'")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_analyze = on",
            "auto_explain.log_buffers = on",
            "auto_explain.log_timing = on",
            "auto_explain.log_nested_statements = on",
            "auto_explain.log_level = notice",
        ):
            conn.execute(f"set local {setting}")
        act_as(conn, user_id, role)
        # a period as the pages pass it: whole days, as their UTC midnights
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        days = {"from": today - dt.timedelta(days=89), "to": today + dt.timedelta(days=1)}
        conn.execute(query, days).fetchall()
        conn.rollback()
    return [p for p in plans if not any(noise in p for noise in HELPERS) and _ms(p) >= 0.05]


def _ms(plan: str) -> float:
    """The statement's duration, from auto_explain's first line ("duration: 1.2 ms  plan:")."""
    head = plan.split(" ms", 1)[0]
    return float(head.split()[-1]) if head.startswith("duration:") else 0.0


def main(url: str) -> None:
    with psycopg.connect(url) as conn:
        people = {
            email: (user_id, tokens.database_role(role))
            for email, user_id, role in conn.execute(
                "select email, id::text, role from public.users where email = any(%s)",
                [list(USERS)],
            )
        }
    for name, query in CALLS.items():
        for email in USERS:
            if name == "admin tenant stats" and not email.startswith("admin"):
                continue
            print(f"### {name}, as {WHO[email]}\n\n```")
            for plan in explain(url, *people[email], query):
                print(plan.strip())
            print("```\n")


if __name__ == "__main__":
    main(sys.argv[1])
