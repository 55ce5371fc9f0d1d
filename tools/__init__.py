"""The shopping domain the assistant acts on, and its LangChain tools, bound to one conversation's `Shop`.

Product cards with reasons (`cards`), the cart (`models.Cart`; add, remove, change a quantity, empty: `cart`),
search, compare and related products (`catalog`), policy lookup (`policy`); `shop.ShopperSession` is all the
tools need of a conversation.

    tools = build_tools(shop)                  # list[StructuredTool], pydantic args, pydantic results
    tools_by_name(tools)["search_products"].invoke({"query": "tent", "max_price": 200})
    openai_tool_specs(tools)                   # OpenAI tool specs with "strict": true (vLLM enforces them)

The chat pipeline calls them itself (deterministic routing) or lets a tool-capable model call them; the same
definitions either way.
"""

from __future__ import annotations

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from .cart import (add_to_cart_tool, clear_cart_tool, remove_from_cart_tool, update_cart_quantity_tool,
                   view_cart_tool)
from .catalog import compare_products_tool, get_product_tool, related_products_tool, search_products_tool
from .policy import lookup_policy_tool
from .shop import AnonymousSession, ProductSearch, Shop, ShopperSession, UnknownProduct

__all__ = ["AnonymousSession", "ProductSearch", "Shop", "ShopperSession", "UnknownProduct", "build_tools",
           "openai_tool_specs", "tools_by_name"]

TOOL_NAMES = ("search_products", "get_product", "compare_products", "related_products", "lookup_policy",
              "add_to_cart", "view_cart", "remove_from_cart", "update_cart_quantity", "clear_cart")


def build_tools(shop: Shop) -> list[BaseTool]:
    return [search_products_tool(shop), get_product_tool(shop), compare_products_tool(shop),
            related_products_tool(shop), lookup_policy_tool(shop), add_to_cart_tool(shop), view_cart_tool(shop),
            remove_from_cart_tool(shop), update_cart_quantity_tool(shop), clear_cart_tool(shop)]


def tools_by_name(tools: list[BaseTool]) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in tools}


def openai_tool_specs(tools: list[BaseTool]) -> list[dict]:
    """Strict specs: every argument required (nullable where optional), no extra keys."""
    return [convert_to_openai_tool(tool, strict=True) for tool in tools]
