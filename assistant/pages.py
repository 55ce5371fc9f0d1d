"""Static pages served by the API (the full shopper widget and staff UI come with the chat pipeline)."""

from pathlib import Path

HOME_PAGE = (Path(__file__).parent / "static" / "search.html").read_text(encoding="utf-8")
