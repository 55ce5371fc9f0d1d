"""Built-in lexicons and patterns: what the deterministic extractor recognises with no catalog loaded.

Pure data plus the regular expressions that read sizes, pack counts, ages, recipients, occasions and
action cues. Phrases are written naturally ("off-white", "gluten free"); the extractor tokenises them the
same way it tokenises a request, so hyphens, spaces and apostrophes do not matter.
Patterns run on the extractor's normalised text: lower case, plain quotes and dashes.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- numbers

UNITS_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
               "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
              "eighty": 80, "ninety": 90}
SCALE_WORDS = {"hundred": 100, "thousand": 1000}
_NUMBER_WORD = r"(?:" + "|".join(sorted([*UNITS_WORDS, *TENS_WORDS, *SCALE_WORDS], key=len, reverse=True)) + r")"
# "twenty five", "twenty-five", "a hundred", "one thousand two hundred": a run of number words.
NUMBER_WORDS = (rf"(?:(?:a[ -](?:hundred|thousand)|{_NUMBER_WORD})(?:[ -](?:and[ -])?{_NUMBER_WORD})*)"
                r"(?![a-z])")


def number_value(text: str) -> float | None:
    """'12', '1,299.99', 'twenty five', 'a hundred' -> the number; None when it is not one."""
    text = text.strip().lower()
    if not text:
        return None
    if text[0].isdigit():
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return None
    total, current, seen = 0, 0, False
    for word in re.split(r"[ -]+", text):
        if word == "and":
            continue
        if word in UNITS_WORDS:
            current += UNITS_WORDS[word]
        elif word in TENS_WORDS:
            current += TENS_WORDS[word]
        elif word == "a":
            current += 1
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
        seen = True
    if not seen or text == "a":
        return None
    return float(total + current)


# ---------------------------------------------------------------- colours

_BASE_COLORS = ("black", "white", "grey", "red", "blue", "green", "yellow", "orange", "purple", "pink", "brown",
                "beige", "tan", "navy", "teal", "turquoise", "aqua", "maroon", "burgundy", "olive", "khaki",
                "cream", "ivory", "charcoal", "silver", "gold", "bronze", "lilac", "violet", "indigo", "coral",
                "magenta", "fuchsia", "emerald", "cobalt", "mustard", "terracotta", "rust", "camel", "taupe",
                "nude", "blush", "mauve", "lavender", "peach", "copper", "graphite", "gunmetal", "slate",
                "clear", "transparent", "multicolor", "rainbow", "sage", "mint", "champagne", "plum")
_SHADE_PREFIXES = ("light", "dark", "pale", "bright", "deep", "hot", "neon", "pastel", "dusty", "baby", "royal")
_COMPOUND_COLORS = ("off-white", "charcoal grey", "heather grey", "space grey", "light grey", "dark grey",
                    "ash grey", "slate grey", "navy blue", "sky blue", "midnight blue", "royal blue", "baby blue",
                    "powder blue", "steel blue", "denim blue", "ice blue", "electric blue", "teal blue",
                    "olive green", "forest green", "sage green", "mint green", "lime green", "neon green",
                    "hunter green", "army green", "emerald green", "kelly green", "camo green", "dark green",
                    "rose gold", "rose pink", "blush pink", "hot pink", "baby pink", "dusty pink", "dusty rose",
                    "mustard yellow", "lemon yellow", "burnt orange", "wine red", "cherry red", "brick red",
                    "classic red", "walnut brown", "chocolate brown", "coffee brown", "dark brown", "light brown",
                    "stainless silver", "jet black", "matte black", "pure white", "snow white", "off white",
                    "sand beige", "oatmeal", "multi color", "multi-colour", "multi colored", "multicolored")
# Surface spelling -> canonical spelling. The demo catalog (and British usage) writes "grey".
COLOR_SPELLINGS = {"gray": "grey", "colour": "color", "multicolour": "multicolor", "multi color": "multicolor",
                   "multi-colour": "multicolor", "multi colored": "multicolor", "multicolored": "multicolor",
                   "off white": "off-white"}


def canonical_color(phrase: str) -> str:
    """'Charcoal Gray' -> 'charcoal grey'; 'off white' -> 'off-white'."""
    text = " ".join(phrase.lower().replace("-", " - ").split()).replace(" - ", "-")
    if text in COLOR_SPELLINGS:
        return COLOR_SPELLINGS[text]
    return " ".join(COLOR_SPELLINGS.get(word, word) for word in text.split(" "))


def _colors() -> dict[str, str]:
    colors = {}
    for base in _BASE_COLORS:
        colors[base] = base
        for shade in _SHADE_PREFIXES:
            colors.setdefault(f"{shade} {base}", f"{shade} {base}")
    for compound in _COMPOUND_COLORS:
        colors[compound] = canonical_color(compound)
    for surface in list(colors):
        if "grey" in surface:
            colors[surface.replace("grey", "gray")] = colors[surface]
    return colors


COLORS: dict[str, str] = _colors()
# A colour word followed by one of these names a thing, not a colour: "green tea", "white noise".
COLOR_NOT_BEFORE = frozenset({
    "tea", "pepper", "peppercorns", "wine", "juice", "chocolate", "cheese", "beans", "bean", "rice", "sugar",
    "onion", "onions", "olives", "olive", "noise", "light", "friday", "widow", "board", "house", "belt", "cap",
    "cross", "label", "mode", "vinegar", "tequila", "lentils", "quinoa", "truffle", "truffles", "grapes",
    "apple", "apples", "bread", "flour", "sauce", "oil", "pearl", "pages", "tape", "out", "hat", "walker",
    "stone", "jelly", "dye", "paint"})
COLOR_NOT_AFTER = frozenset({"ice", "face", "hand", "eye", "sour", "whipped", "shaving", "night", "day", "body",
                             "heavy", "coconut", "hair", "skin", "sun", "foot", "anti", "kelly"})

# ---------------------------------------------------------------- other attributes

MATERIALS = (
    "cotton", "organic cotton", "egyptian cotton", "pima cotton", "polyester", "recycled polyester", "nylon",
    "spandex", "rayon", "viscose", "linen", "wool", "merino wool", "cashmere", "silk", "velvet", "fleece",
    "denim", "leather", "genuine leather", "full grain leather", "faux leather", "vegan leather", "pu leather",
    "suede", "faux fur", "canvas", "mesh", "rubber", "natural rubber", "silicone", "plastic", "acrylic", "glass",
    "tempered glass", "ceramic", "porcelain", "stoneware", "stainless steel", "steel", "cast iron",
    "carbon steel", "aluminum", "aluminium", "titanium", "sterling silver", "solid gold", "14k gold", "18k gold",
    "gold plated", "wood", "solid wood", "bamboo", "oak", "pine", "teak", "acacia", "mdf", "engineered wood",
    "marble", "granite", "concrete", "cork", "jute", "rattan", "wicker", "memory foam", "latex", "goose down",
    "duck down", "down alternative", "microfiber", "sherpa", "chiffon", "tulle", "felt", "cardboard", "vinyl",
    "pvc", "neoprene", "carbon fiber", "foam", "terry cloth", "flannel", "corduroy", "tweed", "nubuck",
    "polypropylene", "hemp", "resin", "brass", "soy wax", "beeswax", "coconut wax")
MATERIAL_SPELLINGS = {"aluminium": "aluminum", "stainless": "stainless steel", "carbon fibre": "carbon fiber"}

FLAVORS = (
    "chocolate", "dark chocolate", "milk chocolate", "white chocolate", "vanilla", "french vanilla", "strawberry",
    "banana", "blueberry", "raspberry", "cherry", "green apple", "cinnamon", "caramel", "salted caramel",
    "peanut butter", "almond", "hazelnut", "coconut", "mint", "peppermint", "spearmint", "lemon", "lime",
    "mango", "pineapple", "watermelon", "grape", "cookies & cream", "pumpkin spice",
    "maple", "honey", "sea salt", "salt & vinegar", "barbecue", "bbq", "sour cream & onion", "jalapeno",
    "cheddar", "unflavored", "unflavoured", "mocha", "espresso", "matcha",
    "chai", "earl grey", "chamomile", "ginger", "mixed berry", "fruit punch", "tropical", "cola", "root beer",
    "cookie dough", "birthday cake", "smores", "toffee", "butterscotch", "pistachio", "passion fruit",
    "dark roast", "medium roast", "light roast", "breakfast blend", "english breakfast", "hot cocoa")
SCENTS = (
    "lavender", "vanilla", "rose", "jasmine", "sandalwood", "eucalyptus", "cedarwood", "cedar", "citrus",
    "sea salt", "ocean breeze", "fresh linen", "cotton", "pine", "amber", "musk", "patchouli", "bergamot",
    "gardenia", "lilac", "fig", "coconut", "peppermint", "cinnamon", "apple cinnamon", "pumpkin spice",
    "tea tree", "mint", "orange blossom", "vanilla bean", "sage", "lemongrass", "gingerbread", "balsam fir")
PATTERNS = ("floral", "striped", "stripes", "plaid", "polka dot", "polka dots", "camo", "camouflage", "leopard",
            "leopard print", "animal print", "paisley", "checkered", "gingham", "tie dye", "geometric",
            "herringbone", "houndstooth", "chevron", "argyle", "tartan", "zebra print", "snakeskin",
            "marble pattern", "graphic print", "abstract", "ombre", "solid color")
PATTERN_SPELLINGS = {"stripes": "striped", "polka dots": "polka dot", "camouflage": "camo", "tie-dye": "tie dye"}
STYLES = ("modern", "mid century modern", "mid century", "vintage", "retro", "rustic", "farmhouse", "boho",
          "bohemian", "industrial", "minimalist", "scandinavian", "traditional", "contemporary", "coastal",
          "art deco", "shabby chic", "victorian", "preppy", "streetwear", "classic")
STYLE_SPELLINGS = {"bohemian": "boho", "mid century": "mid century modern"}

# Words that switch an ambiguous word (vanilla, lavender, cotton...) to a scent or a flavour.
SCENT_CONTEXT = frozenset({
    "candle", "candles", "perfume", "cologne", "fragrance", "soap", "lotion", "wash", "gel", "shampoo",
    "conditioner", "deodorant", "diffuser", "essential", "freshener", "wax", "melts", "incense", "scent",
    "scented", "scents", "smell", "smelling", "spray", "detergent", "laundry", "mist", "bombs",
    "potpourri", "sachet", "sachets"})
FLAVOR_CONTEXT = frozenset({
    "flavor", "flavors", "flavour", "flavours", "flavored", "flavoured", "taste", "tea", "coffee", "drink",
    "drinks", "juice", "syrup", "candy", "candies", "gum", "protein", "bar", "bars", "snack", "snacks", "cookie",
    "cookies", "cream", "yogurt", "chips", "cereal", "creamer", "soda", "sauce", "jam", "oatmeal", "energy",
    "shake", "powder", "cake", "muffin", "granola", "popcorn", "nuts", "almonds", "latte", "water", "pods"})

# ---------------------------------------------------------------- features

FEATURES: dict[str, tuple[str, ...]] = {
    # canonical: aliases (the canonical phrase itself always matches)
    "gluten free": ("no gluten added",), "sugar free": ("sugarless", "zero sugar"), "dairy free": ("non dairy",),
    "lactose free": (), "nut free": (), "peanut free": (), "soy free": (), "egg free": (), "grain free": (),
    "caffeine free": (), "decaf": ("decaffeinated",), "fat free": ("nonfat", "non fat"), "low fat": (),
    "low sugar": (), "low carb": (), "low sodium": (), "keto": ("keto friendly",), "paleo": (), "vegan": (),
    "vegetarian": (), "plant based": (), "organic": (), "non-gmo": ("gmo free",), "kosher": (), "halal": (),
    "high protein": (), "high fiber": (), "whole grain": (), "all natural": (), "no sugar added": ("no added sugar",),
    "unsweetened": (), "fair trade": (), "fragrance free": (), "unscented": (), "hypoallergenic": (),
    "cruelty free": (), "paraben free": (), "sulfate free": (), "alcohol free": (), "oil free": (),
    "non-comedogenic": (), "dermatologist tested": (), "sensitive skin": (), "reef safe": (),
    "long lasting": (), "long wearing": (), "waterproof": ("water proof",), "water resistant": (),
    "machine washable": (), "moisture wicking": (), "breathable": (), "quick dry": ("quick drying",),
    "wrinkle free": (), "wrinkle resistant": (), "slim fit": (), "regular fit": (), "relaxed fit": (),
    "loose fit": (), "high waisted": ("high waist",), "high rise": (), "low rise": (), "long sleeve": (),
    "short sleeve": (), "sleeveless": (), "hooded": (), "fleece lined": (), "insulated": (), "windproof": (),
    "plus size": (), "big and tall": (), "maternity": (), "non-slip": ("anti slip", "nonslip"),
    "slip resistant": (), "arch support": (), "wide fit": (), "lightweight": ("light weight",), "packable": (),
    "reflective": (), "button closure": (), "zipper closure": (), "with pockets": (), "tagless": (),
    "easy to install": ("easy install", "easy installation"), "easy to clean": ("easy clean",),
    "easy to assemble": ("easy assembly",), "easy to use": (), "dishwasher safe": (), "oven safe": (),
    "microwave safe": (), "freezer safe": (), "bpa free": (), "pfoa free": (), "nonstick": ("non stick",),
    "induction compatible": ("induction ready",), "leak proof": ("leakproof",), "spill proof": (),
    "stain resistant": (), "heavy duty": (), "wall mounted": ("wall mount",), "space saving": (),
    "stackable": (), "foldable": ("folding",), "collapsible": (), "adjustable": (), "portable": (),
    "cordless": (), "rechargeable": (), "battery operated": ("battery powered",), "solar powered": (),
    "energy efficient": (), "eco friendly": ("environmentally friendly",), "recyclable": (),
    "biodegradable": (), "compostable": (), "reusable": (), "blackout": (), "thermal insulated": (),
    "rust resistant": (), "scratch resistant": (), "shatterproof": (), "fire resistant": (), "ergonomic": (),
    "lumbar support": (), "high speed": (), "quiet": (), "low noise": (), "programmable": (),
    "wifi": ("wi fi",), "app controlled": (), "voice control": (), "alexa compatible": ("works with alexa",),
    "touchscreen": ("touch screen",), "dimmable": (), "motion sensor": (), "wireless": (), "bluetooth": (),
    "noise cancelling": ("noise canceling", "noise cancellation"), "fast charging": ("fast charge",),
    "usb c": ("usb type c",), "4k": ("4k uhd", "ultra hd"), "1080p": ("full hd",), "hdr": (),
    "dustproof": ("dust proof",), "shockproof": ("shock proof",), "gps": (), "long battery life": (),
    "hands free": (), "built in microphone": ("with microphone", "with mic", "with a mic", "with a microphone"),
    "unlocked": (), "dual sim": (),
    "5g": (), "educational": (), "stem": (), "non-toxic": (), "montessori": (), "orthopedic": (), "calming": (),
    "chew proof": (), "odor control": ("odor eliminating",), "clumping": (), "no pull": (),
    "travel size": ("travel sized",), "personalized": ("custom", "customized"), "handmade": (),
    "made in usa": ("made in the usa", "american made"), "easy setup": (), "anti fatigue": (),
    "cold weather": (), "all weather": (), "all season": (), "polarized": (), "motorized": (),
    "scented": (), "free shipping": (), "smart": (), "remote control": (), "led": (),
}

# ---------------------------------------------------------------- brands

# Real consumer brands: display name -> extra aliases (the display name itself always matches).
BRANDS: dict[str, tuple[str, ...]] = {
    "Nike": (), "Adidas": (), "Puma": (), "Reebok": (), "New Balance": (), "Asics": (),
    "Under Armour": ("under armor",),
    "Skechers": ("sketchers",), "Converse": (), "Vans": (), "Brooks": (), "Hoka": ("hoka one one",),
    "Saucony": (), "Salomon": (), "Merrell": (), "Columbia": (), "The North Face": ("north face",),
    "Patagonia": (), "Timberland": (), "UGG": ("uggs",), "Crocs": (), "Birkenstock": ("birkenstocks",),
    "Dr. Martens": ("doc martens", "dr martens", "docs martens"), "Clarks": (), "Levi's": ("levis", "levi"),
    "Wrangler": (), "Calvin Klein": (), "Tommy Hilfiger": (), "Ralph Lauren": ("polo ralph lauren",),
    "Lacoste": (), "Gap": (), "Old Navy": (), "H&M": (), "Zara": (), "Uniqlo": (), "Champion": (), "Hanes": (),
    "Fruit of the Loom": (), "Carhartt": (), "Dickies": (), "Oakley": (), "Ray-Ban": ("rayban", "raybans"),
    "Fossil": (), "Casio": (), "Seiko": (), "Timex": (), "Garmin": (), "Fitbit": (), "Apple": (),
    "Samsung": (), "Sony": (), "LG": (), "Panasonic": (), "Philips": (), "Bose": (), "JBL": (),
    "Beats": ("beats by dre",), "Sennheiser": (), "Anker": (), "Belkin": (), "Logitech": (), "Razer": (),
    "Corsair": (), "Dell": (), "HP": (), "Lenovo": (), "Asus": (), "Acer": (), "Microsoft": (), "Google": (),
    "Amazon Basics": ("amazonbasics",), "Kindle": (), "Roku": (), "Nintendo": (), "PlayStation": (),
    "Xbox": (), "Canon": (), "Nikon": (), "GoPro": (), "DJI": (), "Western Digital": (), "Seagate": (),
    "SanDisk": (), "Kingston": (), "TP-Link": (), "Netgear": (), "Vizio": (), "TCL": (), "Hisense": (),
    "Toshiba": (), "Huawei": (), "Xiaomi": (), "OnePlus": (), "Motorola": (), "Nokia": (), "Keurig": (),
    "Nespresso": (), "Cuisinart": (), "KitchenAid": (), "Ninja": (), "Instant Pot": ("instapot",),
    "Crock-Pot": (), "Hamilton Beach": (), "Breville": (), "Oster": (), "Vitamix": (), "Le Creuset": (),
    "Lodge": (), "Calphalon": (), "T-fal": ("tefal",), "Pyrex": (), "OXO": (), "Zojirushi": (), "Yeti": (),
    "Hydro Flask": ("hydroflask",), "Stanley": (), "Contigo": (), "Thermos": (), "Dyson": (), "Shark": (),
    "Bissell": (), "Hoover": (), "iRobot": (), "Roomba": (), "Black+Decker": ("black and decker", "black & decker"),
    "DeWalt": (), "Makita": (), "Milwaukee": (), "Bosch": (), "Ryobi": (), "Craftsman": (), "LEGO": (),
    "Hasbro": (), "Mattel": (), "Barbie": (), "Hot Wheels": (), "Nerf": (), "Fisher-Price": (),
    "Melissa & Doug": ("melissa and doug",), "VTech": (), "Play-Doh": (), "Crayola": (), "Funko": (),
    "Pampers": (), "Huggies": (), "Gerber": (), "Neutrogena": (), "CeraVe": (), "Olay": (),
    "L'Oreal": ("loreal", "l oreal"), "Maybelline": (), "Revlon": (), "Nivea": (), "Dove": (), "Aveeno": (),
    "Garnier": (), "Clinique": (), "Estee Lauder": (), "Lancome": (), "NYX": (), "Burt's Bees": (),
    "La Roche-Posay": (), "Pantene": (), "Head & Shoulders": ("head and shoulders",), "TRESemme": (),
    "Gillette": (), "Braun": (), "Oral-B": (), "Colgate": (), "Crest": (), "Sensodyne": (), "Listerine": (),
    "Tide": (), "Downy": (), "Bounty": (), "Charmin": (), "Kleenex": (), "Clorox": (), "Lysol": (),
    "Mrs. Meyer's": ("mrs meyers",), "Seventh Generation": (), "Purina": (), "Pedigree": (), "Blue Buffalo": (),
    "Iams": (), "Royal Canin": (), "Friskies": (), "KONG": (), "Starbucks": (), "Folgers": (), "Lavazza": (),
    "Dunkin'": ("dunkin donuts",), "Lipton": (), "Twinings": (), "Quaker": (), "Kellogg's": (),
    "Nature Valley": (), "Clif": ("clif bar",), "Ghirardelli": (), "Lindt": (), "Hershey's": ("hershey",),
    "Oreo": (), "Pringles": (), "Doritos": (), "Cheetos": (), "Heinz": (), "Kraft": (), "Barilla": (),
    "Coca-Cola": ("coke",), "Pepsi": (), "Gatorade": (), "Red Bull": (), "LaCroix": ("la croix",),
    "Yankee Candle": (), "Bath & Body Works": ("bath and body works",), "Victoria's Secret": (),
    "Samsonite": (), "Osprey": (), "JanSport": (), "Herschel": (), "Coleman": (), "Weber": (), "Traeger": (),
    "Igloo": (), "Fairlife": (), "Seeds of Change": (), "Easy Spirit": (), "Monoprice": (),
}
# Brands that are also everyday words: a neighbouring word from the set means the everyday word.
AMBIGUOUS_BRANDS: dict[str, frozenset[str]] = {
    "apple": frozenset({"juice", "pie", "cider", "vinegar", "sauce", "flavor", "flavour", "flavored", "slices",
                        "chips", "butter", "scented", "scent", "green", "red", "fruit", "tree", "jam", "cinnamon",
                        "caramel", "crisp", "tea", "candle", "shaped", "and", "apples", "dried", "fresh", "baby",
                        "pear", "banana", "strawberry", "mango", "cranberry", "grape", "orange", "peach"}),
    "coach": frozenset({"my", "our", "his", "her", "for", "soccer", "football", "basketball", "life", "team",
                        "bus", "baseball", "gift", "gifts", "volleyball", "tennis", "swim", "running", "a"}),
    "dove": frozenset({"bird", "birds", "feather", "feathers", "grey", "gray", "white", "mourning", "peace"}),
    "tide": frozenset({"high", "low", "chart", "pool", "pools", "crimson"}),
    "gap": frozenset({"teeth", "mind", "filler", "air", "door", "year", "the", "no", "small"}),
    "shark": frozenset({"baby", "toy", "toys", "plush", "tooth", "teeth", "week", "stuffed", "costume", "tank",
                        "slippers", "pillow", "bite", "great", "white", "blanket", "tale"}),
    "ninja": frozenset({"costume", "turtles", "turtle", "toy", "toys", "warrior", "star", "stars", "sword",
                        "kids", "lego", "mask"}),
    "champion": frozenset({"world", "belt", "trophy", "gift"}),
    "crest": frozenset({"family", "wave", "hill"}),
    "bounty": frozenset({"hunter", "hunters"}),
    "converse": frozenset({"to", "with", "about"}),
    "lodge": frozenset({"ski", "hunting", "cabin", "decor", "log"}),
    "stanley": frozenset({"cup", "steemer", "kubrick"}),
    "kindle": frozenset({"fire", "to", "wood"}),
    "beats": frozenset({"heart", "drum", "music", "per"}),
    "gerber": frozenset({"daisy", "daisies"}),
    "columbia": frozenset({"university", "district", "river"}),
    "milwaukee": frozenset({"bucks", "brewers", "in", "to", "from"}),
    "fossil": frozenset({"dinosaur", "fuel", "fuels", "kit", "dig", "digging", "shark"}),
    "brooks": frozenset({"garth", "mel"}),
    "oreo": frozenset(),
    "hp": frozenset({"motor", "engine", "horsepower", "1", "2", "3", "5", "10", "100", "150", "200"}),
}

# Everyday words one edit away from a built-in brand ("vitamin" / Vitamix, "cross" / Crocs): never read as a
# misspelt brand. Derived from an 18k-word English vocabulary and checked against real shopping requests.
FUZZY_BRAND_BLOCKLIST = frozenset({
    "anchor", "anger", "ankle", "apples", "apply", "banker", "barrel", "barrie", "basics", "beads", "beans",
    "bears", "bison", "books", "brain", "brawn", "brook", "busch", "cables", "camel", "cancel", "canes", "cannon",
    "canoe", "canons", "canton", "canvas", "canyon", "casino", "chanel", "channel", "charming", "clark", "clarke",
    "clerks", "cliff", "cliffs", "clocks", "coach", "coast", "coaster", "coasters", "column", "counts", "county",
    "craft", "craftsmen", "crayon", "crayons", "crock", "crocks", "crops", "cross", "crown", "crows", "danes",
    "dealt", "degree", "dickens", "dover", "doves", "downs", "dowry", "draft", "elvis", "espresso", "foster",
    "funky", "garner", "garnet", "gerbil", "glade", "goggle", "goggles", "hades", "hands", "handy", "hangs",
    "hates", "hayes", "haynes", "hines", "hooker", "hooper", "hooves", "hotel", "hugging", "kellogg", "kinds",
    "lanes", "level", "levels", "lever", "levin", "lewis", "linda", "lint", "locks", "lodges", "loves", "mantel",
    "mantle", "mason", "matte", "matteo", "matter", "merrill", "motel", "mounts", "nixon", "olive", "olives",
    "otter", "outer", "oyster", "pampered", "papers", "philip", "philipp", "phillips", "poster", "pumps", "quake",
    "quakers", "racer", "razor", "robot", "rocks", "roster", "rumba", "salmon", "saloon", "scrub", "sketches",
    "socks", "solomon", "table", "tables", "tanker", "thermal", "thermo", "tides", "tidy", "tiles", "timed",
    "timer", "times", "trader", "traders", "trailer", "tyson", "vitamin", "vitamins", "webber", "wider"})

# ---------------------------------------------------------------- product types

# Common shopper synonyms for product types: phrase -> the product-type phrase it means.
# Only entries whose target is a category of the loaded catalog are used.
PRODUCT_TYPE_SYNONYMS: dict[str, str] = {
    "jogging shoes": "running shoes", "jogging sneakers": "running shoes", "running sneakers": "running shoes",
    "runners": "running shoes", "trainers": "running shoes", "hiking shoes": "hiking boots",
    "tee": "t-shirts", "tees": "t-shirts", "tshirt": "t-shirts", "tee shirt": "t-shirts", "hoody": "hoodies",
    "hooded sweatshirt": "hoodies", "denim pants": "jeans", "yoga pants": "leggings", "raincoat": "rain jackets",
    "rain coat": "rain jackets", "parka": "winter coats", "puffer jacket": "winter coats",
    "winter jacket": "winter coats", "wellies": "rain boots", "flip flops": "sandals", "slides": "sandals",
    "house shoes": "slippers", "earphones": "earbuds", "in-ear headphones": "earbuds",
    "over-ear headphones": "headphones", "headset": "headphones", "portable speaker": "bluetooth speakers",
    "wireless speaker": "bluetooth speakers", "tv": "televisions", "tvs": "televisions", "smart tv": "televisions",
    "telly": "televisions", "notebook computer": "laptops", "ultrabook": "laptops", "ipad": "tablets",
    "smart watch": "smartwatches", "fitness tracker": "smartwatches", "sheet set": "bed sheets",
    "sheets": "bed sheets", "duvet": "comforters", "duvet insert": "comforters", "rug": "area rugs",
    "rugs": "area rugs", "throw pillow": "throw pillows", "couch pillows": "throw pillows",
    "sofa cushions": "throw pillows", "accent pillows": "throw pillows", "drapes": "curtains",
    "skillet": "frying pans", "fry pan": "frying pans", "frypan": "frying pans", "sauce pan": "saucepans",
    "coffee machine": "coffee makers", "coffeemaker": "coffee makers", "kettle": "electric kettles",
    "tea kettle": "electric kettles", "chef knife": "chef's knives", "kitchen knife": "chef's knives",
    "water bottle": "water bottles", "moisturizer": "face moisturizers", "face cream": "face moisturizers",
    "sunblock": "sunscreen", "lipstick": "lipsticks", "blow dryer": "hair dryers",
    "blowdryer": "hair dryers", "hairdryer": "hair dryers", "fragrance": "perfume", "cologne": "perfume",
    "building bricks": "building blocks",
    "puzzle": "jigsaw puzzles", "puzzles": "jigsaw puzzles", "board game": "board games",
    "plush toy": "stuffed animals", "plushie": "stuffed animals", "teddy bear": "stuffed animals",
    "remote control car": "rc cars", "rc car": "rc cars", "exercise mat": "yoga mats",
    "hand weights": "dumbbells", "resistance band": "resistance bands", "cycling helmet": "bike helmets",
    "bicycle helmet": "bike helmets", "football": "soccer balls", "soccer ball": "soccer balls",
    "tennis racquet": "tennis rackets", "coffee": "ground coffee", "tea": "tea bags", "granola bar": "granola bars",
    "chips": "potato chips", "crisps": "potato chips", "evoo": "olive oil", "spaghetti": "pasta",
    "dog kibble": "dog food", "dog bed": "dog beds", "leash": "dog leashes", "dog lead": "dog leashes",
    "kitty litter": "cat litter", "cat tower": "cat trees", "fish tank": "aquariums", "journal": "notebooks",
    "copy paper": "printer paper", "gel pen": "gel pens", "desk chair": "office chairs",
    "sit stand desk": "standing desks", "stand up desk": "standing desks", "desk organizer": "desk organizers",
    "tent": "tents", "sleeping bag": "sleeping bags", "camp chair": "camping chairs", "rucksack": "backpacks",
    "daypack": "backpacks", "head torch": "headlamps", "head lamp": "headlamps", "bbq grill": "gas grills",
    "propane grill": "gas grills", "ice chest": "coolers", "cooler box": "coolers",
    # department words of real stores (Shopify 'Outdoor', Google merchandise 'Apparel', 'Office')
    "outside": "outdoor", "outdoors": "outdoor", "garden": "outdoor", "yard": "outdoor", "patio": "outdoor",
    "inside": "indoor", "living room": "indoor", "clothes": "apparel", "clothing": "apparel",
    "desk": "office",
}
# Words that never name a product type on their own ("something", "gift", "ones").
GENERIC_NOUNS = frozenset({
    "something", "anything", "thing", "things", "stuff", "item", "items", "product", "products", "one", "ones",
    "merch", "merchandise", "swag",
    "gift", "gifts", "present", "presents", "idea", "ideas", "option", "options", "pair", "pairs",
    "kind", "type", "sort", "brand", "brands", "color", "colors", "colour", "colours", "size", "sizes", "style",
    "model", "version", "deal", "deals", "them", "those", "these", "it", "price", "prices", "choice", "choices",
    "recommendation", "recommendations", "suggestion", "suggestions", "store", "shop", "results", "list",
    "alternative", "alternatives", "variety", "quality", "sale", "everything", "everyone", "flavor", "flavors",
    "flavour", "flavours", "scent", "scents"})
# A generic noun that heads a product name with the next word: "gift card", "gift basket".
GENERIC_COMPOUNDS = {"gift": frozenset({"card", "cards", "box", "boxes", "bag", "bags", "basket", "baskets", "set",
                                        "sets", "wrap", "wrapping", "tag", "tags", "certificate"})}
# Audience words: they belong to the request ("men's", "for kids") but are not the product type.
AUDIENCE_WORDS = frozenset({
    "men", "mens", "man", "women", "womens", "woman", "ladies", "lady", "kids", "kid", "boys", "boy", "girls",
    "girl", "toddler", "toddlers", "unisex", "adult", "adults", "teens", "teen", "youth", "children", "childrens",
    "child", "junior", "juniors", "gents", "mans", "womans"})
# Words for children's lines: ruling one out rules out all ("no kids' sizes": no Youth, Toddler or Infant tees).
CHILD_AUDIENCE = frozenset({"kids", "kid", "children", "childrens", "child", "youth", "toddler", "toddlers",
                            "infant", "infants", "baby", "babies", "junior", "juniors"})
CHILD_AUDIENCE_TERMS = ("kid", "child", "youth", "toddler", "infant", "baby", "babies", "junior")  # as substrings
# Adjectives that describe rather than name: kept in the query, never part of the product type.
DESCRIPTIVE_WORDS = frozenset({
    "good", "great", "nice", "best", "better", "cute", "pretty", "beautiful", "comfortable", "comfy", "cool",
    "awesome", "perfect", "lovely", "stylish", "fashionable", "fancy", "new", "brand", "big", "little", "small",
    "large", "huge", "tiny", "medium", "quality", "durable", "sturdy", "soft", "warm", "cozy", "classy", "elegant",
    "simple", "basic", "affordable", "decent", "reliable", "popular", "trendy", "unique", "fun", "funny",
    "amazing", "excellent", "premium", "luxury", "luxurious", "professional", "genuine", "authentic",
    "real", "original", "sexy", "casual", "formal", "everyday", "super", "extra", "really", "very", "most",
    "tall", "thick", "thin", "narrow", "heavy", "strong", "fast", "easy", "solid", "same", "different", "other",
    "another", "similar", "pack", "count", "matching", "cheap", "expensive", "pricey", "beginner", "beginners",
    "kid-friendly", "spf", "lightest", "smallest", "biggest", "largest", "warmest", "softest", "strongest",
    "quietest", "fastest", "thinnest", "thickest", "toughest", "finest", "coolest", "cutest", "comfiest",
    "sturdiest", "brightest", "longest", "safest", "healthiest", "tastiest", "easiest"})

# ---------------------------------------------------------------- sizes, units, counts

LETTER_SIZES = {"xxs": "XXS", "xs": "XS", "xl": "XL", "xxl": "XXL", "xxxl": "XXXL", "2xl": "XXL", "3xl": "XXXL",
                "4xl": "4XL", "5xl": "5XL", "x-small": "XS", "x small": "XS", "extra small": "XS",
                "extra-small": "XS", "x-large": "XL", "x large": "XL", "extra large": "XL", "extra-large": "XL",
                "xx-large": "XXL", "xx large": "XXL", "extra extra large": "XXL", "2x-large": "XXL",
                "xxx-large": "XXXL", "3x-large": "XXXL", "1x": "1X", "2x": "2X", "3x": "3X"}
# Only with a size cue ("size medium", "in a large"): on their own these are adjectives.
WORD_SIZES = {"small": "S", "medium": "M", "large": "L", "s": "S", "m": "M", "l": "L", "petite": "Petite",
              "tall": "Tall", "regular": "Regular", "long": "Long", "short": "Short", "wide": "Wide"}
BED_SIZES = {"twin": "Twin", "twin xl": "Twin XL", "full": "Full", "double": "Full", "queen": "Queen",
             "king": "King", "california king": "California King", "cal king": "California King"}
UNITS = {"in": "in", "inch": "in", "inches": "in", "\"": "in", "ft": "ft", "foot": "ft", "feet": "ft",
         "'": "ft", "cm": "cm", "centimeter": "cm", "centimeters": "cm", "centimetre": "cm", "centimetres": "cm",
         "mm": "mm", "millimeter": "mm", "millimeters": "mm", "m": "m", "meter": "m", "meters": "m",
         "metre": "m", "metres": "m", "yd": "yd", "yard": "yd", "yards": "yd",
         "oz": "oz", "ounce": "oz", "ounces": "oz", "fl oz": "fl oz", "fl. oz": "fl oz", "fl.oz": "fl oz",
         "fluid ounce": "fl oz", "fluid ounces": "fl oz", "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb",
         "g": "g", "gram": "g", "grams": "g", "gr": "g", "kg": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg",
         "kilograms": "kg", "ml": "ml", "milliliter": "ml", "milliliters": "ml", "millilitre": "ml",
         "millilitres": "ml", "l": "L", "liter": "L", "liters": "L", "litre": "L", "litres": "L", "ltr": "L",
         "gal": "gal", "gallon": "gal", "gallons": "gal", "qt": "qt", "quart": "qt", "quarts": "qt",
         "cup": "cup", "cups": "cup", "gb": "GB", "tb": "TB", "piece": "piece", "pc": "piece",
         "person": "person", "people": "person", "man": "person", "burner": "burner", "wick": "wick",
         "sheets": "sheets", "sheet": "sheets"}
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_NUM = rf"(?:(?:\d+\s+)?\d+/\d+|\d+(?:\.\d+)?|{NUMBER_WORDS})"

_NAMED_SIZES = "|".join(re.escape(s) for s in sorted([*LETTER_SIZES, *WORD_SIZES, *BED_SIZES], key=len, reverse=True))
# "size 10", "size: 7.5 wide", "the size should be a 10", "size x-large", "size 34"
SIZE_AFTER_CUE_RE = re.compile(
    rf"\b(?:in\s+(?:a\s+)?)?(?:size|sz|sized?)(?!s\b)\s*(?::|=|is|of|should be|must be|would be|needs to be|to be)?\s*"
    rf"(?:an?\s+)?(?P<value>(?:us\s+|uk\s+|eu\s+)?(?:{_NAMED_SIZES}|"
    rf"\d{{1,2}}(?:\.5)?(?:\s*1/2)?(?:\s*(?:c|y|t|w|m)\b)?|[a-c]\d|{NUMBER_WORDS})"
    rf"(?:\s*(?:wide|narrow|w|x-wide|extra wide|petite|tall|long|short|regular))?)\b")
# "a large", "in medium", "medium size", "large t-shirt" is not a size: only these cued forms are.
WORD_SIZE_CUED_RE = re.compile(
    r"\b(?:in\s+(?:an?\s+)?|an?\s+|,\s*)(?P<value>small|medium|large|petite)\b"
    r"(?=\s*(?:size|please|[,.!?;]|$|and\b|in\b|for\b))"
    r"|\b(?P<value2>small|medium|large|petite|queen|king|twin|full)[\s-]+size(?:d)?\b")
LETTER_SIZE_RE = re.compile(
    r"\b(?P<value>xxs|xs|xxxl|xxl|xl|[2-5]xl|x-small|x small|extra[\s-]small|xx-large|xx large|xxx-large|"
    r"[23]x-large|extra extra large|x-large|x large|extra[\s-]large)\b")
BED_SIZE_AFTER_RE = re.compile(r"\b(?:sheets?|sheet set|comforter|duvet|bed|mattress|bedding|quilt|frame|"
                               r"headboard|blanket|topper)\s+(?P<value>california king|cal king|twin xl|queen|king|"
                               r"twin|full)\b")
BED_SIZE_RE = re.compile(r"\b(?P<value>california king|cal king|twin xl|queen|king)\b(?=\s+(?:size\b|bed|sheet|"
                         r"mattress|comforter|duvet|quilt|bedding|pillow|frame|headboard|blanket|set|cover))")
# "34x30", "20 x 20 inches", "61w by 72h", "8x10 ft", "52 x 84 in"
DIMENSIONS_RE = re.compile(
    rf"\b(?P<a>\d+(?:\.\d+)?)\s*(?P<sa>w|h|l|d|in|\"|')?\s*(?:x|by|\*)\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<sb>w|h|l|d)?"
    rf"(?:\s*(?:x|by|\*)\s*(?P<c>\d+(?:\.\d+)?)\s*(?P<sc>w|h|l|d)?)?(?:\s*(?P<unit>{_UNIT})\b)?(?![\d.])")
# "16 ounce", "32oz", "1.5 l", "55 inch", "55-inch", "2 person", "seventy centimeter", "10 1/2 inch"
MEASURE_RE = re.compile(rf"(?<![\w./])(?P<num>{_NUM})\s*-?\s*(?P<unit>{_UNIT})(?![\w])")
# "7 wide", "9.5 narrow", "mens 10", "women's 8.5", "size 10 1/2" handled above
SHOE_WIDTH_RE = re.compile(r"\b(?P<value>\d{1,2}(?:\.5)?)\s*(?P<width>wide|narrow|extra wide|x-wide)\b")
GENDERED_SIZE_RE = re.compile(r"\b(?:mens|men's|womens|women's|kids|kids')\s+(?:size\s+)?(?P<value>\d{1,2}(?:\.5)?)\b"
                              r"(?!\s*(?:pack|count|ct|pcs|pieces|inch|in\b|oz|lb|%|year|yr|month))")
KIDS_SIZE_RE = re.compile(r"\b(?P<value>[2-6]t|\d{1,2}\s*-\s*\d{1,2}\s*(?:months|mos|m)|\d{1,2}\s*months|"
                          r"newborn|preemie)\b")
NAMED_SIZE_RE = re.compile(r"\b(?P<value>(?:family|party|value|jumbo|snack|sample|trial|travel|king|full)[\s-]size)\b")
PAPER_SIZE_RE = re.compile(r"\b(?P<value>a[3-6]|b5|letter size|legal size)\b")

# Pack counts: "3 pack", "3-pack", "12pk", "pack of 12", "set of 4", "(pack of 4)", "6 count", "a dozen"
_COUNT_UNIT = r"(?:packs?|pk|pck|count|ct|pcs|pieces|pairs|rolls|cans|bottles|jars|boxes|bags|bars|pods|k-cups)"
PACK_SUFFIX_RE = re.compile(rf"(?<![\w.])(?P<num>\d+|{NUMBER_WORDS})\s*-?\s*{_COUNT_UNIT}\b")
# "a 6 pack of 10 ounce potatoes": a number followed by a measure is the size of each, not the count.
PACK_PREFIX_RE = re.compile(rf"\b(?:pack|set|box|case|bundle|bag|carton|package|pk|lot|pair|pairs)\s+of\s+"
                            rf"(?P<num>\d+|{NUMBER_WORDS})\b(?!\.\d)(?!\s*-?\s*(?:ounces?|oz|fl\b|fluid|lbs?\b|"
                            rf"pounds?|grams?|g\b|kg\b|ml\b|millilit|lit(?:er|re)s?|l\b|gallons?|gal\b|inch|"
                            rf"feet|foot|ft\b|cm\b|mm\b))")
PACK_WORD_RE = re.compile(r"\b(?P<word>(?:half\s+a\s+|a\s+)?dozen|twin pack|double pack|two pack|single pack)\b")
PACK_WORD_VALUES = {"dozen": 12, "a dozen": 12, "half a dozen": 6, "twin pack": 2, "double pack": 2,
                    "two pack": 2, "single pack": 1}

# ---------------------------------------------------------------- who and when

RECIPIENT_NOUNS = (
    "mom", "mum", "mommy", "mother", "dad", "daddy", "father", "parents", "wife", "husband", "girlfriend",
    "boyfriend", "partner", "fiance", "fiancee", "spouse", "son", "daughter", "sons", "daughters", "kids", "kid",
    "child", "children", "toddler", "baby", "newborn", "teen", "teenager", "boy", "girl", "boys", "girls",
    "grandma", "grandpa", "grandmother", "grandfather", "grandparents", "granddaughter", "grandson",
    "sister", "brother", "siblings", "friend", "friends", "best friend", "coworker", "coworkers", "colleague",
    "colleagues", "boss", "teacher", "teachers", "nurse", "doctor", "coach", "aunt", "uncle", "niece", "nephew",
    "cousin", "neighbor", "neighbour", "in-laws", "mother-in-law", "father-in-law", "sister-in-law",
    "brother-in-law", "stepdaughter", "stepson", "dog", "cat", "puppy", "kitten", "pup", "him", "her",
    "man", "woman", "guy", "gal", "lady", "gamer", "runner", "golfer", "hiker", "cook", "chef", "student",
    "graduate", "host", "hostess", "bride", "groom", "dad-to-be", "mom-to-be", "new mom", "new dad",
    "someone", "somebody", "men", "women", "ladies", "toddlers", "babies", "teens", "teenagers", "adults")
# Audience nouns are a recipient only with a possessive, an article or an age ("for my kids", not "for kids").
GENERIC_AUDIENCE = frozenset({"kids", "children", "boys", "girls", "toddlers", "babies", "teens", "teenagers",
                              "adults", "men", "women", "ladies", "man", "woman", "lady", "guy"})
_RECIPIENT = "|".join(re.escape(n) for n in sorted(RECIPIENT_NOUNS, key=len, reverse=True))
_AGE = rf"(?:{_NUM}|\d+\s*-\s*\d+)[\s-]*(?:years?|yrs?|yr|months?|mos?)[\s-]*olds?|{_NUM}\s*(?:yo|y/o)"
_RECIPIENT_ADJ = (r"(?:little|big|older|younger|new|best|teenage|teen|baby|toddler|elderly|grown|adult|senior|"
                  r"large|small|tiny|active|"
                  r"favorite|favourite|dear|sweet|lovely|wonderful|amazing|sporty|picky|techie|tech-savvy)")
# "for my 5 year old", "for dad", "for a 10-year-old boy", "for my wife's birthday", "gift for him"
RECIPIENT_RE = re.compile(
    rf"\b(?:for|give\s+(?:to\s+)?|send\s+(?:to\s+)?|(?:get|buy|gift)\s+(?=(?:my|our)\s))\s*"
    rf"(?P<who>(?:(?P<det>my|our|his|her|their|a|an|the)\s+)?"
    rf"(?:(?P<age>{_AGE})\s+|{_RECIPIENT_ADJ}\s+){{0,2}}(?:(?P<noun>{_RECIPIENT})(?:'s|s')?\b|(?P<age_only>{_AGE})\b|"
    rf"[a-z]+\s+(?:lover|fan|enthusiast|addict|snob|nerd|geek|junkie)s?\b))")
# "ages 3-5", "ages 8 and up", "age 3+": an audience, never a price.
AGE_RANGE_RE = re.compile(r"\b(?:for\s+)?(?:kids\s+)?(?:ages?|aged)\s+(?P<age>\d{1,2}(?:\s*(?:-|to)\s*\d{1,2})?"
                          r"(?:\s*(?:\+|and up|and older|and over|plus))?)(?:\s*(?:years?|yrs?|months?))?")
AGE_RE = re.compile(rf"\b(?:{_AGE})\b")
# "kids under 5", "women over 50", "toddlers under 2": an age limit, never a price.
AUDIENCE_AGE_LIMIT_RE = re.compile(
    r"\b(?:kids|children|toddlers|babies|boys|girls|men|women|adults|seniors|people|ages?|teens)\s+"
    r"(?:under|over|below|above|older than|younger than)\s+\d{1,2}\b(?!\s*(?:dollars|bucks|usd|euros?))")

OCCASIONS = {"birthday": "birthday", "bday": "birthday", "birthday party": "birthday", "b-day": "birthday",
             "christmas": "christmas", "xmas": "christmas",
             "x-mas": "christmas", "holiday": "holiday", "holidays": "holiday", "hanukkah": "hanukkah",
             "valentine's day": "valentine's day", "valentines day": "valentine's day", "valentine's":
             "valentine's day", "valentines": "valentine's day", "mother's day": "mother's day",
             "mothers day": "mother's day", "father's day": "father's day", "fathers day": "father's day",
             "anniversary": "anniversary", "wedding": "wedding", "baby shower": "baby shower",
             "bridal shower": "bridal shower", "housewarming": "housewarming", "graduation": "graduation",
             "retirement": "retirement", "halloween": "halloween", "easter": "easter",
             "thanksgiving": "thanksgiving", "new year's eve": "new year's eve", "new years eve": "new year's eve",
             "new year": "new year", "back to school": "back to school", "prom": "prom", "party": "party",
             "date night": "date night", "job interview": "job interview", "interview": "job interview",
             "vacation": "vacation", "honeymoon": "honeymoon", "road trip": "road trip",
             "camping trip": "camping trip", "secret santa": "secret santa", "white elephant": "white elephant",
             "stocking stuffer": "christmas", "stocking stuffers": "christmas", "communion": "communion",
             "baptism": "baptism", "bachelorette party": "bachelorette party", "festival": "festival",
             "wedding anniversary": "anniversary", "get well": "get well"}
ACTIVITIES = ("golf", "golfing", "hiking", "running", "jogging", "camping", "travel", "traveling", "travelling",
              "gym", "the gym", "working out", "workouts", "workout", "yoga", "swimming", "beach", "the beach",
              "cycling", "biking", "fishing", "hunting", "skiing", "snowboarding", "work", "the office",
              "office", "school", "college", "winter", "summer", "fall", "spring", "rainy days", "the rain",
              "rain", "snow", "outdoors", "everyday wear", "daily wear", "casual wear", "daily use", "everyday use",
              "sleep", "sleeping", "gaming", "commuting", "backpacking", "climbing", "tennis", "basketball",
              "soccer", "baseball", "football", "pickleball", "pilates", "crossfit", "weightlifting", "boxing",
              "dancing", "ballet", "gardening", "cooking", "baking", "studying", "church", "lounging", "reading",
              "painting", "drawing", "crafting", "knitting", "hunting season")
WEATHER = ("cold weather", "hot weather", "warm weather", "wet weather", "rainy", "snowy", "freezing", "cold",
           "hot", "winter", "summer", "indoor", "outdoor", "trail", "night", "long distance", "everyday")
_OCCASION = "|".join(re.escape(o) for o in sorted(OCCASIONS, key=len, reverse=True))
_ACTIVITY = "|".join(re.escape(a) for a in sorted(ACTIVITIES, key=len, reverse=True))
_WEATHER = "|".join(re.escape(w) for w in sorted(WEATHER, key=len, reverse=True))
# "birthday gift", "christmas present", "for my wife's birthday", "for cold weather golf", "for hiking"
OCCASION_GIFT_RE = re.compile(rf"\b(?P<occ>{_OCCASION})\s+(?:gifts?|presents?|ideas?|shopping|surprise)\b")
OCCASION_FOR_RE = re.compile(
    rf"\b(?:for|on|this|before|during)\s+(?:(?:my|our|his|her|their|a|an|the|next|this)\s+)?"
    rf"(?:[a-z-]+(?:'s|s')\s+)?(?:\d+(?:st|nd|rd|th)\s+)?(?P<occ>{_OCCASION})\b")
ACTIVITY_FOR_RE = re.compile(
    rf"\bfor\s+(?:(?:my|our|his|her|their|a|an|the)\s+)?(?P<occ>(?:(?:{_WEATHER})\s+)?(?:{_ACTIVITY})"
    rf"(?:\s+(?:{_ACTIVITY}))?)\b(?!\s*(?:shoes?|boots?|shirts?|shorts|pants|bags?|gloves?|jackets?|clubs?|balls?))")

# ---------------------------------------------------------------- actions

_POLICY = (r"return policy|my (?:package|parcel|delivery|shipment)|returns?\b(?!\s+(?:on|of)\s+investment)|"
           r"returning|refunds?|refunded|money back|"
           r"warrant(?:y|ies)|guarantee|shipping|shipped|ship\s+(?:to|internationally|overseas|abroad|outside|"
           r"worldwide|it|them|my|by|today|tomorrow|for free|free)|free shipping|gift wrap(?:ping|ped)?|deliver(?:y|ies|ed)?\b|exchange|exchanges|payment|pay\s+"
           r"(?:with|by|in|using|for)|paypal|apple pay|google pay|klarna|afterpay|installments|credit card|"
           r"debit card|gift card balance|price match(?:ing)?|price adjustment|track(?:ing)?\s+(?:my\s+)?order|"
           r"order status|where is my order|where's my order|wheres my order|cancel\s+(?:my\s+)?order|my order|"
           r"arriv(?:e|al)|"
           r"store hours|opening hours|promo code|coupon|discount code|restocking fee|arrived (?:damaged|broken)|"
           r"customer service|contact you|privacy policy|loyalty program|rewards points")
POLICY_RE = re.compile(rf"\b(?:{_POLICY})")
# "return my headphones", "cancel the order": a store action on something bought, whatever product it names
POLICY_ACTION_RE = re.compile(r"\b(?:return|exchange|refund|cancel|track)\s+(?:my|this|that|the|an?|it|them|these)\b")
VIEW_CART_RE = re.compile(
    r"\b(?:(?:show|view|see|open|check|display|review|go to)\s+(?:me\s+)?(?:my|the)\s+(?:shopping\s+)?"
    r"(?:cart|basket|bag|trolley)|what(?:'s|s| is)\s+in\s+(?:my|the)\s+(?:cart|basket|bag|trolley)|"
    r"(?:my|the)\s+(?:cart|basket)\s+(?:total|contents|please)|how much is (?:in )?my (?:cart|basket)|"
    r"(?:remove|delete|take)\s+.*\b(?:from|out of)\s+(?:my|the)\s+(?:cart|basket)|"
    r"^\s*(?:my\s+)?(?:cart|basket)\s*[?!.]*$|"
    r"\bcheck\s*out(?=\s*(?:$|[,.!?]|please|now)))")
ADD_TO_CART_RE = re.compile(
    r"\b(?:(?:add|put|throw|place|stick|pop)\b.{0,60}?\b(?:to|in|into|on)\s+(?:my|the)?\s*(?:shopping\s+)?"
    r"(?:cart|basket|trolley|order)\b|^(?:add|buy)\s+(?:it|this|that|them|the\s+(?:first|second|third|fourth|fifth|"
    r"last|\w+\s+one)|both)\b|\badd\s+(?:it|this|that|them)\b)")
# "i'll take it": buying what was shown; with a product named it is only part of a search request
TAKE_IT_RE = re.compile(r"\b(?:i'?ll|i will|let me|i'd like to)\s+(?:take|buy|get|grab|order)\s+(?:it|this|that|them|"
                        r"these|those|both|one|two|the\s+(?:first|second|third|fourth|fifth|last|\w+\s+one))\b")
CART_WORDS = frozenset({"cart", "basket", "trolley", "order", "checkout"})
COMPARE_RE = re.compile(
    r"\b(?:compare|comparing|comparison|vs\.?|versus|difference(?:s)? between|differ\b|"
    r"which (?:one |of (?:them|these|those) )?(?:is|are|would be) (?:better|cheaper|lighter|bigger|smaller)|"
    r"which (?:one )?should i (?:get|buy|choose|pick)|(?:better|worse) than|how does .* compare|side by side)")
RECOMMEND_RE = re.compile(
    r"\b(?:recommend(?!ed)\w*|suggest(?!ed)\w*|"
    r"what(?:'s|s| is| are)\s+(?:a\s+|some\s+|the\s+)?(?:good|great|nice|best|decent|top)\b|"
    r"any\s+(?:good\s+)?(?:ideas|suggestions|recommendations|recs)|gift ideas?|ideas?\s+for|"
    r"what should i (?:get|buy|gift|give)|help me (?:choose|pick|decide)|what would you|advice|"
    r"what (?:do|would) you (?:think|suggest|recommend)|could you recommend|which .* should i|need ideas)")
QUESTION_START_RE = re.compile(
    r"^\s*(?:does|do|is|are|can|could|will|would|how|what|what's|whats|which|where|when|who|why|has|have|"
    r"did|tell me|explain|describe|any info|more (?:info|details))\b")
# A question is about a shown product when it points at one: "it", "this", "the second one", an id.
PRODUCT_POINTER_RE = re.compile(r"\b(?:it|its|it's|this|these|those|they|them|that one|the one)\b")
# "do you have it in blue?", "do they have it in a larger size?": after a search, a follow-up, not a question
HAVE_IT_IN_RE = re.compile(r"\b(?:do|does|can)\s+(?:you|they|it|these|those|this)\s+(?:have|has|come|make|carry|sell|"
                           r"get)\b.*\bin\b")
# Questions that ask for a search, not about a shown product: "can you find me shoes like these?"
SEARCH_QUESTION_RE = re.compile(
    r"^\s*(?:can you (?:find|show|get|search|help)|could you (?:find|show|get|search|help)|"
    r"do you (?:have|sell|carry|stock)|is there|are there|where can i|can i (?:get|find|buy)|have you got|got any|"
    r"any chance)")
# "does it ...", "are the headphones ...", "is this ...": a question whose subject is a product already in view
ASKS_ABOUT_RE = re.compile(r"^\s*(?:does|do|is|are|can|will|would|did|has|have|was|were)\s+(?:it|this|that|they|these|"
                           r"those|the)\b")
PRODUCT_DETAIL_RE = re.compile(
    r"\b(?:tell me (?:more )?about|more (?:info|information|details) (?:on|about)|details (?:on|of|about)|"
    r"specs? (?:of|for|on)|what (?:is|are) the \w+(?: \w+)? of|how (?:big|long|heavy|wide|tall|much)|"
    r"reviews? (?:of|for|on)|does (?:it|this|that|the)|is (?:it|this|that|the)|are (?:they|these|those|the))")

# Follow-up cues: what a message that only modifies the previous request asks for.
CHEAPER_RE = re.compile(r"\b(?:cheaper|less expensive|lower price[ds]?|more affordable|cheaper ones?|too expensive|"
                        r"less pricey|lower cost)\b")
PRICIER_RE = re.compile(r"\b(?:pricier|more expensive|higher end|higher-end|more premium|fancier)\b")
BIGGER_RE = re.compile(r"\b(?:bigger|larger|(?:a |one |next )?size up(?=\s*(?:$|[,.!?]|please)))")
SMALLER_RE = re.compile(r"\b(?:smaller|(?:a |one |next )?size down(?=\s*(?:$|[,.!?]|please)))")
OTHER_BRAND_RE = re.compile(r"\b(?:(?:other|another|different) brands?|not (?:that|this|those|these) brands?|"
                            r"(?:a )?brand other than (?:that|this)|different make)\b")
# "electric only", "just the wireless ones": a narrowing of what was asked, not a new product.
ONLY_RE = re.compile(r"^\s*(?:only|just)\s+(?:the\s+)?[a-z][\w -]{0,30}?(?:\s+ones?)?\s*[.!]?\s*$|"
                     r"^\s*[a-z][\w -]{0,30}?\s+only\s*[.!]?\s*$")
# "any color is fine", "size doesn't matter": a constraint the shopper lets go of.
ANY_VALUE_RE = re.compile(r"\bany (colou?r|size|brand|material)s?\b|\b(colou?r|size|brand|material)s? (?:doesn'?t|does not|"
                          r"don'?t|do not) matter\b|\b(?:whatever|any) (colou?r|size|brand|material)\b")
# "a wall mount": an article before a feature's words makes them a noun, the product.
ARTICLES = frozenset({"a", "an", "another", "some"})
# "a wall mount for it": an accessory for the product talked about.
FOR_IT_RE = re.compile(r"\bfor (?:it|this|that|them|these|those)(?: ones?)?\b")
# "for a Honda Element instead", "what about for the 3DS?": the message is only what the product is for.
FOR_TARGET_RE = re.compile(r"^\s*(?:(?:what|how) about |and |or |(?:do you have |got )?(?:one|some|any|ones) )?"
                           r"for (?:a |an |the |my |our )?(?P<target>[^?.!]+?)(?:,? instead)?\s*[?.!]*\s*$",
                           re.IGNORECASE)
# "something for my balcony", "something to keep my coffee hot": a purpose, no product named.
PURPOSE_RE = re.compile(r"\b(?:something|anything)\s+(?:to|for)\b")
# "ones with a bottom freezer": a part wanted of the kind already talked about.
ONES_WITH_RE = re.compile(r"\b(?:ones?|those|models?)\s+(?:with|that ha(?:ve|s)|having)\s+(?:an?\s+|the\s+)?")
# "instead", "rather", "something else": a new want in place of the old one ("instead of X" negates X).
INSTEAD_RE = re.compile(r"\b(?:instead|rather)\b(?!\s+(?:of|than)\b)|\bsomething (?:else|different)\b")
MORE_RE = re.compile(r"\b(?:show (?:me )?more|more (?:options|results|of (?:these|those|them)|like (?:this|that|these|"
                     r"those))|see more|load more|next page|keep going|any more|anymore|others)\b|^\s*more\s*[?!.]*$")

CHITCHAT_RE = re.compile(
    r"^\s*(?:(?:hi|hello|hey|heya|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|night)|"
    r"thanks?(?: you)?(?: so much| a lot| very much)?|thx|ty|thank u|cheers|much appreciated|appreciate it|"
    r"bye|goodbye|see (?:you|ya)|later|ok(?:ay)?|cool|great|awesome|perfect|nice|lol|haha|sounds good|"
    r"got it|no thanks|nope|yes|yep|sure|how are you(?: doing)?(?: today)?|how's it going|what's up|whats up|"
    r"who are you|what can you do|what do you do|are you (?:a )?(?:bot|robot|human|real)|you'?re (?:great|awesome|"
    r"helpful|the best)|that'?s (?:all|great|helpful|perfect)|never ?mind|nvm)(?:\s+there)?[\s,.!?:;)(-]*)+$")
OFF_TOPIC_RE = re.compile(
    r"\b(?:the weather|weather (?:today|tomorrow|forecast|like|in)|forecast|joke|jokes|poem|poetry|news|"
    r"president|election|politics|capital of|"
    r"meaning of life|homework|translate|what time is it|time zone|score of|who won|stock price|bitcoin|"
    r"crypto|horoscope|recipe for|how to cook|lyrics|movie times|write (?:me )?an? (?:essay|email|letter|song)|"
    r"solve|equation|square root|what(?:'s| is) \d+\s*[-+*/x]\s*\d+)\b")

# ---------------------------------------------------------------- references

ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
            "ninth": 9, "9th": 9, "tenth": 10, "10th": 10, "last": -1, "final": -1, "second to last": -2,
            "second-to-last": -2, "second last": -2, "penultimate": -2}
_ORDINAL = "|".join(re.escape(o) for o in sorted(ORDINALS, key=len, reverse=True))
_POINTED = r"(?:one|option|item|product|result|listing|link|pair|model|suggestion)"
# "the second one", "2nd option", "the last", "first item"; "first aid kit" is not a reference.
ORDINAL_REF_RE = re.compile(
    rf"\b(?:the\s+)?(?P<ord>{_ORDINAL})\s+{_POINTED}\b(?:\s+(?:on|in|from)\s+the\s+list)?"
    rf"|\bthe\s+(?P<ord2>{_ORDINAL})\b(?=\s*(?:$|[,.!?;:)]|(?:is|was|has|does|do|did|in|on|for|to|and|or|but|"
    rf"please|looks?|seems?|you|with|vs|versus|one)\b))")
NUMBERED_REF_RE = re.compile(r"(?:\b(?:number|option|item|result|choice|product)\s*#?\s*|#\s*)(?P<num>\d{1,2})\b"
                             r"(?!\s*(?:pack|count|inch|in\b|oz|lb))")
PRODUCT_ID_RE = re.compile(r"\b(?P<id>[a-z]{2,5}-\d{3,8})\b(?!-)")

# ---------------------------------------------------------------- sorts and negations

SORT_PHRASES: dict[str, str] = {
    "cheapest": "price_asc", "cheap": "price_asc", "cheaper": "price_asc", "least expensive": "price_asc",
    "lowest price": "price_asc", "lowest priced": "price_asc", "low price": "price_asc",
    "low priced": "price_asc", "inexpensive": "price_asc", "affordable": "price_asc", "budget": "price_asc",
    "budget friendly": "price_asc", "on a budget": "price_asc", "bargain": "price_asc",
    "price low to high": "price_asc", "low to high": "price_asc", "lowest cost": "price_asc",
    "most expensive": "price_desc", "priciest": "price_desc", "highest price": "price_desc",
    "highest priced": "price_desc", "price high to low": "price_desc", "high to low": "price_desc",
    "high end": "price_desc", "top of the line": "price_desc",
    "best rated": "rating", "top rated": "rating", "highest rated": "rating", "best reviewed": "rating",
    "top reviewed": "rating", "highly rated": "rating", "well reviewed": "rating", "best selling": "rating",
    "bestselling": "rating", "best sellers": "rating", "best seller": "rating", "most popular": "rating",
    "good reviews": "rating", "best reviews": "rating", "great reviews": "rating", "5 star": "rating",
    "five star": "rating", "4 stars and up": "rating", "4 star": "rating",
    "newest": "newest", "latest": "newest", "new arrivals": "newest", "most recent": "newest",
    "recently released": "newest", "just released": "newest", "newer": "newest", "more recent": "newest",
    "new releases": "newest", "new release": "newest",
    "just came out": "newest", "brand new release": "newest", "latest model": "newest", "newest model": "newest",
    "sort by price": "price_asc", "sorted by price": "price_asc", "order by price": "price_asc",
    "by price": "price_asc", "sort by rating": "rating", "sorted by rating": "rating", "by rating": "rating",
    "sort by newest": "newest", "by date": "newest",
    "lowest first": "price_asc", "highest first": "price_desc", "price ascending": "price_asc",
    "price descending": "price_desc", "cheapest to most expensive": "price_asc",
    "most expensive to cheapest": "price_desc", "from cheapest": "price_asc", "from most expensive": "price_desc",
}
# "cheapest first", "best rated first": the order's own word, not a reference to the first product.
SORT_PHRASES |= {f"{phrase} first": sort for phrase, sort in SORT_PHRASES.items()
                 if not phrase.startswith(("by ", "sort", "order")) and " " in phrase or phrase in
                 ("cheapest", "newest", "latest", "priciest", "cheaper", "newer")}
# Words that start a negation; what they apply to is the phrase right after them.
NEGATION_CUES = ("not", "no", "without", "except", "excluding", "exclude", "anything but", "other than",
                 "but not", "nothing", "never", "avoid", "minus", "don't want", "dont want", "do not want",
                 "don't like", "dont like", "hate", "not a fan of", "no more", "free from", "skip", "rather than",
                 "instead of", "but no", "apart from", "besides")
# "not too", "no more than", "not sure": these do not negate what follows.
NOT_NEGATING_NEXT = frozenset({"too", "sure", "only", "just", "more", "less", "longer", "matter", "very",
                               "really", "much", "necessarily", "expensive", "cheap", "over", "under",
                               "problem", "worries", "thanks", "idea", "rush", "hurry", "need", "bigger",
                               "smaller", "exceeding", "exceed", "higher", "lower", "one"})

# ---------------------------------------------------------------- plain words

STOPWORDS = frozenset("""
a an the and or but nor so yet if then than that this these those there here it its it's i me my mine myself
we us our ours you your yours he him his she her hers they them their theirs what which who whom whose
is am are was were be been being do does did doing have has had having will would shall should can could
may might must to of in on at by for with from into onto about above below over under up down out off
as per via like just also too very really quite some any each every all both either neither such own same
other another more most much many few less least only even still again ever how when where why whom
whatever whichever whoever im i'm ive i've id i'd ill i'll youre you're dont don't doesnt doesn't isnt not no
thats that's whats what's theres there's heres here's its wheres where's hows how's
isn't arent aren't cant can't wont won't didnt didn't its' lets let's ok okay oh yeah yes yep hey hi hello
please pls plz thanks thank thx kindly maybe perhaps probably something anything thing things one ones
around within while during before after because since until unless whether though although
""".split())
# Request verbs and chatter: dropped from the query, never part of a product type.
FILLER_WORDS = frozenset("""
need needs needed want wants wanted wanna would like love looking look searching search find finding
get getting got buy buying bought purchase purchasing order ordering shop shopping show showing help
give giving bring grab prefer preferably prefer ideally hopefully must should require required requires
seek seeking hunt hunting see check browse interested interest also something anything thing stuff item
items product products kindly possibly able available go going try trying make makes made use used using
wear wearing put keep gonna let lets tell know think guess mean means said say says sell sells selling
carry carries stock stocked offer offers offering recommend suggest suggestion suggestions recommendation
recommendations idea ideas gift gifts present presents compare comparing comparison vs versus difference
differences between add added adding come comes coming take takes fit fits runs work works last lasts looks
feel feels hold holds ship ships arrive arrives charge costs weigh weighs include includes contain contains
support supports go goes sound sounds long much many whether tell explain describe details detail info
information please question questions wondering wonder curious loves likes enjoys adores into write
actually instead rather fine okay matter matters maybe else again anyway though now today tomorrow asap soon currently definitely run true
select choose pick locate meant sort sorted order ordered lot lots
""".split())
# "a bottle of olive oil", "a box of chocolates": the product is what the container holds
CONTAINER_NOUNS = frozenset({"container", "containers", "bottle", "bottles", "jar", "jars", "bag", "bags", "box",
                             "boxes", "can", "cans", "packet", "packets", "tub", "tubs", "tube", "tubes", "carton",
                             "cartons", "case", "cases", "bundle", "bundles", "roll", "rolls", "sack", "pouch",
                             "pouches", "tin", "tins", "bucket", "kit", "supply", "variety", "assortment"})
# A few non-English function words per language: two or more of them (and few English ones) decide.
LANGUAGE_MARKERS = {
    "es": frozenset("para con sin de del los las una unos unas por que más barato barata zapatos hombre mujer "
                    "niño niña niños rojo roja azul negro negra busco quiero necesito talla tenis camisa".split()),
    "fr": frozenset("pour avec sans les des une du pas moins cher chaussures homme femme enfant rouge bleu noir "
                    "je cherche veux besoin taille".split()),
    "de": frozenset("für mit ohne und der die das ein eine nicht günstig billig schuhe herren damen kinder rot "
                    "blau schwarz ich suche brauche möchte größe".split()),
    "it": frozenset("per con senza della delle una gli scarpe uomo donna bambino rosso blu nero cerco voglio "
                    "taglia economico".split()),
    "pt": frozenset("para com sem uma dos das não sapatos homem mulher criança vermelho azul preto procuro "
                    "quero preciso tamanho barato".split()),
}
