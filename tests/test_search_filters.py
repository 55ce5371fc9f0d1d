"""Hard filters hold inside retrieval: never a violating product, never fewer than k when k match."""

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from retrieval.filters import Facets, matches
from retrieval.models import SearchFilters, SearchRequest


@pytest.fixture(scope="module")
def catalog(demo_retriever):
    version = demo_retriever.home.open_active()
    return {p.id: Facets.of(p) for p in version.products.iter_products()}


def _vocab(catalog, key):
    counts = Counter(v for f in catalog.values() for v in getattr(f, key))
    return sorted(counts)


@pytest.fixture(scope="module")
def vocab(catalog):
    brands = sorted({f.brand for f in catalog.values() if f.brand})
    return {"brand": brands, "categories": _vocab(catalog, "categories"), "colors": _vocab(catalog, "colors"),
            "sizes": _vocab(catalog, "sizes")}


QUERIES = ["running shoes", "wireless earbuds", "gift for a dog lover", "kitchen knife", "warm jacket",
           "organic coffee", "desk chair", "tent for camping", "red", "cheap"]


@st.composite
def filters(draw, vocab):
    lo = draw(st.none() | st.floats(0, 300, allow_nan=False))
    hi = draw(st.none() | st.floats(0, 800, allow_nan=False))
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return SearchFilters(
        min_price=lo, max_price=hi,
        brand=draw(st.lists(st.sampled_from(vocab["brand"]).map(str.title), max_size=3)),
        exclude_brand=draw(st.lists(st.sampled_from(vocab["brand"]), max_size=3)),
        category=draw(st.none() | st.sampled_from(vocab["categories"]).map(str.upper)),
        color=draw(st.none() | st.sampled_from(vocab["colors"])),
        size=draw(st.none() | st.sampled_from(vocab["sizes"])),
        in_stock=draw(st.sampled_from([None, True, False])),
    )


def test_filtered_searches_never_violate_and_fill_k(demo_retriever, catalog, vocab):
    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(f=filters(vocab), query=st.sampled_from(QUERIES), k=st.integers(1, 30))
    def check(f, query, k):
        matching = sum(matches(facets, f) for facets in catalog.values())
        for mode in ("hybrid", "dense", "bm25"):
            request = SearchRequest(query=query, k=k, mode=mode, **f.model_dump())
            hits = demo_retriever.search(request).results
            assert all(matches(catalog[h.id], f) for h in hits), (mode, f)
            assert len({h.id for h in hits}) == len(hits)
            if mode != "bm25":  # BM25 alone returns only products sharing a word with the query
                assert len(hits) == min(k, matching), (mode, f, k, matching)

    check()


def test_filters_that_match_a_few_products_still_return_all_of_them(demo_retriever, catalog):
    brand = sorted({f.brand for f in catalog.values() if f.brand})[0]
    prices = sorted(f.price for f in catalog.values() if f.brand == brand and f.price is not None)
    f = SearchFilters(brand=[brand], max_price=prices[len(prices) // 3])
    expected = {pid for pid, facets in catalog.items() if matches(facets, f)}
    assert 0 < len(expected) < 50
    hits = demo_retriever.search(SearchRequest(query="anything at all", k=50, **f.model_dump())).results
    assert {h.id for h in hits} == expected
