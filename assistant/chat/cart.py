"""Cart arithmetic: a cart is a value; adding a product gives a new one with the total recomputed."""

from __future__ import annotations

from retrieval.models import Product

from .models import Cart, CartLine


def add_line(cart: Cart, product: Product, quantity: int = 1) -> Cart:
    """`cart` with `quantity` more of `product` (a product already in it gets a bigger quantity)."""
    lines = [line.model_copy() for line in cart.lines]
    for line in lines:
        if line.product_id == product.id:
            line.quantity += quantity
            break
    else:
        lines.append(CartLine(product_id=product.id, title=product.title, price=product.price,
                              currency=product.currency, quantity=quantity))
    total = round(sum((line.price or 0.0) * line.quantity for line in lines), 2)
    return Cart(lines=lines, total=total, currency=lines[0].currency if lines else cart.currency)
