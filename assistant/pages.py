"""The API's home page: a plain product search over the catalog, linking to the demo shop, the staff UI and
the API docs."""

from pathlib import Path

HOME_PAGE = (Path(__file__).parent / "static" / "search.html").read_text(encoding="utf-8")
