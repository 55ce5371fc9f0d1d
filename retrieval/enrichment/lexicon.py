"""Word lists the enrichment reads titles with: colours, materials, sizes, generic words, category kinds.

Kept in step with the intent side's spellings (assistant/intent/lexicons.py): lower case, "grey" not "gray",
so a derived "grey" matches what a shopper's "gray" is parsed into.
"""

from __future__ import annotations

import re

# Colours a title can end with or a tag can be. "Weak" ones are also fruit, food or finishes ("Orange",
# "Mint", "Champagne"): they count only in an explicit colour position (a trailing "- Orange" segment, a tag,
# "Color: orange"), never as a bare word.
STRONG_COLORS = frozenset({
    "black", "white", "grey", "gray", "red", "blue", "green", "yellow", "purple", "pink", "brown", "beige", "tan",
    "navy", "teal", "turquoise", "aqua", "maroon", "burgundy", "khaki", "ivory", "charcoal", "silver", "gold",
    "bronze", "lilac", "violet", "indigo", "coral", "magenta", "fuchsia", "emerald", "cobalt", "mustard",
    "terracotta", "taupe", "mauve", "lavender", "graphite", "gunmetal", "multicolor", "multicolored"})
WEAK_COLORS = frozenset({
    "orange", "olive", "cream", "copper", "slate", "clear", "transparent", "rainbow", "sage", "mint", "champagne",
    "plum", "peach", "rust", "camel", "nude", "blush", "lime", "chocolate", "coffee", "wine", "rose", "sand",
    "cherry", "lemon", "honey", "denim", "camo", "oatmeal"})
COLORS = STRONG_COLORS | WEAK_COLORS
# Words that may sit in a colour segment without being a colour: "High-Gloss White", "Matte Black".
SHADES = frozenset({"light", "dark", "pale", "bright", "deep", "hot", "neon", "pastel", "dusty", "baby", "royal",
                    "sky", "navy", "midnight", "forest", "heather", "jet", "off", "rose", "space", "ash", "powder",
                    "steel", "ice", "electric", "hunter", "army", "kelly", "burnt", "brick", "snow", "pure",
                    "walnut", "cobalt", "emerald", "mustard", "lemon", "wine", "cherry", "charcoal", "olive", "sage",
                    "blush", "dusk", "sand", "stone", "ocean", "storm", "true", "warm", "cool", "soft"})
FINISHES = frozenset({"matte", "glossy", "gloss", "high-gloss", "metallic", "satin", "brushed", "polished",
                      "stainless", "stainless-steel", "steel", "soft", "touch", "and", "&", "with", "finish",
                      "frost", "frosted", "translucent", "solid"})
COLOR_SPELLINGS = {"gray": "grey", "multicolored": "multicolor", "multi-color": "multicolor"}
# A colour word right before one of these names a thing, not a colour ("White Noise", "Black Friday").
COLOR_NOT_BEFORE = frozenset({
    "tea", "pepper", "wine", "juice", "chocolate", "cheese", "beans", "rice", "sugar", "noise", "friday", "widow",
    "panther", "lantern", "ops", "dead", "mirror", "board", "house", "belt", "label", "mode", "vinegar", "truffle",
    "bread", "flour", "sauce", "oil", "pearl", "pages", "tape", "out", "walker", "jelly", "dye", "paint", "claw",
    "buffalo", "diamond", "velvet", "bull", "sox", "wings", "rock", "hat", "sabbath", "floyd", "eyed"})
# ... and one right after these: "Code Red", "Ice Blue" (a flavour), "Agent Orange".
COLOR_NOT_AFTER = frozenset({"code", "ice", "face", "hand", "eye", "sour", "night", "day", "body", "sun", "snow",
                             "pitch", "agent", "mr", "team", "big", "true", "moon", "tickle"})

# Materials, longest first where one contains another. Value written -> canonical value.
MATERIALS: dict[str, str] = {
    "stainless steel": "stainless steel", "stainless-steel": "stainless steel", "carbon steel": "carbon steel",
    "cast iron": "cast iron", "cast-iron": "cast iron", "wrought iron": "wrought iron",
    "faux leather": "faux leather", "vegan leather": "vegan leather", "pu leather": "faux leather",
    "genuine leather": "leather", "full grain leather": "leather", "memory foam": "memory foam",
    "solid wood": "solid wood", "engineered wood": "engineered wood", "tempered glass": "tempered glass",
    "carbon fiber": "carbon fiber", "carbon fibre": "carbon fiber", "sterling silver": "sterling silver",
    "goose down": "down", "duck down": "down", "terry cloth": "terry cloth", "merino wool": "merino wool",
    "organic cotton": "organic cotton", "recycled plastic": "recycled plastic", "recycled polyester": "polyester",
    "cotton": "cotton", "polyester": "polyester", "nylon": "nylon", "spandex": "spandex", "rayon": "rayon",
    "viscose": "viscose", "linen": "linen", "wool": "wool", "woolen": "wool", "woollen": "wool", "merino": "merino wool",
    "cashmere": "cashmere", "silk": "silk", "velvet": "velvet", "fleece": "fleece", "denim": "denim",
    "leather": "leather", "suede": "suede", "canvas": "canvas", "mesh": "mesh", "rubber": "rubber",
    "silicone": "silicone", "plastic": "plastic", "acrylic": "acrylic", "glass": "glass", "ceramic": "ceramic",
    "porcelain": "porcelain", "stoneware": "stoneware", "steel": "steel", "aluminum": "aluminum",
    "aluminium": "aluminum", "titanium": "titanium", "metal": "metal", "wood": "wood", "wooden": "wood",
    "bamboo": "bamboo", "oak": "oak", "teak": "teak", "acacia": "acacia", "mdf": "mdf", "marble": "marble",
    "granite": "granite", "concrete": "concrete", "cork": "cork", "jute": "jute", "rattan": "rattan",
    "wicker": "wicker", "latex": "latex", "microfiber": "microfiber", "microfibre": "microfiber",
    "sherpa": "sherpa", "chiffon": "chiffon", "cardboard": "cardboard", "vinyl": "vinyl", "pvc": "pvc",
    "neoprene": "neoprene", "foam": "foam", "flannel": "flannel", "corduroy": "corduroy", "tweed": "tweed",
    "polypropylene": "polypropylene", "hemp": "hemp", "resin": "resin", "brass": "brass", "clay": "clay",
    "felt": "felt",
}
# A material word right before one of these is what the product treats or imitates, not what it is made of.
MATERIAL_NOT_BEFORE = frozenset({
    "cleaner", "cleaners", "cleaning", "conditioner", "polish", "detector", "glue", "cutter", "cutters", "saw",
    "paint", "stain", "care", "oil", "filler", "repair", "remover", "scratch", "look", "effect", "print", "prints",
    "pattern", "grain", "finish", "tone", "style", "color", "colored", "coloured", "free", "run", "gear",
    "gun", "bit", "bits", "sealer", "wax", "protectant", "balm", "shop", "works", "worker",
    # a part of the product, not what the product is made of: "Saucepan with Tempered Glass Lid"
    "lid", "lids", "handle", "handles", "insert", "inserts", "lining", "liner", "sole", "soles", "strap", "straps",
    "buckle", "tip", "tips", "knob", "knobs", "window", "trim", "accents", "accent", "inlay", "base", "top",
    "lined", "trimmed", "coated", "covered", "padded", "reinforced", "tipped",
    "dioxide", "oxide"})  # "titanium dioxide" is a sunscreen ingredient
MATERIAL_NOT_AFTER = frozenset({"for", "no", "non", "without", "anti", "like", "imitation", "bed", "faux", "heavy",
                                "magnifying", "free"})

LETTER_SIZES = {"xxs": "XXS", "xs": "XS", "s": "S", "m": "M", "l": "L", "xl": "XL", "xxl": "XXL", "2xl": "XXL",
                "xxxl": "XXXL", "3xl": "XXXL", "4xl": "4XL", "small": "S", "medium": "M", "large": "L",
                "x-large": "XL", "xx-large": "XXL", "extra large": "XL", "one size": "One Size"}

# Category levels whose products' titles are works, not products of a brand ("Red Dead Redemption 2", "Black
# Ops"): no brand, colour or material is read from their titles. Whole words: "Notebooks" is not "books".
MEDIA_CATEGORIES = re.compile(r"\b(?:video games?|pre-owned games?|movies?|films?|music|books?|audiobooks?|dvds?|"
                              r"blu-rays?|vinyl records?|cds|magazines?|gift cards?)\b", re.I)
# Food, by the top level of the path: "Orange", "Lime", "Silk" and "Velvet" are flavours and brands there
# (but "Kitchen > Food Storage" is kitchenware).
FOOD_CATEGORIES = re.compile(r"\b(?:grocery|groceries|food|foods|beverages?|drinks?|snacks?|candy|pantry|gourmet)\b",
                             re.I)

# Leading words that are not brands even when many titles start with them.
GENERIC_WORDS = frozenset({
    "set", "sets", "kids", "kid", "kid's", "kids'", "new", "the", "a", "an", "for", "with", "and", "of", "in", "on",
    "by", "to", "pack", "packs", "premium", "deluxe", "mini", "large", "small", "medium", "big", "little", "classic",
    "original", "professional", "pro", "best", "top", "official", "vintage", "organic", "natural", "replacement",
    "universal", "portable", "wireless", "digital", "electric", "men's", "mens", "men", "women's", "womens", "women",
    "ladies", "boys", "boys'", "boy's", "girls", "girls'", "girl's", "baby", "babies", "toddler", "toddlers",
    "unisex", "adult", "adults", "children's", "childrens", "children", "youth", "personalized", "custom",
    "handmade", "luxury", "heavy", "heavy-duty", "super", "ultra", "extra", "multi", "pair", "lot", "bundle",
    "case", "cover", "cable", "charger", "adapter", "stand", "mount", "holder", "bag", "box", "kit", "tool", "tools",
    "toy", "toys", "game", "games", "puzzle", "puzzles", "book", "books", "gift", "gifts", "happy", "funny", "cute",
    "my", "your", "our", "all", "one", "two", "three", "four", "five", "hd", "4k", "led", "usb", "smart", "car",
    "home", "kitchen", "office", "outdoor", "indoor", "travel", "sport", "sports", "waterproof", "replacement",
    "genuine", "authentic", "assorted", "various", "mixed", "double", "single", "dual", "automatic", "manual",
    "adjustable", "collapsible", "foldable", "reusable", "disposable", "cordless", "rechargeable", "magnetic",
    "soft", "hard", "long", "short", "round", "square", "plus", "x", "i", "we", "it", "is", "this", "that", "how",
    "what", "why", "diy", "easy", "quick", "fast", "slim", "thin", "tall", "wide", "full", "half", "modern",
    "retro", "rustic", "elegant", "creative", "fun", "fashion", "stylish", "warm", "cool", "hot", "cold", "fresh",
    "pet", "dog", "cat", "floor", "wall", "table", "desk", "door", "window", "garden", "bath", "bathroom",
    "bedroom", "living", "dining", "party", "christmas", "halloween", "easter", "birthday", "wedding", "holiday",
    "summer", "winter", "spring", "fall", "autumn", "mug", "shirt", "t-shirt", "tee", "hoodie", "hat", "cap",
    "unbranded", "generic", "no", "non", "other", "misc", "miscellaneous", "sale", "clearance"})
