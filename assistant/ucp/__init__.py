"""Outside agents shop the store: an MCP server speaking the Universal Commerce Protocol's shopping service.

- `commerce.py`: the tools (search_catalog, lookup_catalog, get_product, create_cart, get_cart, update_cart,
  cancel_cart, search_shop_policies_and_faqs, ask_shop_assistant) over the shared `Services`, every call logged
  as agent traffic;
- `convert.py`: products and carts in UCP's shapes (minor units, continue_url);
- `validation.py`: the UCP JSON schemas vendored in `schemas/`, inputs validated against them;
- `server.py`: the MCP server (official SDK): streamable HTTP at /ucp/mcp on the API app, stdio for
  `shopassist mcp`.
"""
