"""Lead magnets: which offers get downloaded, and which downloads turn into replies."""

import streamlit as st

from revos.domain import charts, metrics
from revos.ui import context, errors, semantic, tables, widgets

MIN_DOWNLOADS_TO_RANK = 5  # fewer downloads than this and a conversion rate is mostly noise
COLUMNS = {
    "title": "Lead magnet",
    "niche": "Niche",
    "source": "Library",
    "downloads": "Downloads",
    "replies": "Replies",
    "conversion_rate": tables.percent_column("Conversion", "Replies / downloads."),
    "rate_low": tables.percent_column(
        "At least (95%)",
        "The conversion this magnet reaches with 95% confidence (Wilson lower bound): "
        "few downloads make it low, however good the rate looks.",
    ),
    "rate_high": tables.percent_column(
        "At most (95%)",
        "The conversion this magnet stays under with 95% confidence (Wilson upper bound): "
        "few downloads make it high, however bad the rate looks.",
    ),
}

st.title("Lead magnets")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    period = widgets.period(gateway, client_id)
    start, end = period.bounds()
    with st.spinner("Loading lead magnets…"):
        magnets = gateway.frame(
            "lead_magnet_performance", p_client_id=client_id, p_from=start, p_to=end
        )
if magnets.empty:
    st.info("No lead magnets yet. Add a custom one, or use the global library.")
    st.stop()

magnets = widgets.name_clients(gateway, magnets, client_id, "title", owner="owner_id")
magnets["title"] = metrics.told_apart(magnets["title"], magnets["lead_magnet_id"])
# from its counts: the database rounds the rate to four places, and 14 of 41 (34.146%) read
# 34.2% on a magnet's bar beside 34.1% on its niche's, which sums the counts
magnets["conversion_rate"] = metrics.ratios(magnets["replies"], magnets["downloads"])
magnets["source"] = magnets["scope"].map({"global": "Global library", "custom": "Custom"})
downloaded = metrics.rank_by_confidence(magnets[magnets["downloads"] > 0], "replies", "downloads")
downloaded["label"] = [
    f"{title} (n={n:,})"
    for title, n in zip(downloaded["title"], downloaded["downloads"], strict=True)
]

totals = widgets.tile_columns(3, "downloads")
totals[0].metric(
    "Downloads",
    f"{int(magnets['downloads'].sum()):,}",
    border=True,
    help="Lead magnets your leads downloaded in the period.",
)
totals[1].metric(
    "Replies after a download",
    f"{int(magnets['replies'].sum()):,}",
    border=True,
    help="Downloads whose lead replied to a DM or an email after downloading.",
)
overall = metrics.pooled_rate(magnets)  # the bar for top performers and laggards below
totals[2].metric(
    "Conversion", f"{overall:.1%}", border=True, help="Replies after a download / downloads."
)

if downloaded.empty:
    st.info("None of these lead magnets has been downloaded yet.")
else:
    left, right = st.columns(2)
    left.plotly_chart(
        charts.ranking_figure(
            downloaded.head(15), "downloads", "title", "Most downloaded", axis_title="Downloads"
        )
    )
    # best and worst by how sure the rate is, not by the rate: 2 of 6 does not top 40 of 300
    ranked = downloaded[downloaded["downloads"] >= MIN_DOWNLOADS_TO_RANK]
    right.plotly_chart(
        charts.conversion_ranking(ranked.nlargest(15, "rate_low"), "Best conversion", overall)
    )
    # a niche with no replies drew no bar at all: its 0.0% and its downloads are written now
    by_niche = metrics.conversion_by_niche(downloaded)
    st.plotly_chart(charts.conversion_ranking(by_niche, "Conversion by niche", overall))
    if len(ranked) >= 2:
        # one above the other: side by side, half a page cut the bound's column
        standing = metrics.standouts(ranked, overall)
        shown = ["title", "downloads", "conversion_rate"]
        average = f"{standing.bar:.1%}"
        tables.listing_or_note(
            st,
            f"**Top performers** (surely above the {average} conversion)",
            standing.top[[*shown, "rate_low"]],
            f"No magnet converts surely above {average} yet.",
            COLUMNS,
        )
        tables.listing_or_note(
            st,
            f"**Laggards** (surely below {average})",
            standing.laggards[[*shown, "rate_high"]],
            f"No magnet converts surely below {average}: none is a laggard yet.",
            COLUMNS,
        )
    st.caption(
        f"Conversion rankings include magnets with at least {MIN_DOWNLOADS_TO_RANK} downloads "
        "(niches, any) and order them by the lower end of their 95% interval (Wilson), how "
        "high their rate surely is, so a few lucky downloads cannot top the list. The dotted "
        "line is the conversion of all downloads together: a green bar (▲) has its interval "
        "wholly above it (a top performer), a red one (▼) wholly below (a laggard), a blue one "
        "across it."
    )

library = semantic.load(gateway)
semantic.find_magnet(
    gateway,
    library,
    client_id,
    sorted(magnets["niche"].dropna().unique()),
    dict(zip(magnets["lead_magnet_id"].astype(str), magnets["title"], strict=True)),
)
semantic.recommendations(gateway, library, client_id)

st.subheader("All lead magnets")
tables.grid(
    magnets[["title", "niche", "source", "downloads", "replies", "conversion_rate"]], COLUMNS
)
