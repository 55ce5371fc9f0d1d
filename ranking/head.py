"""A saved ranker's head, read back: the RankerNet weights (head.pt) with its feature list, standardisation
and serving bias (ranker.json).

Serving loads it to score, and incremental training loads the previous model's to continue from; both
import it from here, below training and the artifacts that `artifacts.save_ranker` writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .model import RankerNet

FORMAT = 1  # ranker.json's "format": bumped when a saved model can no longer be read as before


@dataclass
class Head:
    net: RankerNet
    features: list[str]
    mean: np.ndarray
    std: np.ndarray
    serving_bias: float
    meta: dict  # all of ranker.json


def load_head(directory: Path) -> Head:
    meta = json.loads((directory / "ranker.json").read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{directory}: ranker format {meta.get('format')}, expected {FORMAT}")
    net = RankerNet(**meta["net"])
    net.load_state_dict(torch.load(directory / "head.pt", map_location="cpu", weights_only=True))
    net.eval()
    return Head(net, meta["features"], np.array(meta["mean"]), np.array(meta["std"]), meta["serving_bias"], meta)
