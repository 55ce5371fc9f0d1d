"""The agent door: `GET /.well-known/ucp` (the store's UCP business profile: the MCP endpoint and the capabilities
actually served), the MCP endpoint at `/ucp/mcp` (assistant/ucp/server.py), and the demo shop's checkout page
an agent's cart hands the shopper to (`continue_url`). `SHOPASSIST_MCP=off` serves none of them (404).

Keys: with `public_key_required`, an MCP request needs a key by the shoppers' doors' rule (`auth.shopper_key`: a
public key from one of its origins, or a staff or admin key), else 401/403 shaped like the other doors'; by
default the door is open to anonymous agents, as the shoppers' doors are. Discovery stays public.

    install_agents(app, settings)
"""

from __future__ import annotations

import html

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from ..ucp.convert import CART, LOOKUP, SEARCH
from ..ucp.server import MCP_PATH, mount
from ..ucp.validation import VERSION
from .auth import DoorRefused, bearer, shopper_key
from .dependencies import ServicesDep
from .errors import unprocessable

router = APIRouter(include_in_schema=False)
CAPABILITIES = {SEARCH: "shopping/catalog/search", LOOKUP: "shopping/catalog/lookup", CART: "shopping/cart"}
SCHEMAS = {SEARCH: "shopping/catalog_search.json", LOOKUP: "shopping/catalog_lookup.json", CART: "shopping/cart.json"}


def business_profile(base_url: str) -> dict:
    """The UCP business profile (`profile.json#/$defs/business_schema`): one shopping service over MCP, and the
    capabilities its tools serve (catalog search, catalog lookup, cart; no checkout: that is the store's)."""
    spec = f"https://ucp.dev/{VERSION}"
    return {"ucp": {
        "version": VERSION,
        "services": {"dev.ucp.shopping": [{
            "version": VERSION, "spec": f"{spec}/specification/overview", "transport": "mcp",
            "schema": f"{spec}/services/shopping/mcp.openrpc.json", "endpoint": base_url.rstrip("/") + MCP_PATH}]},
        "capabilities": {name: [{"version": VERSION, "spec": f"{spec}/specification/{CAPABILITIES[name]}",
                                 "schema": f"{spec}/schemas/{SCHEMAS[name]}"}] for name in (SEARCH, LOOKUP, CART)},
        "payment_handlers": {},
    }}


@router.get("/.well-known/ucp")
def well_known_ucp(request: Request, services: ServicesDep) -> JSONResponse:
    base = services.settings.public_url or str(request.base_url)
    return JSONResponse(business_profile(base), headers={"cache-control": "public, max-age=300"})


@router.get("/demo/checkout", response_class=HTMLResponse)
def demo_checkout(services: ServicesDep, cart: str = "") -> HTMLResponse:
    """Where an agent's cart lands the shopper in the demo shop: the cart's lines and total, to check out."""
    from ..chat.sessions import is_issued_id

    session = services.sessions.get(cart) if is_issued_id(cart) else None
    if session is None or not session.cart.lines:
        body = "<p>This cart is empty, has expired or was canceled.</p>"
    else:
        rows = "".join(
            f"<tr><td><a href=\"/demo/products/{html.escape(line.product_id, quote=True)}\">"
            f"{html.escape(line.title)}</a></td><td>{line.quantity}</td>"
            f"<td>{'price on request' if line.price is None else f'{line.price:.2f} {html.escape(line.currency)}'}"
            f"</td></tr>" for line in session.cart.lines)
        body = (f"<table><tr><th>Product</th><th>Qty</th><th>Price</th></tr>{rows}</table>"
                f"<p class=\"total\">Total: {session.cart.total:.2f} {html.escape(session.cart.currency)}</p>"
                "<p><button disabled>Pay (the demo shop takes no payments)</button></p>")
    page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Checkout - demo shop</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto;padding:0 1rem}"
            "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.5rem;"
            "text-align:left}.total{font-weight:600}</style></head><body><h1>Checkout</h1>"
            f"<p>The cart your assistant put together.</p>{body}<p><a href=\"/demo\">Back to the shop</a></p>"
            "</body></html>")
    return HTMLResponse(page, headers={"cache-control": "no-store"})


class AgentKeyCheck:
    """The MCP endpoint behind the shoppers' key rule when `public_key_required` is set (checked on every request,
    before the MCP transport reads the body); otherwise it passes everything through."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            services = request.app.state.services
            if services.settings.public_key_required:
                try:
                    shopper_key(request, services, await bearer(request))
                except DoorRefused as refused:
                    response = unprocessable([(refused.field, refused.message)], status_code=refused.status)
                    if refused.status == 401:
                        response.headers["WWW-Authenticate"] = "Bearer"
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def install_agents(app: FastAPI, settings: Settings) -> None:
    """The agent door on `app`, unless switched off."""
    if not settings.mcp:
        return
    app.include_router(router)
    mount(app, settings, guard=AgentKeyCheck)
