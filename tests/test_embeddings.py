"""The ONNX backend is an optimisation, not a different model: it must give the torch backend's vectors."""

import numpy as np

from retrieval.embeddings import TorchEmbedder, packaged_model_path


def test_onnx_and_torch_backends_agree(embedder):
    texts = ["Stridewell Women's Lightweight Running Shoes, Red", "a", "organic green tea " * 40,
             "Hearthline 12-Inch Nonstick Frying Pan. Kitchen > Cookware > Frying Pans"]
    onnx = embedder.encode(texts)
    torch = TorchEmbedder(packaged_model_path()).encode(texts)
    assert onnx.shape == torch.shape == (4, 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(onnx * torch, axis=1)) > 0.9999
    assert np.allclose(embedder.encode_query(texts[0]), onnx[0], atol=1e-5)


def test_similar_texts_are_closer_than_unrelated_ones(embedder):
    shoes, sneakers, pan = embedder.encode(["running shoes", "jogging sneakers", "frying pan"])
    assert shoes @ sneakers > shoes @ pan + 0.2
