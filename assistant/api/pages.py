"""The pages we serve: the home page (a plain product search linking to the demo shop, the staff UI and the
API docs), the embeddable widget script, and the demo shop that embeds it."""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from retrieval.errors import NotFound

from .dependencies import RetrieverDep

STATIC = Path(__file__).resolve().parents[1] / "static"
HOME_PAGE = (STATIC / "search.html").read_text(encoding="utf-8")
WIDGET_JS = (STATIC / "widget.js").read_text(encoding="utf-8")
DEMO_PAGE = (STATIC / "demo.html").read_text(encoding="utf-8")
PRODUCT_PAGE = Template((STATIC / "demo-product.html").read_text(encoding="utf-8"))

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home() -> str:
    return HOME_PAGE


@router.get("/widget.js")
def widget() -> Response:
    # Short cache: host pages pick up a new widget within minutes of a deploy.
    return Response(WIDGET_JS, media_type="text/javascript; charset=utf-8",
                    headers={"cache-control": "public, max-age=300"})


@router.get("/demo", response_class=HTMLResponse)
def demo() -> str:
    return DEMO_PAGE


@router.get("/demo/products/{product_id}", response_class=HTMLResponse)
def demo_product(product_id: str, retriever: RetrieverDep) -> str:
    """The page a product card links to in the demo catalog (its `url` is /demo/products/<id>)."""
    product = retriever.get_product(product_id)
    if product is None:
        raise NotFound("product_id", f"no product with id {product_id!r}")
    rating = ("No reviews yet" if product.rating is None
              else f"★ {product.rating:.1f} ({product.review_count} reviews)")
    price = "Price on request" if product.price is None else f"{product.price:.2f} {product.currency}"
    return PRODUCT_PAGE.substitute({key: html.escape(str(value)) for key, value in {
        "title": product.title, "brand": product.brand or "", "category": " › ".join(product.category),
        "price": price, "rating": rating, "description": product.description or "",
        "stock": "In stock" if product.in_stock else "Out of stock", "id": product.id}.items()})
