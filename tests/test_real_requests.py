"""The real-request evaluation set (issue 10): well formed, held-out split, no overlap with the main set."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from assistant.intent import real_requests
from assistant.intent.evaluation import (DEFAULT_SET, FIELDS, IntentExample, REAL_FIELDS, REAL_SET, load_examples, main,
                                         scored_fields, select_split)
from retrieval.intent import Intent


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in REAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_set_loads_and_every_label_is_an_intent(rows):
    examples = load_examples(REAL_SET)
    assert len(examples) == len(rows) >= 400
    for row in rows:
        assert set(row) == {"text", "source", "split", "expected"}, row
        Intent.model_validate(row["expected"])
        assert set(row["expected"]) <= set(Intent.model_fields)
        assert "category" not in row["expected"], row["text"]  # open-domain: category is not labelled
        assert row["text"] == " ".join(row["text"].split()) and row["text"]


def test_both_sources_and_a_fixed_split(rows):
    counts = Counter((row["source"], row["split"]) for row in rows)
    assert set(counts) == {("webshop", "dev"), ("webshop", "test"), ("esci", "dev"), ("esci", "test")}
    assert sum(n for (source, _), n in counts.items() if source == "webshop") >= 300
    assert sum(n for (source, _), n in counts.items() if source == "esci") >= 120
    test = sum(n for (_, split), n in counts.items() if split == "test")
    assert 0.6 <= test / len(rows) <= 0.7  # about two thirds held out


def test_no_duplicates_and_nothing_from_the_main_set(rows):
    texts = [real_requests.normalise(row["text"]) for row in rows]
    assert len(texts) == len(set(texts))
    main_set = {real_requests.normalise(example.text) for example in load_examples(DEFAULT_SET)}
    assert not main_set & set(texts)


def test_real_requests_score_every_field_but_category():
    examples = load_examples(REAL_SET)
    assert scored_fields(examples) == REAL_FIELDS == tuple(f for f in FIELDS if f != "category")
    assert scored_fields(load_examples(DEFAULT_SET)) == FIELDS
    test = select_split(examples, "test")
    assert test and {e.split for e in test} == {"test"}
    assert len(select_split(examples, "dev")) + len(test) == len(examples)
    with pytest.raises(ValueError):
        select_split(load_examples(DEFAULT_SET), "test")


def test_the_evaluator_reports_the_held_out_split(capsys):
    assert main(["--real", "--split", "test", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["examples"] == sum(1 for e in load_examples(REAL_SET) if e.split == "test")
    assert "category" not in report["fields"]


def test_the_labelled_file_is_the_seeded_sample():
    """Reproducible: the sampler draws exactly the labelled requests (needs ../shared/data)."""
    if not (real_requests.SHARED_DATA / "webshop_human_goals.json").exists():
        # The WebShop/ESCI files are external data, not in the repo: without them the draw cannot be redone,
        # while the other tests here still check the labelled file itself.
        pytest.skip(f"external data not present: {real_requests.SHARED_DATA} (see ../shared/data/README.md)")
    assert real_requests.check() == []


def _labelled_rows(path) -> list[dict]:
    """A training file's rows, each checked to be a valid labelled example."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        IntentExample.model_validate({"text": row["text"], "expected": row["expected"]})
    return rows


def test_the_training_requests_are_their_seeded_sample_and_never_evaluation_rows():
    """The labelled training file (data/real_requests_train.jsonl) is the `sample-train` draw, disjoint from the
    evaluation set and from intent_eval.jsonl; `train-intent` reads it, never the test split."""
    rows = _labelled_rows(real_requests.TRAIN_SET)
    assert len(rows) == sum(count for _, count in real_requests.TRAIN_DRAWS)
    assert {row["split"] for row in rows} == {"train"}
    evaluation = real_requests.evaluation_texts()
    assert not evaluation & {real_requests.normalise(row["text"]) for row in rows}
    if (real_requests.SHARED_DATA / "webshop_human_goals.json").exists():
        assert [row["text"] for row in rows] == [row["text"] for row in real_requests.sample_train()]


def test_the_typed_query_training_file_is_its_seeded_sample_and_never_evaluation_text():
    """data/real_queries_train.jsonl: search queries people typed for WebShop goals, drawn for training only:
    none is an evaluation text, and (with the shared data) it is exactly the `sample-train-queries` draw, which
    never takes a query typed for a goal of either evaluation set."""
    rows = _labelled_rows(real_requests.QUERY_TRAIN_SET)
    assert len(rows) == real_requests.QUERY_TRAIN_COUNT
    assert {(row["source"], row["split"]) for row in rows} == {("webshop_query", "train")}
    evaluation = real_requests.evaluation_texts()
    assert not evaluation & {real_requests.normalise(row["text"]) for row in rows}
    goal_queries = real_requests.SHARED_DATA / "webshop_goal_query_map.json"
    if not goal_queries.exists():
        return  # the shared data is optional (a user's machine): the checks above still ran
    assert [row["text"] for row in rows] == [row["text"] for row in real_requests.sample_train_queries()]
    typed_for_evaluation = {real_requests.normalise(query)
                            for goal, queries in json.loads(goal_queries.read_text(encoding="utf-8")).items()
                            if real_requests.normalise(goal) in evaluation for query in queries}
    assert typed_for_evaluation, "the evaluation set shares goals with the query map: the exclusion is exercised"
    assert not typed_for_evaluation & {real_requests.normalise(row["text"]) for row in rows}
