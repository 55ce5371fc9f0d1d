"""The HTTP API (`shopassist serve`): `create_app` wires one `Services` into FastAPI; routes live by area
(`catalog`, `events`, `chat`) and get what they need through the dependencies in `dependencies`."""

from .app import create_app

__all__ = ["create_app"]
