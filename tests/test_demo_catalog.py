"""The synthetic demo catalog, its labelled queries and the files the demo store is built from."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta

import pytest

from retrieval.evaluation import JudgedQuery
from retrieval.demo.catalog_generator import (
    SYNTHETIC_NOTICE, generate_catalog, generate_queries, main, write_demo_files)
from retrieval.demo.taxonomy import DEPARTMENTS, GENDER_LABELS, ProductType
from retrieval.models import Product

TODAY = date(2026, 11, 1)
TYPES = {t.name: t for d in DEPARTMENTS for t in d.types}
POLICIES = {"shipping.md", "returns.md", "warranty.md", "payment.md", "price-match.md", "faq.md"}


@pytest.fixture(scope="module")
def catalog() -> list[Product]:
    return generate_catalog(2000, seed=7, today=TODAY)


@pytest.fixture(scope="module")
def queries(catalog) -> list[JudgedQuery]:
    return generate_queries(catalog, seed=7)


def dump(products: list[Product]) -> list[str]:
    return [p.model_dump_json(exclude_defaults=True) for p in products]


def words(text: str) -> set[str]:
    """Lower-cased words with a plural "s" dropped, so "shoe" and "shoes" count as the same word."""
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall(r"[a-z0-9']+", text.lower())}


def test_taxonomy_shape():
    assert [d.name for d in DEPARTMENTS] == ["Apparel", "Shoes", "Electronics", "Home", "Kitchen", "Beauty", "Toys",
                                             "Sports", "Grocery", "Pets", "Office", "Outdoor"]
    brands = [b for d in DEPARTMENTS for b in d.brands]
    assert len(brands) == len(set(brands))
    for department in DEPARTMENTS:
        assert 4 <= len(department.types) <= 7 and 6 <= len(department.brands) <= 10
        for ptype in department.types:
            assert len(ptype.category) == 3 and ptype.category[0] == department.name
            assert 2 <= len(ptype.synonyms) <= 4
            assert ptype.price_median > 0


def test_synonyms_share_no_word_with_the_type_and_name_no_other_type():
    names = {name.lower() for name in TYPES}
    synonyms = [s for t in TYPES.values() for s in t.synonyms]
    assert len(synonyms) == len(set(synonyms))
    for ptype in TYPES.values():
        for synonym in ptype.synonyms:
            assert not words(synonym) & (words(ptype.name) | words(ptype.title_noun)), (ptype.name, synonym)
            assert synonym.lower() not in names


def test_same_seed_same_catalog_and_queries(catalog, queries):
    again = generate_catalog(2000, seed=7, today=TODAY)
    assert dump(again) == dump(catalog)
    assert [q.model_dump_json() for q in generate_queries(again, seed=7)] == [q.model_dump_json() for q in queries]


def test_different_seed_different_catalog(catalog):
    other = generate_catalog(2000, seed=8, today=TODAY)
    differing = sum(a != b for a, b in zip(dump(other), dump(catalog)))
    assert differing > 1900


def test_catalog_spreads_over_every_department_and_type(catalog):
    assert len(catalog) == 2000
    assert len({p.id for p in catalog}) == 2000
    assert {p.category[0] for p in catalog} == {d.name for d in DEPARTMENTS}
    per_type = Counter(p.category[-1] for p in catalog)
    assert set(per_type) == set(TYPES)
    assert max(per_type.values()) - min(per_type.values()) <= 1
    codes = {d.name: d.code for d in DEPARTMENTS}
    assert all(re.fullmatch(rf"{codes[p.category[0]]}-\d{{6}}", p.id) for p in catalog)


def test_every_product_validates_and_round_trips(catalog):
    for product in catalog:
        line = product.model_dump_json(exclude_defaults=True)
        assert Product.model_validate_json(line) == product
        assert tuple(product.category) == TYPES[product.category[-1]].category
        assert product.title.startswith(product.brand)
        assert product.image_url is None  # offline: the widget draws a placeholder tile
        assert product.url == f"/demo/products/{product.id}"
        assert 2 <= len(re.split(r"(?<=\.)\s+(?=[A-Z])", product.description)) <= 4, product.description
        assert len(product.reviews) <= min(3, product.review_count)


def test_prices_are_plausible_for_their_type(catalog):
    for product in catalog:
        median = TYPES[product.category[-1]].price_median
        assert 0.35 * median - 1.51 <= product.price <= 3.5 * median, product
        assert f"{product.price:.2f}"[-3:] in (".99", ".49")
        if product.list_price is not None:
            assert product.list_price > product.price
        assert ("sale" in product.tags) == (product.list_price is not None)
    on_sale = sum(p.list_price is not None for p in catalog) / len(catalog)
    assert 0.15 <= on_sale <= 0.25
    socks = [p.price for p in catalog if p.category[-1] == "Socks"]
    tvs = [p.price for p in catalog if p.category[-1] == "Televisions"]
    assert max(socks) < min(tvs)


def test_ratings_reviews_and_stock_look_like_a_real_store(catalog):
    rated = [p.rating for p in catalog if p.rating is not None]
    assert sum(3.5 <= r <= 4.9 for r in rated) / len(rated) > 0.85
    assert any(r < 3 for r in rated)
    counts = [p.review_count for p in catalog]
    assert 0 in counts and max(counts) > 1000 and max(counts) <= 5000
    assert all((p.rating is None) == (p.review_count == 0) for p in catalog)
    in_stock = sum(p.in_stock for p in catalog) / len(catalog)
    assert 0.88 <= in_stock <= 0.96


def test_new_arrivals_are_recent_and_tagged(catalog):
    assert all(TODAY - timedelta(days=3 * 365) <= p.launched_at <= TODAY for p in catalog)
    new = [p for p in catalog if (TODAY - p.launched_at).days < 30]
    assert 0.05 <= len(new) / len(catalog) <= 0.11
    assert all(("new" in p.tags) == (p in new) for p in catalog)


def test_attributes_and_variants_agree(catalog):
    colors = {p.attributes["color"] for p in catalog if "color" in p.attributes}
    assert {"navy", "charcoal grey", "off-white", "black", "red"} <= colors
    for product in catalog:
        ptype = TYPES[product.category[-1]]
        if ptype.size_style == "variants" and ptype.sizes:
            sizes = product.attributes["size"]
            assert isinstance(sizes, list) and 2 <= len(sizes) <= 6
            assert [v.options["size"] for v in product.variants] == sizes
            assert all(v.options.get("color") == product.attributes.get("color") for v in product.variants)
            assert product.in_stock == any(v.in_stock for v in product.variants)
        else:
            assert product.variants == []
        if product.attributes.get("gender"):
            assert GENDER_LABELS[product.attributes["gender"]] in product.title


def test_at_least_60_graded_queries_on_real_products(catalog, queries):
    ids = {p.id for p in catalog}
    assert len(queries) >= 60
    assert len({q.query for q in queries}) == len(queries)
    for query in queries:
        assert set(query.judgments) <= ids
        assert set(query.judgments.values()) <= {1, 2, 3}
        assert sum(g == 3 for g in query.judgments.values()) >= 3, query.query


def test_grades_follow_the_ground_truth(catalog, queries):
    by_id = {p.id: p for p in catalog}
    for query in queries:
        graded = {grade: [by_id[i] for i, g in query.judgments.items() if g == grade] for grade in (1, 2, 3)}
        type_names = {p.category[-1] for p in graded[3] + graded[2]}
        assert len(type_names) == 1, query.query
        ptype = TYPES[type_names.pop()]
        assert all(p.category[:2] == list(ptype.category[:2]) and p.category[-1] != ptype.name for p in graded[1])
        same_type = [p for p in catalog if p.category[-1] == ptype.name]
        assert len(same_type) == len(graded[3]) + len(graded[2])
        constraint = _constraint(query.query, ptype)
        if constraint:
            assert all(constraint in _facts(p) for p in graded[3]), query.query
            assert not any(constraint in _facts(p) for p in graded[2]), query.query
        else:
            assert not graded[2]


def test_queries_mix_every_kind(queries):
    texts = [q.query for q in queries]
    synonyms = {s for t in TYPES.values() for s in t.synonyms}
    assert sum(t in synonyms for t in texts) >= 8
    assert sum(t in {n.lower() for n in TYPES} for t in texts) >= 8
    assert sum(t.startswith(("men's ", "women's ", "kids ")) for t in texts) >= 8
    brands = tuple(b + " " for d in DEPARTMENTS for b in d.brands)
    assert sum(t.startswith(brands) for t in texts) >= 8


def test_write_demo_files(tmp_path):
    counts = write_demo_files(tmp_path, n=300, seed=3)
    lines = (tmp_path / "catalog.jsonl").read_text().splitlines()
    assert counts["products"] == len(lines) == 300
    assert [Product.model_validate_json(line) for line in lines] == generate_catalog(300, seed=3)
    query_lines = (tmp_path / "queries.jsonl").read_text().splitlines()
    assert counts["queries"] == len(query_lines) > 0
    assert all(JudgedQuery.model_validate_json(line).judgments for line in query_lines)
    assert {p.name for p in (tmp_path / "policies").iterdir()} == POLICIES
    for policy in (tmp_path / "policies").iterdir():
        text = policy.read_text()
        assert "shopassist demo store" in text and 150 <= len(text.split()) <= 420
    assert SYNTHETIC_NOTICE in (tmp_path / "SYNTHETIC.txt").read_text()


def test_command_line(tmp_path, capsys):
    assert main(["--n", "120", "--seed", "5", "--out", str(tmp_path / "out")]) == 0
    assert json.loads(capsys.readouterr().out)["products"] == 120
    assert len((tmp_path / "out" / "catalog.jsonl").read_text().splitlines()) == 120


def _constraint(query: str, ptype: ProductType) -> str:
    """The part of a query that is not the product type: "red" in "red running shoes"."""
    if query in ptype.synonyms:
        return ""
    rest = query.replace(ptype.name.lower(), "").strip()
    return rest.removeprefix("with ").strip()


def _facts(product: Product) -> set[str]:
    gender = {"men": "men's", "women": "women's", "kids": "kids"}.get(product.attributes.get("gender"), "")
    attributes = product.attributes
    return {product.brand, attributes.get("color"), attributes.get("material"), attributes.get("ingredient"),
            gender, *product.tags} - {None, ""}
