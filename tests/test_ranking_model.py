"""The ranker's pieces that need no trained model: the serving forward, the listwise loss, exploration."""

import math
import random

import numpy as np
import pytest
import torch

from ranking.exploration import Exploration
from ranking.model import RankerNet, ServingHead
from ranking.train import _listwise_loss, _spans


def test_the_numpy_serving_head_equals_the_torch_forward():
    torch.manual_seed(0)
    net = RankerNet(16).eval()
    for layer in net.cross:  # non-trivial weights everywhere
        torch.nn.init.normal_(layer.linear.weight, std=0.3)
    features = torch.randn(50, 16)
    query = torch.nn.functional.normalize(torch.randn(384), dim=0)
    products = torch.nn.functional.normalize(torch.randn(50, 384), dim=1)
    with torch.no_grad():
        expected = net.relevance(features, query.expand(50, -1), products).numpy()
    head = ServingHead(net)
    got = head.relevance(features.numpy().astype(np.float64), head.text_inputs(query.numpy(), products.numpy()))
    assert np.allclose(got, expected, atol=1e-5)


def test_listwise_loss_is_the_softmax_cross_entropy_within_each_search():
    logits = torch.tensor([2.0, 0.0, 1.0, 5.0, 3.0])
    labels = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0])  # the second search has no click: no order to learn
    spans = _spans(["a", "a", "a", "b", "b"])
    assert spans == [(0, 3), (3, 5)]
    expected = -(0.0 - math.log(math.exp(2) + 1 + math.exp(1)))
    assert float(_listwise_loss(logits, labels, spans)) == pytest.approx(expected, rel=1e-6)


def test_exploration_is_bounded_and_only_lifts_new_products():
    ids = [f"p{i}" for i in range(50)]
    probabilities = [0.5 - i * 0.01 for i in range(50)]
    shown = {pid: 1000 for pid in ids[:40]}  # the last ten are new
    exploration = Exploration(share=0.2, max_impressions=20)
    lifted_total = 0
    for seed in range(200):
        order, lifted = exploration.rerank(ids, probabilities, 10, shown, {}, random.Random(seed))
        assert sorted(order) == sorted(ids)
        assert len(lifted) <= 2 and lifted <= set(ids[40:])
        assert set(order[:10]) - set(ids[:10]) == lifted  # only lifted products displace the model's top ten
        assert not lifted & set(order[:3])  # and never into the first three slots
        lifted_total += len(lifted)
    assert lifted_total > 0  # new products do get shown
    assert Exploration(share=0.0).rerank(ids, probabilities, 10, shown, {}, random.Random(0)) == (ids, set())
    # With plenty of evidence nothing is new, so nothing moves.
    everyone = {pid: 1000 for pid in ids}
    assert exploration.rerank(ids, probabilities, 10, everyone, {}, random.Random(0)) == (ids, set())


