"""argparse types shared by the subcommands."""

from __future__ import annotations

import argparse


def iso_day(text: str):
    """An argparse type: an ISO date."""
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO date (YYYY-MM-DD), got {text!r}") from None


def iso_moment(text: str):
    """An argparse type: an ISO date or datetime; naive means UTC."""
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO date or datetime, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

