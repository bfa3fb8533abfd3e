"""Admin: every tenant at a glance, with alerts. The SQL refuses anyone but a super admin."""

import streamlit as st

from revos.domain import charts, metrics
from revos.ui import auth, context, errors, tables, widgets
from revos.ui.text import counted, literal

CHARTED_TENANTS = 15  # the busiest, in the charts; the table has every tenant
# the columns an admin scans, as the table and the CSV export both name them
HEADERS = {  # what an admin scans first comes first: no sideways scrolling for it
    "tenant": "Tenant",
    "drafts_waiting": "Drafts waiting",
    "last_activity": "Last activity (UTC)",
    "apollo_credits_month": "Apollo credits (month)",
    "leads_30d": "Leads 30d",
    "enrichment_rate_30d": "Enrichment 30d",
    "dm_reply_rate_30d": "DM reply 30d",
    "email_reply_rate_30d": "Email reply 30d",
    "leads_7d": "Leads 7d",
    "leads_total": "Leads",
    "apollo_success_rate_month": "Apollo success (month)",
    "active_campaigns": "Active campaigns",
    "time_zone": "Time zone",  # whose days 7d, 30d and the month are
    "email": "Login",
}

st.title("Tenants")
gateway = context.gateway()
widgets.no_period("showing each tenant's last 7 and 30 days and this month, in its own days")

with errors.banner_on_failure(), st.spinner("Loading tenant stats…"):
    stats, clients = gateway.at_once(
        lambda: gateway.frame("admin_tenant_stats"), lambda: gateway.rows("visible_clients")
    )
    zones = {c["id"]: c["time_zone"] for c in clients}
if stats.empty:
    st.info("No client tenants yet.")
    st.stop()

rates = [
    "enrichment_rate_30d",
    "dm_reply_rate_30d",
    "email_reply_rate_30d",
    "apollo_success_rate_month",
]
stats[rates] = stats[rates].astype(float)
stats = tables.to_datetimes(stats, ["last_activity"])
stats["tenant"] = metrics.tenant_labels(stats)
stats["time_zone"] = stats["client_id"].map(zones)  # each tenant's windows are in its days

alerts = metrics.tenant_alerts(stats)
if alerts.empty:
    st.success("No alerts: every tenant is on target.")
else:
    st.warning(
        f"{counted(len(alerts), 'alert')} across {counted(alerts['tenant'].nunique(), 'tenant')}."
    )
    tables.grid(
        metrics.alert_texts(alerts),
        {
            "tenant": "Tenant",
            "alert": "Alert",
            "value": "Value",
            "threshold": "Threshold",
        },
    )

st.subheader("Tenants")
tables.grid(
    stats[list(HEADERS)],
    {
        **HEADERS,
        **{rate: tables.percent_column(HEADERS[rate]) for rate in rates},
        "last_activity": st.column_config.DatetimeColumn(
            HEADERS["last_activity"], format="YYYY-MM-DD HH:mm"
        ),
    },
)
tables.csv_download(
    "Export tenants (CSV)",
    "tenants.csv",
    lambda: stats,
    HEADERS,
    timestamps=("last_activity",),
    percentages=tuple(rates),
)

# a bar per tenant stops being readable long before 12,000 tenants: the busiest are drawn
busiest = stats.nlargest(CHARTED_TENANTS, "leads_30d", keep="first")
which = f"the {CHARTED_TENANTS} busiest tenants, " if len(stats) > CHARTED_TENANTS else ""
left, right = st.columns(2)
left.plotly_chart(
    charts.ranking_figure(
        busiest, "leads_30d", "tenant", f"New leads, {which}last 30 days", axis_title="New leads"
    )
)
right.plotly_chart(
    charts.grouped_bars(
        busiest,
        "tenant",
        {
            "dm_reply_rate_30d": "DM reply",
            "email_reply_rate_30d": "Email reply",
            "enrichment_rate_30d": "Enrichment",
        },
        f"Rates, {which}last 30 days",
        percent=True,
    )
)

st.subheader("Reviews, last 30 days")
with errors.banner_on_failure():
    by_tenant, by_reviewer, reasons, directory = gateway.at_once(
        lambda: gateway.frame("review_summary", p_group_by="tenant"),
        lambda: gateway.frame("review_summary", p_group_by="reviewer"),
        lambda: gateway.frame("rejection_reasons"),
        lambda: gateway.rows("user_directory"),
    )
    people = {p["id"]: p for p in directory}
# reviewers and admins review; a client approving their own drafts is shown apart
roles = (
    by_reviewer["group_id"].map(lambda i: people.get(i, {}).get("role"))
    if not by_reviewer.empty
    else []
)
self_approvals = by_reviewer[roles == "client"] if len(roles) else by_reviewer
by_reviewer = by_reviewer[roles != "client"] if len(roles) else by_reviewer
review_columns = {
    "group_label": "Name",
    "reviewed": "Reviewed",
    "approved_unedited": "Approved as drafted",
    "edited": "Edited, then approved",
    "rejected": "Rejected",
    "first_draft_approval_rate": tables.percent_column(
        "First-draft approval",
        f"Approved without edits / reviewed. Target: at least "
        f"{metrics.FIRST_DRAFT_APPROVAL_TARGET:.0%}.",
    ),
    # a label short enough to be read whole at 1400 px beside "Name (email)"
    "median_minutes_to_review": st.column_config.NumberColumn(
        "Median min",
        help="Median minutes from draft to approval or rejection.",
        format="%,.0f",
    ),
}
shown = list(review_columns)
if by_tenant.empty:
    st.info("No reviews in the last 30 days.")
else:
    for frame in (by_tenant, by_reviewer):
        frame["first_draft_approval_rate"] = frame["first_draft_approval_rate"].astype(float)
    below = by_tenant[by_tenant["first_draft_approval_rate"] < metrics.FIRST_DRAFT_APPROVAL_TARGET]
    if not below.empty:
        st.warning(
            f"First-draft approval under {metrics.FIRST_DRAFT_APPROVAL_TARGET:.0%} for "
            + ", ".join(literal(name) for name in below["group_label"])
            + ": their cartridges may need tuning."
        )
    # one above the other: side by side each was half a page, its names scrolled away
    st.markdown("**Per tenant**")
    tables.grid(by_tenant[shown], review_columns)
    st.markdown("**Per reviewer** (reviewers and admins)")
    tables.grid(by_reviewer[shown], review_columns)
    if not self_approvals.empty:
        st.markdown("**Clients reviewing their own drafts**")
        tables.grid(self_approvals[shown], review_columns)
    if not reasons.empty:
        st.plotly_chart(
            charts.ranking_figure(
                reasons, "rejections", "reason", "Rejection reasons", axis_title="Rejections"
            )
        )

st.subheader("Sessions")
left, right = st.columns([3, 1])
who = widgets.person_picker(
    left,
    "Sign a user out of every browser",
    people,
    gateway.session.user_id,
    help="Ends every session of theirs at once: a copied cookie stops working too. "
    "They can sign in again with their password.",
)
if right.button("Sign out everywhere", icon=":material/logout:", disabled=who is None):
    with errors.banner_on_failure():
        gateway.call("sign_out_everywhere", p_user_id=who)
    if who == gateway.session.user_id:
        auth.end_here("You signed yourself out of every browser. Sign in to go on.")
        st.rerun(scope="app")  # to the sign-in form
    st.success(f"Signed {literal(people[who]['email'])} out of every browser.")
