"""Streamlit widgets and session plumbing shared by every page. Pages import from here."""
