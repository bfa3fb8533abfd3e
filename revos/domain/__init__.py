"""Pure logic, no database and no Streamlit: metrics and their definitions, periods, lead
filters, timelines, charts, CSV export, the embedders and the AI rewrite's prompt."""
