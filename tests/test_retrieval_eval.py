"""Retrieval quality on the demo query set, and the metrics themselves."""

import math

import pytest

from retrieval.evaluation import JudgedQuery, evaluate, load_qrels, ndcg_at_k, reciprocal_rank, recall_at_k


def test_metrics_on_hand_computed_cases():
    judgments = {"a": 3, "b": 1}
    assert ndcg_at_k(["a", "b"], judgments) == pytest.approx(1.0)
    swapped = (1 / 1 + 7 / math.log2(3)) / (7 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a"], judgments) == pytest.approx(swapped)
    assert ndcg_at_k(["x", "y"], judgments) == 0.0
    assert recall_at_k(["x", "a"], {"a", "b"}, 50) == 0.5
    assert reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)


def test_qrels_files_in_both_formats(tmp_path):
    tsv = tmp_path / "qrels.tsv"
    tsv.write_text("# query\tid\tgrade\nred shoes\tP1\t1\nred shoes\tP2\t0\nearbuds\tP3\t1\n")
    queries = load_qrels(tsv)
    assert [(q.query, q.judgments) for q in queries] == [("red shoes", {"P1": 1, "P2": 0}), ("earbuds", {"P3": 1})]
    jsonl = tmp_path / "qrels.jsonl"
    jsonl.write_text(JudgedQuery(query="tea", judgments={"T": 2}).model_dump_json() + "\n")
    assert load_qrels(jsonl)[0].judgments == {"T": 2}
    bad = tmp_path / "bad.tsv"
    bad.write_text("only two\tcolumns\n")
    with pytest.raises(ValueError, match="bad.tsv:1"):
        load_qrels(bad)


def test_hybrid_beats_both_single_retrievers_on_the_demo_queries(demo_settings, demo_retriever):
    from assistant.demo_store import demo_queries_path

    queries = load_qrels(demo_queries_path(demo_settings))
    assert len(queries) >= 60
    results = evaluate(demo_retriever, queries)
    hybrid, dense, bm25 = results["hybrid"], results["dense"], results["bm25"]
    assert hybrid.ndcg_at_10 > dense.ndcg_at_10
    assert hybrid.ndcg_at_10 > bm25.ndcg_at_10
    assert hybrid.ndcg_at_10 > 0.8  # the generator's queries are answerable; a broken index scores far lower
