"""New-product discovery: a bounded Thompson-sampling boost for products the log knows little about.

A product shown fewer than `max_impressions` times in the ranker's data window is "new". Its click rate is
uncertain, so instead of its predicted probability p it competes with a draw from
Beta(PRIOR_STRENGTH * p + clicks, PRIOR_STRENGTH * (1 - p) + misses): the model's estimate, widened by how
little evidence there is and narrowed as impressions come in. Draws that land high lift the product; at
most `share` of the k shown slots can go to products lifted from below the top k, and never one of the first
`protected_slots` (where most clicks happen), so the cost of exploring is bounded whatever the draws.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

PRIOR_STRENGTH = 10.0  # the model's estimate counts as this many pseudo impressions


@dataclass
class Exploration:
    share: float = 0.1
    max_impressions: int = 20
    protected_slots: int = 3  # the model's own top three stay on top

    def rerank(self, ids: list[str], probabilities: list[float], k: int, shown: dict[str, int],
               clicks: dict[str, int], rng: random.Random) -> tuple[list[str], set[str]]:
        """`ids` ordered by the model (best first) -> (the order to show, the ids lifted into the top k)."""
        budget = math.floor(self.share * k)
        if budget < 1 or not ids:
            return ids, set()
        base_rank = {pid: i for i, pid in enumerate(ids)}
        sampled = {}
        for pid, p in zip(ids, probabilities):
            n = shown.get(pid, 0)
            if n < self.max_impressions:
                c = min(clicks.get(pid, 0), n)
                sampled[pid] = rng.betavariate(PRIOR_STRENGTH * p + c + 1e-3,
                                               PRIOR_STRENGTH * (1 - p) + (n - c) + 1e-3)
        score = dict(zip(ids, probabilities)) | sampled
        shown_first, lifted = [], set()
        for pid in sorted(ids, key=lambda i: (-score[i], base_rank[i])):
            if len(shown_first) == k:
                break
            if base_rank[pid] >= k:  # would not be shown at all without the draw
                if pid not in sampled or len(lifted) >= budget:
                    continue
                lifted.add(pid)
            shown_first.append(pid)
        # Lifted products give way to the model's own picks in the protected slots.
        keep = min(self.protected_slots, len(shown_first))
        top = [pid for pid in shown_first if pid not in lifted][:keep]
        shown_first = top + [pid for pid in shown_first if pid not in top]
        chosen = set(shown_first)
        return shown_first + [pid for pid in ids if pid not in chosen], lifted
