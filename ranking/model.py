"""The ranker's network: a DCN-v2 head over the features and the fine-tuned text match, plus a position tower.

    inputs   the standardised FEATURES except position (intent matches, product facts, popularity, user
             affinities), the cosine of the fine-tuned query and product vectors, and a learnt projection
             of their element-wise product (which words of meaning matched, not only how much)
    cross    x_{l+1} = x0 * (W_l x_l + b_l) + x_l, two layers: explicit feature crossings
             ("price inside the range" x "this user's price band")
    deep     a small MLP beside the crossings
    logit    relevance = linear(cross, deep);  training logit = relevance + position_bias[position]

Position bias is a separate additive tower (as in PAL and YouTube's shallow tower): it soaks up "the top
slot gets clicked" while training and is dropped when serving, so the relevance part never learns it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

MAX_POSITION = 50  # positions past this share one bias


class CrossLayer(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.linear = nn.Linear(width, width)

    def forward(self, x0: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return x0 * self.linear(x) + x


class RankerNet(nn.Module):
    def __init__(self, n_features: int, text_dim: int = 384, text_projection: int = 8, cross_layers: int = 2,
                 hidden: int = 64, dropout: float = 0.1):
        super().__init__()
        self.config = dict(n_features=n_features, text_dim=text_dim, text_projection=text_projection,
                           cross_layers=cross_layers, hidden=hidden, dropout=dropout)
        self.text_projection = nn.Linear(text_dim, text_projection)
        width = n_features + 1 + text_projection
        self.cross = nn.ModuleList(CrossLayer(width) for _ in range(cross_layers))
        self.deep = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, hidden // 2), nn.ReLU())
        self.out = nn.Linear(width + hidden // 2, 1)
        self.position_bias = nn.Embedding(MAX_POSITION + 1, 1)
        nn.init.zeros_(self.position_bias.weight)

    def relevance(self, features: torch.Tensor, query_vectors: torch.Tensor,
                  product_vectors: torch.Tensor) -> torch.Tensor:
        """The serving logit: what the shopper would click, wherever it were shown."""
        cosine = (query_vectors * product_vectors).sum(-1, keepdim=True)
        x0 = torch.cat([features, cosine, self.text_projection(query_vectors * product_vectors)], dim=-1)
        return self._head(x0)

    def _head(self, x0: torch.Tensor) -> torch.Tensor:
        x = x0
        for layer in self.cross:
            x = layer(x0, x)
        return self.out(torch.cat([x, self.deep(x0)], dim=-1)).squeeze(-1)

    def forward(self, features: torch.Tensor, query_vectors: torch.Tensor, product_vectors: torch.Tensor,
                positions: torch.Tensor) -> torch.Tensor:
        """The training logit: relevance plus the bias of the position the product was shown at."""
        bias = self.position_bias(positions.clamp(1, MAX_POSITION)).squeeze(-1)
        return self.relevance(features, query_vectors, product_vectors) + bias


class ServingHead:
    """`RankerNet.relevance` in NumPy, for serving: a few small matrix products per search, with no torch
    thread pool to wake (on a small CPU shared with onnxruntime, torch's spinning threads cost more than the
    arithmetic). Tested equal to the torch forward."""

    def __init__(self, net: RankerNet):
        weights = {name: value.detach().numpy().astype(np.float64) for name, value in net.state_dict().items()}
        self.projection = (weights["text_projection.weight"].T, weights["text_projection.bias"])
        self.cross = [(weights[f"cross.{i}.linear.weight"].T, weights[f"cross.{i}.linear.bias"])
                      for i in range(len(net.cross))]
        self.deep = [(weights["deep.0.weight"].T, weights["deep.0.bias"]), (weights["deep.3.weight"].T, weights["deep.3.bias"])]
        self.out = (weights["out.weight"].T, weights["out.bias"])

    def text_inputs(self, query_vector: np.ndarray, product_vectors: np.ndarray) -> np.ndarray:
        """(n, 1 + projection): the cosine and the projected interaction of one query with n products."""
        interaction = product_vectors * query_vector
        return np.hstack([interaction.sum(1, keepdims=True), interaction @ self.projection[0] + self.projection[1]])

    def relevance(self, features: np.ndarray, text_inputs: np.ndarray) -> np.ndarray:
        x0 = np.hstack([features, text_inputs])
        x = x0
        for weight, bias in self.cross:
            x = x0 * (x @ weight + bias) + x
        hidden = x0
        for weight, bias in self.deep:
            hidden = np.maximum(hidden @ weight + bias, 0.0)
        return (np.hstack([x, hidden]) @ self.out[0] + self.out[1])[:, 0]
