"""`shopassist eval chat`: the dialogue file format, each check on hand-made turns (fakes, no catalog), the
runner over a fake chat service, and one end-to-end run over the real Shopify slice (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.chat.evaluation import (CHECKS, Dialogue, DialogueFileError, Expect, TurnRecord, check_turn,
                                       format_report, load_dialogues, policies_dir_for, run_dialogue, summarize)
from assistant.chat.models import ChatResponse
from assistant.cli import main
from retrieval.intent import Intent
from retrieval.models import Product
from retrieval.policies import PolicyPassage
from tools.models import Cart, CartLine, ProductCard

DIALOGUES = Path(__file__).parent / "data" / "dialogues"
SHOPIFY = "tests/data/catalogs/shopify_packt_home.csv"

# ---------------------------------------------------------------------------------------------- the files


def test_the_dialogue_files_load_and_cover_three_real_catalogs_and_the_demo():
    real = load_dialogues(DIALOGUES / "real_catalogs.jsonl", check_files=True)
    demo = load_dialogues(DIALOGUES / "demo.jsonl", check_files=True)
    catalogs = {d.catalog for d in real}
    assert len(real) >= 40 and len(catalogs) >= 3 and "demo" not in catalogs
    assert all((Path(__file__).parents[1] / c).is_file() for c in catalogs)
    assert len(demo) >= 10 and {d.catalog for d in demo} == {"demo"}
    assert any(len(d.turns) >= 10 for d in real)
    assert all(d.check_count() > 0 for d in real + demo)
    used = {name for d in real + demo for turn in d.turns for name in turn.expect.checks()}
    assert used == set(CHECKS)  # every kind of check is exercised by some dialogue


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "dialogues.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"id": "a", "catalog": "demo", "turns": [{"message": "tent", "expect": {"min_products": 1}}]})


@pytest.mark.parametrize("bad, line, field", [
    (json.dumps({"id": "b", "catalog": "demo", "turns": [{"message": "x", "expect": {"max_pryce": 3}}]}),
     3, "turns.0.expect.max_pryce"),
    (json.dumps({"id": "b", "catalog": "demo", "turns": [{"message": "x", "expect": {"sorted_by": "cheap"}}]}),
     3, "turns.0.expect.sorted_by"),
    (json.dumps({"id": "b", "catalog": "demo", "turns": []}), 3, "turns"),
    (json.dumps({"id": "b", "turns": [{"message": "x"}]}), 3, "catalog"),
    (json.dumps({"id": "b", "catalog": "demo", "turns": [{"message": "x",
                                                          "expect": {"reply_matches_any": ["(unclosed"]}}]}),
     3, "turns.0.expect.reply_matches_any"),
    ('{"id": "b", "catalog": ', 3, "line"),
    ("[1, 2]", 3, "line"),
    (GOOD, 3, "id"),  # the same id twice
])
def test_a_malformed_line_is_reported_with_its_line_number_and_field(tmp_path, bad, line, field):
    path = _write(tmp_path, GOOD, "", bad)
    with pytest.raises(DialogueFileError) as error:
        load_dialogues(path)
    assert (error.value.line, error.value.field) == (line, field)
    assert str(error.value).startswith(f"{path}:{line}: {field}: ")


def test_a_missing_catalog_file_is_reported_when_files_are_checked(tmp_path):
    path = _write(tmp_path, json.dumps({"id": "a", "catalog": "no/such/feed.csv", "turns": [{"message": "x"}]}))
    assert load_dialogues(path)[0].catalog == "no/such/feed.csv"
    with pytest.raises(DialogueFileError, match=r":1: catalog: no such file"):
        load_dialogues(path, check_files=True)


def test_the_command_exits_2_on_a_malformed_file_naming_line_and_field(tmp_path, capsys):
    path = _write(tmp_path, GOOD, json.dumps({"id": "b", "catalog": "demo", "turns": [{"message": ""}]}))
    assert main(["eval", "chat", str(path)]) == 2
    assert f"{path}:2: turns.0.message:" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- the checks

PRODUCTS = {
    "lamp": Product(id="lamp", title="Black Lamp", brand="Rustic LTD", category=["Home", "Lighting", "Lamps"],
                    price=19.99, description="Black plastic lamp", rating=4.5, review_count=10),
    "floor": Product(id="floor", title="Floor Lamp", category=["Home", "Lighting", "Lamps"], price=69.99,
                     tags=["Black"], rating=3.9),
    "table": Product(id="table", title="Round Table", category=["Home", "Furniture", "Tables"], price=15.99,
                     attributes={"material": "wood"}),
    "mug": Product(id="mug", title="Metal Mug", category=["Home", "Kitchen", "Mugs"], price=59.99),
}


def card(pid: str, **changes) -> ProductCard:
    p = PRODUCTS[pid]
    return ProductCard(id=p.id, title=p.title, price=p.price, rating=p.rating, brand=p.brand).model_copy(update=changes)


def turn(*ids: str, reply: str = "", cart: dict[str, int] | None = None, policies=()) -> TurnRecord:
    lines = [CartLine(product_id=i, title=PRODUCTS[i].title, price=PRODUCTS[i].price, quantity=q)
             for i, q in (cart or {}).items()]
    return TurnRecord(message="m", reply=reply, products=[card(i) for i in ids], cart=Cart(lines=lines),
                      policies=list(policies))


RETURNS = PolicyPassage(source="returns.md", title="Returns",
                        text="You can return any item within 14 days of delivery for a full refund.")
BEFORE = [turn("floor", "lamp", "table")]  # the earlier turn: a list of three, top pick $69.99, median $19.99

# (check, expected value, history, a turn that passes, a turn that fails)
CASES = [
    ("min_products", 2, [], turn("lamp", "floor"), turn("lamp")),
    ("max_products", 1, [], turn("lamp"), turn("lamp", "floor")),
    ("max_price", 20, [], turn("lamp", "table"), turn("lamp", "floor")),
    ("min_price", 50, [], turn("floor", "mug"), turn("floor", "table")),
    ("products_match_any", ["lamp"], [], turn("lamp", "floor"), turn("lamp", "table")),
    ("products_match_any", ["plastic"], [], turn("lamp"), turn("floor")),  # the description counts
    ("products_match_any", ["lighting"], [], turn("lamp"), turn("mug")),  # the category counts
    ("products_match_any", ["wood"], [], turn("table"), turn("lamp")),  # attribute values count
    ("products_match_none", ["table"], [], turn("lamp"), turn("lamp", "table")),
    ("top_match_any", ["black"], [], turn("floor", "table"), turn("table", "floor")),  # tags count
    ("top_id_in", ["lamp", "floor"], [], turn("floor"), turn("mug", "floor")),
    ("must_include_ids", ["lamp", "table"], [], turn("table", "lamp", "mug"), turn("lamp", "mug")),
    ("must_exclude_ids", ["mug"], [], turn("lamp"), turn("lamp", "mug")),
    ("not_shown_before", True, BEFORE, turn("mug"), turn("mug", "lamp")),
    ("same_kind_as_before", True, BEFORE, turn("lamp", "floor"), turn("lamp", "mug")),
    ("cheaper_than_before", True, BEFORE, turn("lamp", "table"), turn("lamp", "floor")),
    ("pricier_than_before", True, BEFORE, turn("floor", "mug"), turn("mug", "lamp")),
    ("shown_positions", [1, 3], BEFORE, turn("floor", "table"), turn("floor", "lamp")),
    ("sorted_by", "price_asc", [], turn("table", "lamp", "floor"), turn("lamp", "table")),
    ("sorted_by", "price_desc", [], turn("floor", "lamp", "table"), turn("lamp", "floor")),
    ("sorted_by", "rating_desc", [], turn("lamp", "floor", "table"), turn("table", "lamp")),  # unrated last
    ("reply_contains", ["14 days", "refund"], [], turn(reply="A Refund within 14 days."), turn(reply="14 days")),
    ("reply_not_contains", ["30 days"], [], turn(reply="14 days"), turn(reply="within 30 DAYS")),
    ("reply_matches_any", [r"\$19\.99", "no ratings?"], [], turn(reply="It has no rating."), turn(reply="$19.98")),
    ("reply_matches_all", ["contact", r"don't have"], [], turn(reply="I don't have that; contact the store."),
     turn(reply="I don't have that.")),
    ("reply_states_prices", True, [], turn("lamp", "mug", reply="The lamp is $19.99, the mug $59.99."),
     turn("lamp", "mug", reply="The lamp is $19.99.")),
    ("cart_product_ids", ["lamp"], [], turn(cart={"lamp": 2}), turn(cart={"lamp": 1, "mug": 1})),
    ("cart_quantities", {"lamp": 2}, [], turn(cart={"lamp": 2}), turn(cart={"lamp": 1})),
    ("cart_count", 3, [], turn(cart={"lamp": 2, "mug": 1}), turn(cart={"lamp": 2})),
    ("cart_empty", True, [], turn(), turn(cart={"lamp": 1})),
    ("policy_quoted", True, [],
     turn(reply="Our policy says: “You can return any item within 14 days of delivery.”", policies=[RETURNS]),
     turn(reply="You can return things.", policies=[RETURNS])),
    ("policy_quoted", False, [], turn(reply="I don't have that information."),
     turn(reply="within 14 days", policies=[RETURNS])),
]


def _run(check: str, expected, history, record) -> list:
    dialogue = Dialogue(id="d", catalog="demo", turns=[{"message": "m", "expect": {check: expected}}])
    return check_turn(dialogue, 1, record, history, PRODUCTS.get)


@pytest.mark.parametrize("check, expected, history, passing, failing", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_check_passes_and_fails(check, expected, history, passing, failing):
    [passed] = _run(check, expected, history, passing)
    assert passed.passed and passed.detail is None, passed.detail
    [failed] = _run(check, expected, history, failing)
    assert not failed.passed and failed.detail
    assert (failed.dialogue, failed.turn, failed.check) == ("d", 1, check)
    assert failed.line().startswith(f"FAIL d turn 1 ('m') {check}: ")


def test_every_check_has_a_case_here():
    assert {case[0] for case in CASES} == set(CHECKS) == set(Expect.model_fields)


def test_words_match_whole_words_and_plurals_only():
    record = turn("lamp")
    assert _run("products_match_any", ["lamps"], [], record)[0].passed  # the category "Lamps"
    assert _run("products_match_any", ["black lamp"], [], record)[0].passed  # a phrase
    assert not _run("products_match_any", ["am"], [], record)[0].passed  # not inside "lamp"


def test_relative_checks_need_an_earlier_product_turn():
    for check in ("same_kind_as_before", "cheaper_than_before", "pricier_than_before", "shown_positions"):
        [result] = _run(check, [1] if check == "shown_positions" else True, [], turn("lamp"))
        assert not result.passed and "earlier" in result.detail


def test_positions_point_into_the_last_list_not_into_a_comparison_of_it():
    compared = turn("floor", "table")
    compared.points_back = True  # "compare the first and the third", itself checked with shown_positions
    assert _run("shown_positions", [2], [turn("floor", "lamp", "table"), compared], turn("lamp"))[0].passed
    resorted = [turn("floor", "lamp", "table"), turn("lamp", "floor")]  # "cheaper" / "cheapest first": a new list
    assert _run("shown_positions", [2], resorted, turn("floor"))[0].passed


def test_run_dialogue_marks_turns_that_point_back():
    chat = FakeChat({"lamps": ("Two.", ["floor", "lamp", "table"]), "compare": ("Side by side.", ["floor", "table"]),
                     "the second one": ("The Black Lamp.", ["lamp"])})
    dialogue = Dialogue(id="refs", catalog="demo", turns=[
        {"message": "lamps"}, {"message": "compare", "expect": {"shown_positions": [1, 3]}},
        {"message": "the second one", "expect": {"shown_positions": [2]}}])
    assert [r.passed for r in run_dialogue(chat, dialogue)] == [True, True]


def test_no_policies_gets_an_empty_directory_the_demo_keeps_its_own(tmp_path):
    empty = policies_dir_for(None, SHOPIFY, tmp_path, None)
    assert empty.is_dir() and not list(empty.iterdir())
    assert policies_dir_for(None, "demo", tmp_path, tmp_path / "demo-policies") == tmp_path / "demo-policies"
    source = tmp_path / "ours.md"
    source.write_text("# Policies\n\n## Returns\n\n14 days.\n", encoding="utf-8")
    directory = policies_dir_for(source, SHOPIFY, tmp_path, None)
    assert [p.name for p in directory.iterdir()] == ["ours.md"]


# ---------------------------------------------------------------------------------------------- the runner


class FakeSearch:
    def get_product(self, product_id: str) -> Product | None:
        return PRODUCTS.get(product_id)


class FakeChat:
    """Answers from a script: (reply, product ids) per message; "add" puts the first shown product in the cart."""

    def __init__(self, script: dict[str, tuple[str, list[str]]], fail_on: str | None = None):
        self.script, self.fail_on = script, fail_on
        self.search = FakeSearch()
        self.carts: dict[str, Cart] = {}
        self.shown: list[str] = []

    def turn(self, request) -> ChatResponse:
        if request.message == self.fail_on:
            raise RuntimeError("boom")
        session = request.session_id or "s1"
        reply, ids = self.script[request.message]
        if request.message == "add":
            product = PRODUCTS[self.shown[0]]
            self.carts[session] = self.carts.get(session, Cart()).with_product(product)
        self.shown = ids or self.shown
        return ChatResponse(session_id=session, reply=reply, products=[card(i) for i in ids], intent=Intent(),
                            composer="template")

    def cart(self, session_id: str) -> Cart:
        return self.carts.get(session_id, Cart())


SCRIPT = {"lamps": ("Two lamps.", ["floor", "lamp"]), "cheaper": ("This one.", ["lamp"]),
          "add": ("Added the Floor Lamp.", [])}
DIALOGUE = Dialogue(id="fake", catalog=SHOPIFY, turns=[
    {"message": "lamps", "expect": {"min_products": 2, "products_match_any": ["lamp"]}},
    {"message": "cheaper", "expect": {"cheaper_than_before": True, "not_shown_before": True}},
    {"message": "add", "expect": {"cart_product_ids": ["floor"], "cart_count": 1}}])


def test_run_dialogue_checks_every_turn_in_one_session():
    results = list(run_dialogue(FakeChat(SCRIPT), DIALOGUE))
    assert [(r.turn, r.check, r.passed) for r in results] == [
        (1, "min_products", True), (1, "products_match_any", True),
        (2, "not_shown_before", False), (2, "cheaper_than_before", True),  # in Expect's field order
        (3, "cart_product_ids", False), (3, "cart_count", True)]


def test_a_turn_that_raises_fails_its_checks_and_every_later_one():
    results = list(run_dialogue(FakeChat(SCRIPT, fail_on="cheaper"), DIALOGUE))
    assert [r.passed for r in results] == [True, True, False, False, False, False]
    assert all(r.detail == "the turn failed: RuntimeError: boom" for r in results[2:])


def test_summarize_gives_rates_per_catalog_and_per_check():
    other = DIALOGUE.model_copy(update={"id": "other", "catalog": "demo"})
    results = list(run_dialogue(FakeChat(SCRIPT), DIALOGUE)) + list(run_dialogue(FakeChat(SCRIPT), other))
    report = summarize([DIALOGUE, other], results)
    assert (report.dialogues, report.checks, report.passed, report.rate) == (2, 12, 8, 0.6667)
    assert report.by_catalog[SHOPIFY].model_dump() == {"dialogues": 1, "checks": 6, "passed": 4, "rate": 0.6667}
    assert report.by_check["not_shown_before"].rate == 0.0 and len(report.failures) == 4
    text = format_report(report)
    assert text.splitlines()[0].startswith("FAIL fake turn 2 ('cheaper') not_shown_before: ")
    assert text.splitlines()[-1].split() == ["overall", "2", "dialogues", "8/12", "checks", "passed", "66.7%"]


# ---------------------------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_eval_chat_end_to_end_on_the_shopify_slice(tmp_path, capsys):
    """Ingests the 20-product Shopify slice and talks through a small dialogue with the real pipeline."""
    path = _write(tmp_path, json.dumps({"id": "lamps", "catalog": SHOPIFY, "turns": [
        {"message": "a lamp under $50", "expect": {"min_products": 1, "max_price": 50, "products_match_any": ["lamp"]}},
        {"message": "add the first one to my cart", "expect": {"cart_count": 1}},
        {"message": "what is your return policy?", "expect": {"policy_quoted": False}}]}))
    cache = tmp_path / "cache"
    assert main(["eval", "chat", str(path), "--json", "--catalog-cache", str(cache)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"checks", "passed", "rate", "by_catalog", "failures"} <= set(report)
    assert report["checks"] == 5 and 0 <= report["passed"] <= 5
    assert report["rate"] == pytest.approx(report["passed"] / 5, abs=1e-4)
    assert set(report["by_catalog"]) == {SHOPIFY} and report["by_catalog"][SHOPIFY]["dialogues"] == 1
    assert all({"dialogue", "turn", "check", "detail"} <= set(f) for f in report["failures"])
    assert any(cache.glob("shopify_packt_home-*/catalog/ACTIVE"))  # kept for the next run
    assert main(["eval", "chat", str(path), "--catalog-cache", str(cache)]) == 0  # reuses it, text output
    assert capsys.readouterr().out.splitlines()[-1].startswith("overall ")
