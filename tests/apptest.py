"""AppTest helpers for the tests (they live in the package so `revos bench` shares them)."""

from revos.tools.apptesting import HOME, open_page, signed_in

__all__ = ["HOME", "open_page", "signed_in"]
