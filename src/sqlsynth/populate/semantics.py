"""What kind of value a column holds, guessed from its name, type and description.

Detection is a small, ordered, data-driven rule table (like sqlglot's rule tables): each `Rule`
pairs a regular expression on the column name (optionally on the table name too) and the logical
types it applies to with a *provider* and its parameters. The first matching rule wins; when no
rule matches the name, the same rules are tried on the words of the column description; failing
that, a fallback per logical type is used.

Providers are vectorised: they return a whole column (a numpy array) at once. Text comes from
pools of distinct values pre-generated once per run with a seeded mimesis `Generic` (and a few
built-in word lists) and is then sampled by index with numpy, which keeps generation fast and
deterministic. Dates and times are produced per table by `temporal_chain`, so that columns whose
names imply an order (ordered -> shipped -> delivered, start -> end, created -> updated) keep it
within each row.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlglot import exp

from sqlsynth.schema.model import Column, Table
from sqlsynth.schema.types import LogicalType

POOL_SIZE = 2000
DATE_START = np.datetime64("2018-01-01T00:00:00", "s")
DATE_END = np.datetime64("2025-12-31T23:59:59", "s")
DAY = 86_400


def derive_seed(*parts: object) -> int:
    """A 63-bit seed from any parts (run seed, table, column...), stable across runs and machines."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & ((1 << 63) - 1)


def rng_for(*parts: object) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(derive_seed(*parts)))


# ---------------------------------------------------------------------------------------------
# Column facts
# ---------------------------------------------------------------------------------------------

_INT_LIMITS = {
    exp.DataType.Type.TINYINT: 127,
    exp.DataType.Type.UTINYINT: 255,
    exp.DataType.Type.SMALLINT: 32_767,
    exp.DataType.Type.USMALLINT: 65_535,
    exp.DataType.Type.INT: 2_147_483_647,
    exp.DataType.Type.MEDIUMINT: 8_388_607,
}


@dataclass
class ColumnInfo:
    """A column plus what its native type says about lengths and ranges."""

    table: Table
    column: Column
    logical: LogicalType
    length: int | None = None  # VARCHAR(n) / CHAR(n)
    precision: int | None = None  # DECIMAL(p, s)
    scale: int | None = None
    int_max: int | None = None
    native: str = ""
    unique: bool = False

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def lname(self) -> str:
        return self.column.name.lower()

    @property
    def max_abs(self) -> float | None:
        """The largest absolute value a DECIMAL(p, s) column holds, or None if unbounded."""
        if self.precision is None:
            return None
        s = self.scale or 0
        return 10.0 ** (self.precision - s) - 10.0 ** (-s)


def column_info(table: Table, column: Column) -> ColumnInfo:
    info = ColumnInfo(table=table, column=column, logical=column.logical_type, native=column.type or "")
    if not column.type:
        if info.logical is LogicalType.DECIMAL:
            info.scale = 2
        return info
    try:
        dtype = exp.DataType.build(column.type, udt=True)
    except Exception:  # noqa: BLE001 - odd native names (`string`, `currency`) keep defaults
        dtype = None
    if dtype is not None:
        params = [p.this for p in dtype.expressions if isinstance(p, exp.DataTypeParam)]
        nums = []
        for p in params:
            if isinstance(p, exp.Literal) and p.is_int:
                nums.append(int(p.this))
        if info.logical is LogicalType.TEXT and dtype.this in (
            exp.DataType.Type.VARCHAR,
            exp.DataType.Type.CHAR,
            exp.DataType.Type.NVARCHAR,
            exp.DataType.Type.NCHAR,
        ):
            info.length = nums[0] if nums else None
        if info.logical is LogicalType.DECIMAL:
            if nums:
                info.precision = nums[0]
                info.scale = nums[1] if len(nums) > 1 else 0
            else:
                info.scale = 2
        if info.logical is LogicalType.INTEGER:
            info.int_max = _INT_LIMITS.get(dtype.this)
    elif info.logical is LogicalType.DECIMAL:
        info.scale = 2
    return info


# ---------------------------------------------------------------------------------------------
# Word lists for things mimesis has no provider for
# ---------------------------------------------------------------------------------------------


def _w(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


_ADJECTIVES = _w(
    "Ergonomic Wireless Compact Premium Organic Vintage Smart Portable Classic Deluxe Rustic Sleek "
    "Durable Lightweight Handcrafted Eco Ultra Modern Essential Pro Mini Heavy-Duty Foldable Waterproof"
)
_MATERIALS = _w("Steel Wooden Cotton Leather Bamboo Ceramic Glass Aluminum Wool Linen Silicone Marble Copper")
_NOUNS = _w(
    "Chair Headphones Backpack Lamp Keyboard Mug Jacket Watch Bottle Speaker Blender Notebook Sneakers "
    "Desk Camera Tent Kettle Mouse Monitor Pillow Blanket Scarf Wallet Sunglasses Drone Charger Router "
    "Vase Skillet Toaster Helmet Bicycle Umbrella Candle Tablet Printer Mixer Shelf Rug Hoodie Gloves"
)
_CATEGORIES = _w(
    "Electronics|Books|Clothing|Home & Kitchen|Toys|Sports & Outdoors|Beauty|Health|Garden|Automotive|"
    "Grocery|Jewelry|Office Supplies|Pet Supplies|Music|Movies|Video Games|Baby|Tools|Furniture|Shoes|"
    "Watches|Luggage|Arts & Crafts|Software|Computers|Cameras|Phones|Appliances|Lighting|Bedding|"
    "Fitness|Outdoor Cooking|Stationery|Party Supplies|Smart Home|Wearables|Audio|Gaming Accessories",
    "|",
)
_DEPARTMENTS = _w(
    "Sales|Marketing|Finance|Human Resources|Engineering|Customer Support|Operations|Logistics|Legal|"
    "IT|Procurement|Research and Development|Quality Assurance|Product Management|Design|Data Science|"
    "Security|Facilities|Compliance|Public Relations|Business Development|Accounting|Training|Administration",
    "|",
)
_ROLES = _w(
    "Administrator|Manager|Editor|Viewer|Support Agent|Analyst|Auditor|Sales Representative|"
    "Warehouse Staff|Developer|Guest|Moderator|Accountant|Marketing Specialist|Supervisor|Operator",
    "|",
)
_PLACE_SUFFIX = _w("Warehouse|Distribution Center|Fulfillment Center|Depot|Hub|Logistics Park", "|")
_MARKETING_A = _w(
    "Spring|Summer|Autumn|Winter|Black Friday|Cyber Monday|Holiday|Back to School|New Year|Flash|"
    "Clearance|Weekend|Loyalty|Welcome|Anniversary|Mid-Season|Members Only|Bundle",
    "|",
)
_MARKETING_B = _w("Sale|Deal|Discount|Savings|Offer|Promo|Special|Event|Markdown|Giveaway", "|")
_REPORT_A = _w("Daily|Weekly|Monthly|Quarterly|Annual|Regional|Executive|Top 10", "|")
_REPORT_B = _w("Sales|Inventory|Revenue|Customer|Support|Marketing|Finance|Returns|Churn|Traffic", "|")
_REPORT_C = _w("Report|Summary|Overview|Dashboard|Analysis|Breakdown|Trends|KPIs", "|")
_TAXES = _w(
    "VAT|GST|Sales Tax|State Tax|City Tax|Import Duty|Excise Tax|Service Tax|HST|PST|Luxury Tax|"
    "Environmental Levy|Digital Services Tax|Tourism Tax",
    "|",
)
_APP_SUFFIX = _w("Connector|Sync|Integration|API|Bridge|Webhook|Export", "|")
_PLANS = _w("Basic|Standard|Plus|Premium|Pro|Enterprise|Starter|Family", "|")
_Q_VERBS = _w("change|cancel|track|return|update|reset|find|download|share|delete|upgrade|pay for", "|")
_Q_NOUNS = _w(
    "my order|my password|my subscription|a product|my address|my invoice|my account|a refund|"
    "my wishlist|the app|my payment method|a gift card|my cart|my review",
    "|",
)
_CONFIG_A = _w("payment|email|cache|search|auth|shipping|checkout|api|storage|logging|sync|feature", "|")
_CONFIG_B = _w("timeout_ms|enabled|max_retries|endpoint|region|batch_size|api_key|level|ttl_s|mode", "|")
_EMAIL_DOMAINS = _w(
    "gmail.com|yahoo.com|outlook.com|hotmail.com|icloud.com|proton.me|aol.com|mail.com|example.com|"
    "example.org|fastmail.com|zoho.com",
    "|",
)
_JSON_KEYS = _w("source|campaign|device|version|color|size|tags|priority|region|referrer|theme|locale", "|")


# ---------------------------------------------------------------------------------------------
# Pools
# ---------------------------------------------------------------------------------------------


def _person_full(g: Any, r: Any) -> str:
    return f"{g.person.first_name()} {g.person.last_name()}"


def _product(g: Any, r: Any) -> str:
    return f"{r.choice(_ADJECTIVES)} {r.choice(_MATERIALS)} {r.choice(_NOUNS)}"


def _headline(g: Any, r: Any) -> str:
    words = g.text.words(quantity=r.randint(3, 7))
    return " ".join(words).capitalize()


def _free_text(g: Any, r: Any) -> str:
    return " ".join(g.text.sentence() for _ in range(r.randint(1, 3)))


def _question(g: Any, r: Any) -> str:
    lead = r.choice(["How do I", "How can I", "Can I", "Where can I", "Why can't I", "When can I"])
    return f"{lead} {r.choice(_Q_VERBS)} {r.choice(_Q_NOUNS)}?"


def _json_obj(g: Any, r: Any) -> str:
    obj: dict[str, Any] = {}
    for key in r.sample(_JSON_KEYS, r.randint(1, 4)):
        pick = r.randint(0, 2)
        obj[key] = g.text.word() if pick == 0 else r.randint(1, 100) if pick == 1 else bool(r.randint(0, 1))
    return json.dumps(obj, sort_keys=True)


def _config_value(g: Any, r: Any) -> str:
    pick = r.randint(0, 4)
    if pick == 0:
        return str(r.randint(1, 10_000))
    if pick == 1:
        return r.choice(["true", "false"])
    if pick == 2:
        return g.internet.url()
    return g.text.word()


# kind -> (builder(generic, random) -> str, wanted pool size)
POOL_BUILDERS: dict[str, Callable[[Any, Any], str]] = {
    "first_name": lambda g, r: g.person.first_name(),
    "last_name": lambda g, r: g.person.last_name(),
    "full_name": _person_full,
    "username": lambda g, r: g.person.username(),
    "phone": lambda g, r: g.person.phone_number(),
    "city": lambda g, r: g.address.city(),
    "country": lambda g, r: g.address.country(),
    "country_code": lambda g, r: g.address.country_code(),
    "state": lambda g, r: g.address.state(),
    "postal_code": lambda g, r: g.address.postal_code(),
    "street_address": lambda g, r: g.address.address(),
    "company": lambda g, r: g.finance.company(),
    "product": _product,
    "job_title": lambda g, r: g.person.occupation(),
    "department": lambda g, r: r.choice(_DEPARTMENTS),
    "category": lambda g, r: r.choice(_CATEGORIES),
    "role": lambda g, r: r.choice(_ROLES),
    "place": lambda g, r: f"{g.address.city()} {r.choice(_PLACE_SUFFIX)}",
    "marketing": lambda g, r: f"{r.choice(_MARKETING_A)} {r.choice(_MARKETING_B)}",
    "report": lambda g, r: f"{r.choice(_REPORT_A)} {r.choice(_REPORT_B)} {r.choice(_REPORT_C)}",
    "tax": lambda g, r: r.choice(_TAXES),
    "app": lambda g, r: f"{g.finance.company().split()[0].strip(',')} {r.choice(_APP_SUFFIX)}",
    "plan": lambda g, r: r.choice(_PLANS),
    "headline": _headline,
    "question": _question,
    "free_text": _free_text,
    "sentence": lambda g, r: g.text.sentence(),
    "url": lambda g, r: g.internet.url(),
    "slug": lambda g, r: "-".join(g.text.words(quantity=r.randint(2, 5))).lower(),
    "ip": lambda g, r: g.internet.ip_v4(),
    "user_agent": lambda g, r: g.internet.user_agent(),
    "color": lambda g, r: g.text.color(),
    "currency": lambda g, r: g.finance.currency_iso_code(),
    "gender": lambda g, r: g.person.gender(),
    "language": lambda g, r: g.person.language(),
    "word": lambda g, r: g.text.word(),
    "words": lambda g, r: " ".join(g.text.words(quantity=r.randint(2, 3))).title(),
    "config_key": lambda g, r: f"{r.choice(_CONFIG_A)}.{r.choice(_CONFIG_B)}",
    "config_value": _config_value,
    "json": _json_obj,
}


class Pools:
    """Pre-generated distinct values per kind, built lazily once per run from the seed."""

    def __init__(self, seed: int, locale: str = "en", table_names: list[str] | None = None) -> None:
        self.seed = seed
        self.locale = locale
        self._pools: dict[str, np.ndarray] = {}
        self._table_names = list(table_names or [])

    def get(self, kind: str) -> np.ndarray:
        pool = self._pools.get(kind)
        if pool is None:
            pool = self._build(kind)
            self._pools[kind] = pool
        return pool

    def _build(self, kind: str) -> np.ndarray:
        if kind == "table_name":
            names = self._table_names or ["orders", "customers", "products"]
            return _obj_array(sorted(set(names)))
        from mimesis import Generic, Locale

        try:
            loc = Locale(self.locale)
        except ValueError:
            loc = Locale.EN
        g = Generic(locale=loc, seed=derive_seed(self.seed, "pool", kind))
        r = g.random
        build = POOL_BUILDERS[kind]
        seen: dict[str, None] = {}
        attempts = stale = 0
        while len(seen) < POOL_SIZE and attempts < POOL_SIZE * 3 and stale < 300:
            value = build(g, r)
            attempts += 1
            stale += 1
            if value and value not in seen:
                seen[value] = None
                stale = 0
        return _obj_array(list(seen))


def _obj_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


# ---------------------------------------------------------------------------------------------
# Sampling helpers
# ---------------------------------------------------------------------------------------------


def popularity(rng: np.random.Generator, size: int, skew: float) -> np.ndarray:
    """Heavy-tailed popularity weights (lognormal, sigma = skew); skew=0 gives equal weights."""
    if skew <= 0 or size == 0:
        return np.ones(size)
    return np.exp(skew * rng.standard_normal(size))


def weighted_indices(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=float)
    out = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(out, len(weights) - 1).astype(np.int64)


def fit_text(values: np.ndarray, length: int | None) -> np.ndarray:
    """Cut strings to VARCHAR(n)."""
    if not length or len(values) == 0:
        return values
    lens = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
    if lens.max() <= length:
        return values
    out = values.copy()
    for i in np.flatnonzero(lens > length):
        out[i] = out[i][:length].rstrip()
    return out


def make_unique_text(values: np.ndarray, length: int | None, sep: str = " ") -> np.ndarray:
    """Suffix repeats (`Sales`, `Sales 2`, `Sales 3`...) so every value is distinct, within length."""
    seen: dict[str, int] = {}
    out = values.copy()
    taken = set()
    for i, v in enumerate(values):
        if v not in taken:
            taken.add(v)
            seen.setdefault(v, 1)
            continue
        k = seen.get(v, 1)
        while True:
            k += 1
            sfx = f"{sep}{k}"
            cand = (v[: max(length - len(sfx), 1)] if length else v) + sfx
            if cand not in taken:
                break
        seen[v] = k
        taken.add(cand)
        out[i] = cand
    return out


def sample_pool(
    rng: np.random.Generator,
    pool: np.ndarray,
    n: int,
    *,
    unique: bool,
    length: int | None,
    skew: float = 0.7,
    sep: str = " ",
) -> np.ndarray:
    """n values from a pool: distinct when `unique` (suffixing with `sep` once the pool runs out),
    else with a mild popularity skew so that some values are frequent."""
    pool = fit_text(pool, length)
    if unique:
        pool = np.asarray(list(dict.fromkeys(pool.tolist())), dtype=object)
        if n <= len(pool):
            return pool[rng.choice(len(pool), n, replace=False)]
        idx = rng.permutation(n) % len(pool)
        return make_unique_text(pool[idx], length, sep)
    weights = popularity(rng, len(pool), skew)
    return pool[weighted_indices(rng, weights, n)]


def distinct_ints(rng: np.random.Generator, space: int, n: int) -> np.ndarray:
    """n distinct integers in [0, space)."""
    if n > space:
        raise ValueError(f"cannot draw {n} distinct values from {space}")
    if space <= max(4 * n, 1_000_000):
        return rng.choice(space, n, replace=False).astype(np.int64)
    got = np.empty(0, dtype=np.int64)
    while len(got) < n:
        more = rng.integers(0, space, size=int((n - len(got)) * 1.1) + 8, dtype=np.int64)
        merged = np.concatenate([got, more])
        _, first = np.unique(merged, return_index=True)
        got = merged[np.sort(first)]
    return got[:n]


def _base36(
    nums: np.ndarray, width: int, alphabet: str = string.digits + string.ascii_uppercase
) -> np.ndarray:
    """Fixed-width strings of `nums` written in `alphabet` (vectorised)."""
    base = len(alphabet)
    codes = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    digits = np.empty((len(nums), width), dtype=np.uint32)
    rest = nums.astype(np.int64).copy()
    for k in range(width - 1, -1, -1):
        digits[:, k] = codes[rest % base]
        rest //= base
    return np.ascontiguousarray(digits).view(f"<U{width}").reshape(-1).astype(object)


def _random_strings(rng: np.random.Generator, n: int, width: int, alphabet: str) -> np.ndarray:
    codes = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    digits = codes[rng.integers(0, len(codes), size=(n, width))]
    return np.ascontiguousarray(digits).view(f"<U{width}").reshape(-1).astype(object)


# ---------------------------------------------------------------------------------------------
# Providers: (info, n, rng, pools, **params) -> np.ndarray
# ---------------------------------------------------------------------------------------------

Provider = Callable[..., np.ndarray]


_UNIQUE_SEP = {"slug": "-", "config_key": "_", "username": "_", "url": "?v=", "word": "_"}


def p_pool(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools, kind: str) -> np.ndarray:
    skew = 0.0 if kind in ("free_text", "sentence", "headline", "json", "street_address") else 0.7
    sep = _UNIQUE_SEP.get(kind, " ")
    return sample_pool(rng, pools.get(kind), n, unique=info.unique, length=info.length, skew=skew, sep=sep)


def _ascii_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def p_email(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools, ctx: dict) -> np.ndarray:
    """Valid, distinct emails; local parts follow the row's first/last name columns when present."""
    first = ctx.get("first_name")
    last = ctx.get("last_name")
    full = ctx.get("full_name")
    if first is None or last is None:
        if full is not None:
            parts = [str(v).split(" ", 1) for v in full]
            first = np.asarray([p[0] for p in parts], dtype=object)
            last = np.asarray([p[-1] for p in parts], dtype=object)
        else:
            first = sample_pool(rng, pools.get("first_name"), n, unique=False, length=None, skew=0)
            last = sample_pool(rng, pools.get("last_name"), n, unique=False, length=None, skew=0)
    domains = np.asarray(_EMAIL_DOMAINS, dtype=object)
    dom = domains[weighted_indices(rng, np.array([30, 15, 15, 10, 8, 4, 3, 3, 4, 2, 3, 3.0]), n)]
    style = rng.integers(0, 5, size=n)
    year = rng.integers(60, 100, size=n)
    seen: dict[str, int] = {}
    out = np.empty(n, dtype=object)
    limit = info.length or 254
    slugs: dict[Any, str] = {}

    def slug(v: Any, default: str) -> str:
        got = slugs.get(v)
        if got is None:
            got = slugs[v] = _ascii_slug(str(v)) if v is not None else ""
        return got or default

    first_l, last_l, style_l, year_l, dom_l = (
        first.tolist(),
        last.tolist(),
        style.tolist(),
        year.tolist(),
        dom.tolist(),
    )
    for i in range(n):
        f = slug(first_l[i], "user")
        la = slug(last_l[i], "mail")
        s = style_l[i]
        if s == 0:
            local = f"{f}.{la}"
        elif s == 1:
            local = f"{f}{la}"
        elif s == 2:
            local = f"{f[0]}.{la}"
        elif s == 3:
            local = f"{f}_{la}"
        else:
            local = f"{f}.{la}{year_l[i]}"
        local = local[:40]
        k = seen.get(local, 0)
        seen[local] = k + 1
        if k:
            local = f"{local}.{k + 1}"  # '.N' after a name never collides with another base
        email = f"{local}@{dom_l[i]}"
        if len(email) > limit:
            email = f"u{i}@{dom_l[i]}"[:limit]
        out[i] = email
    return out


def p_code(
    info: ColumnInfo,
    n: int,
    rng: np.random.Generator,
    pools: Pools,
    prefix: str = "",
    width: int = 8,
    alphabet: str = string.digits + string.ascii_uppercase,
    sep: str = "-",
) -> np.ndarray:
    """Distinct identifiers like INV-00012345, 1Z8F3K..., SKU-AB12CD."""
    head = f"{prefix}{sep}" if prefix else ""
    if info.length and len(head) + width > info.length:
        head = head[: max(info.length - width, 0)]
        width = min(width, info.length)
    space = len(alphabet) ** width
    if space <= 2**62:
        body = _base36(distinct_ints(rng, space, n), width, alphabet)
    else:  # too many combinations to index: random strings, redrawn until distinct
        body = _random_strings(rng, n, width, alphabet)
        while len(set(body.tolist())) < n:
            _, first = np.unique(body, return_index=True)
            dup = np.setdiff1d(np.arange(n), first)
            body[dup] = _random_strings(rng, len(dup), width, alphabet)
    if not head:
        return body
    return np.asarray([head + b for b in body.tolist()], dtype=object)


def p_number_code(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools) -> np.ndarray:
    """`invoice_number` -> INV-2024-000123 style: a prefix from the column's first word."""
    stem = re.sub(r"_?(number|no|num|ref|reference|code|id)$", "", info.lname) or info.lname
    stem = stem.split("_")[0]
    prefix = stem.upper()[:3] or "REF"
    if "tracking" in info.lname:
        return p_code(info, n, rng, pools, prefix="1Z", width=16, sep="")
    if re.search(r"transaction|txn|payment", info.lname):
        return p_code(info, n, rng, pools, prefix="TXN", width=12, alphabet="0123456789ABCDEF")
    return p_code(info, n, rng, pools, prefix=prefix, width=8, alphabet=string.digits)


def p_hex(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools, width: int = 64) -> np.ndarray:
    if info.length:
        width = min(width, info.length)
    raw = rng.bytes(n * ((width + 1) // 2))
    hexed = raw.hex()
    step = ((width + 1) // 2) * 2
    return np.asarray([hexed[i * step : i * step + width] for i in range(n)], dtype=object)


def p_uuid(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools) -> np.ndarray:
    raw = rng.bytes(16 * n)
    return np.asarray(
        [str(uuid.UUID(bytes=raw[i * 16 : i * 16 + 16], version=4)) for i in range(n)], dtype=object
    )


def p_name(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools) -> np.ndarray:
    """A `name`/`*_name` column: what is named comes from the prefix, else from the table name."""
    stem = info.lname[:-5].rstrip("_") if info.lname.endswith("name") else ""
    if not stem:
        stem = info.table.name.lower()
    kind = "words"
    for pattern, k in _NAME_ENTITIES:
        if pattern.search(stem):
            kind = k
            break
    return p_pool(info, n, rng, pools, kind)


_NAME_ENTITIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), k)
    for p, k in [
        (
            r"^(full|display)$|customer|employee|user|person|people|member|author|contact|staff|student|"
            r"patient|owner|manager|player|artist|actor|driver|guest|client$|clients$|recipient|sender",
            "full_name",
        ),
        (
            r"compan|supplier|vendor|manufacturer|brand|organi[sz]ation|publisher|bank|carrier|partner|"
            r"merchant|firm|agency",
            "company",
        ),
        (r"product|item|good|merchandise", "product"),
        (r"categor|genre|segment", "category"),
        (r"department|dept|team|division|unit", "department"),
        (r"role|group$", "role"),
        (r"warehouse|store|branch|site|location|office|facility|shop|venue", "place"),
        (r"discount|promotion|promo|campaign|coupon|offer|deal|sale", "marketing"),
        (r"report|dashboard|widget|view|chart", "report"),
        (r"tax", "tax"),
        (r"city|town", "city"),
        (r"country|nation", "country"),
        (r"state|province|region", "state"),
        (r"integration|app|service|connector|plugin|provider|platform|tool", "app"),
        (r"plan|tier|subscription|package", "plan"),
        (r"file|document", "word"),
    ]
]


# -- numbers ----------------------------------------------------------------------------------


def _clip_decimal(info: ColumnInfo, values: np.ndarray) -> np.ndarray:
    scale = info.scale if info.scale is not None else 2
    if info.logical is LogicalType.DECIMAL:
        top = info.max_abs
        if top is not None:
            values = np.clip(values, -top, top)
        return np.round(values, scale)
    return np.round(values, 4) if info.logical is LogicalType.FLOAT else values


def _as_int(info: ColumnInfo, values: np.ndarray) -> np.ndarray:
    out = np.rint(values).astype(np.int64)
    if info.int_max is not None:
        out = np.clip(out, -info.int_max - 1, info.int_max)
    return out


def _finish_number(info: ColumnInfo, values: np.ndarray) -> np.ndarray:
    if info.logical is LogicalType.INTEGER:
        return _as_int(info, values)
    return _clip_decimal(info, values)


def p_range(
    info: ColumnInfo,
    n: int,
    rng: np.random.Generator,
    pools: Pools,
    lo: float,
    hi: float,
    dist: str = "uniform",
    step: float | None = None,
) -> np.ndarray:
    """Numbers in [lo, hi]: uniform, lognormal (most small, a long tail), or low-heavy (geometric)."""
    if info.logical is LogicalType.DECIMAL and info.max_abs is not None:
        hi = min(hi, info.max_abs)
        lo = min(lo, hi)
    if info.unique and info.logical is LogicalType.INTEGER:
        span = int(hi - lo + 1)
        if span < n:
            span = n * 10
        return _as_int(info, lo + distinct_ints(rng, span, n))
    if dist == "lognormal" and lo > 0:
        mu = (np.log(lo) + np.log(hi)) / 2
        sigma = (np.log(hi) - np.log(lo)) / 6
        values = np.clip(rng.lognormal(mu, sigma, size=n), lo, hi)
    elif dist == "low":
        values = np.clip(lo + rng.geometric(0.3, size=n) - 1, lo, hi).astype(float)
    elif dist == "normal":
        values = np.clip(rng.normal((lo + hi) / 2, (hi - lo) / 6, size=n), lo, hi)
    elif info.logical is LogicalType.INTEGER:
        values = rng.integers(int(lo), int(hi) + 1, size=n).astype(float)
    else:
        values = rng.uniform(lo, hi, size=n)
    if step:
        values = np.maximum(np.round(values / step) * step, lo)
    return _finish_number(info, values)


def p_price(
    info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools, lo: float, hi: float
) -> np.ndarray:
    """Prices: lognormal, most ending .99/.49/.00/.95 like shelf prices."""
    if info.logical is LogicalType.INTEGER:
        return p_range(info, n, rng, pools, lo, hi, "lognormal")
    values = p_range(info, n, rng, pools, lo, hi, "lognormal").astype(float)
    cents = np.asarray([0.99, 0.49, 0.0, 0.95, 0.5])[rng.integers(0, 5, size=n)]
    keep_raw = rng.random(n) < 0.3
    shaped = np.where(keep_raw, values, np.floor(values) + cents)
    shaped = np.where(shaped < lo, values, shaped)
    return _clip_decimal(info, shaped)


def p_choice(
    info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools, values: tuple, weights: tuple = ()
) -> np.ndarray:
    w = np.asarray(weights, dtype=float) if weights else np.ones(len(values))
    picked = np.asarray(values)[weighted_indices(rng, w, n)]
    return _finish_number(info, picked.astype(float)) if info.logical.is_numeric else picked


def p_rating(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools) -> np.ndarray:
    """1-5 with the J shape of real reviews (many 5s and 4s, some 1s)."""
    stars = 1 + weighted_indices(rng, np.array([0.08, 0.06, 0.14, 0.30, 0.42]), n)
    if info.logical is LogicalType.INTEGER:
        return stars
    return _clip_decimal(info, np.clip(stars - rng.uniform(0, 0.9, size=n) * (stars > 1), 1, 5))


def p_bool(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools, p: float = 0.5) -> np.ndarray:
    return rng.random(n) < p


def p_time(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools) -> np.ndarray:
    """Seconds since midnight, mostly in business hours."""
    secs = np.clip(rng.normal(13.5 * 3600, 3.5 * 3600, size=n), 0, DAY - 1)
    return (secs // 60 * 60).astype(np.int64)


def p_isodate(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools) -> np.ndarray:
    """A date kept in a text column (SQLite models often do): ISO text, 2018-2025."""
    secs = _random_instants(rng, n, DATE_START, DATE_END).astype("datetime64[s]")
    if info.length is not None and info.length < 19:
        return np.datetime_as_string(secs, unit="D").astype(object)
    return np.strings.replace(np.datetime_as_string(secs, unit="s"), "T", " ").astype(object)


def p_binary(info: ColumnInfo, n: int, rng: np.random.Generator, pools: Pools) -> np.ndarray:
    raw = rng.bytes(16 * n)
    return np.asarray([raw[i * 16 : i * 16 + 16] for i in range(n)], dtype=object)


PROVIDERS: dict[str, Provider] = {
    "pool": p_pool,
    "email": p_email,
    "code": p_code,
    "number_code": p_number_code,
    "hex": p_hex,
    "uuid": p_uuid,
    "name": p_name,
    "range": p_range,
    "price": p_price,
    "choice": p_choice,
    "rating": p_rating,
    "bool": p_bool,
    "time": p_time,
    "binary": p_binary,
    "isodate": p_isodate,
}


# ---------------------------------------------------------------------------------------------
# The rule table
# ---------------------------------------------------------------------------------------------

TEXT = frozenset({LogicalType.TEXT, LogicalType.OTHER})
INT = frozenset({LogicalType.INTEGER})
FRAC = frozenset({LogicalType.DECIMAL, LogicalType.FLOAT})
NUM = INT | FRAC
BOOL = frozenset({LogicalType.BOOLEAN})


@dataclass(frozen=True)
class Rule:
    pattern: str
    types: frozenset[LogicalType]
    provider: str
    params: dict[str, Any] = field(default_factory=dict)
    table: str | None = None
    unique: bool = False  # key-like: values are made distinct even without a UNIQUE constraint

    def matches(self, name: str, table: str, logical: LogicalType) -> bool:
        if logical not in self.types:
            return False
        if self.table is not None and not re.search(self.table, table):
            return False
        return re.search(self.pattern, name) is not None


def R(
    pattern: str,
    types: frozenset[LogicalType],
    provider: str,
    *,
    table: str | None = None,
    unique: bool = False,
    **params: Any,
) -> Rule:
    return Rule(pattern, types, provider, params, table, unique)


# What the native type alone decides (PostgreSQL rejects a non-UUID in a uuid column).
NATIVE_RULES: list[tuple[str, str, dict[str, Any]]] = [
    (r"^uuid", "uuid", {}),
    (r"^(inet|cidr)", "pool", {"kind": "ip"}),
    (r"^(macaddr)", "pool", {"kind": "word"}),
]

RULES: list[Rule] = [
    # -- text: people, contact, places (before the generic `*_number` / `*_code` identifiers)
    R(r"(^|_)(e_?)?mail(_?addr(ess)?)?$", TEXT, "email", unique=True),
    R(r"(^|_)ip(_?v?4)?(_?addr(ess)?)?$", TEXT, "pool", kind="ip"),
    R(r"phone|mobile|(^|_)fax$|telephone|(^|_)tel$", TEXT, "pool", kind="phone"),
    R(r"(^|_)(first_?name|given_name|fname|forename|middle_name)$", TEXT, "pool", kind="first_name"),
    R(r"(^|_)(last_?name|surname|family_name|lname)$", TEXT, "pool", kind="last_name"),
    R(r"(^|_)(full_?name|contact_name|person_name|display_name)$", TEXT, "pool", kind="full_name"),
    R(r"(^|_)(city|town)$", TEXT, "pool", kind="city"),
    R(r"(country_code|country_iso|iso_code)$", TEXT, "pool", kind="country_code"),
    R(r"(^|_)(country|nation|nationality)$", TEXT, "pool", kind="country"),
    R(r"(^|_)(state|province|state_province|region|county)$", TEXT, "pool", kind="state"),
    R(r"(^|_)(zip|zip_?code|postal_?code|postcode)$", TEXT, "pool", kind="postal_code"),
    R(r"currency", TEXT, "pool", kind="currency"),
    R(r"(^|_)(language|lang|locale)(_code)?$", TEXT, "pool", kind="language"),
    # -- text: identifiers and codes (key-like: always distinct)
    R(r"(^|_)(uuid|guid)$", TEXT, "uuid", unique=True),
    R(r"(^|_)(sku|barcode|ean|upc|isbn)$", TEXT, "code", prefix="SKU", width=7, unique=True),
    R(r"(^|_)slug$", TEXT, "pool", kind="slug", unique=True),
    R(r"(^|_)user_?name$|(^|_)login$|(^|_)handle$|nickname", TEXT, "pool", kind="username", unique=True),
    R(r"(_number|_no|_num|_ref|_reference)$|^reference$|tracking", TEXT, "number_code", unique=True),
    R(r"(password|passwd|pwd)(_hash)?$|(^|_)(hash|token|secret|checksum|digest)$", TEXT, "hex"),
    R(r"(^|_)code$", TEXT, "code", table=r"coupon|voucher|promo|gift", width=8, unique=True),
    R(r"(^|_)code$", TEXT, "code", width=6, unique=True),
    # -- text: web and misc
    R(r"address|street", TEXT, "pool", kind="street_address"),
    R(r"url|website|homepage|(^|_)link$|(^|_)uri$", TEXT, "pool", kind="url"),
    R(r"user_agent", TEXT, "pool", kind="user_agent"),
    R(r"(^|_)(colou?r)$", TEXT, "pool", kind="color"),
    R(r"(^|_)(gender|sex)$", TEXT, "pool", kind="gender"),
    R(r"job_title|occupation|(^|_)position$|designation|(^|_)profession$", TEXT, "pool", kind="job_title"),
    R(r"(^|_)title$", TEXT, "pool", kind="job_title", table=r"employee|staff|contact|person|people|user"),
    # -- text: named things and prose
    R(r"(^|_)(department|dept)$", TEXT, "pool", kind="department"),
    R(r"(^|_)(category|genre)$", TEXT, "pool", kind="category"),
    R(
        r"(^|_)(company|employer|supplier|vendor|manufacturer|brand|publisher|carrier|bank)$",
        TEXT,
        "pool",
        kind="company",
    ),
    R(r"(^|_)(product|item)$", TEXT, "pool", kind="product"),
    R(r"(^|_)(table_affected|table_name|entity|resource|object_type)$", TEXT, "pool", kind="table_name"),
    R(r"(^|_)(config_key|setting_key|key|setting|parameter|param)$", TEXT, "pool", kind="config_key"),
    R(r"(^|_)(config_value|setting_value|value)$", TEXT, "pool", kind="config_value"),
    R(r"name$", TEXT, "name"),
    R(r"(^|_)question$", TEXT, "pool", kind="question"),
    R(r"(^|_)(title|subject|headline|heading|caption|label)$", TEXT, "pool", kind="headline"),
    R(
        r"description|comment|message|(^|_)body$|text$|(^|_)notes?$|review|feedback|content|summary|"
        r"(^|_)bio$|remark|reason|details|answer|instructions|(^|_)memo$",
        TEXT,
        "pool",
        kind="free_text",
    ),
    R(r"json|metadata|attributes|properties|payload|settings|extra|(^|_)data$", TEXT, "pool", kind="json"),
    R(r"(_at|_date|_on|_time|_timestamp)$|^(date|datetime|timestamp)$", TEXT, "isodate"),
    # -- integers
    R(r"quantity_on_hand|stock|on_hand|inventory|available", INT, "range", lo=0, hi=1000, dist="lognormal"),
    R(r"reorder|min_qty|minimum_quantity|safety_stock", INT, "range", lo=5, hi=100, step=5),
    R(r"quantity|(^|_)qty|(^|_)units?$|_sold$|(^|_)amount$", INT, "range", lo=1, hi=20, dist="low"),
    R(r"rating|stars|satisfaction", NUM, "rating"),
    R(r"(^|_)score$", INT, "range", lo=0, hi=100, dist="normal"),
    R(r"(^|_)age$", INT, "range", lo=18, hi=90, dist="normal"),
    R(r"(^|_)year$|_year$|^year_", INT, "range", lo=2018, hi=2025),
    R(r"(^|_)month$", INT, "range", lo=1, hi=12),
    R(r"(^|_)(day|day_of_month)$", INT, "range", lo=1, hi=28),
    R(r"(^|_)hour$", INT, "range", lo=0, hi=23),
    R(
        r"minutes?$|_mins?$",
        INT,
        "choice",
        values=(5, 10, 15, 30, 60, 120, 360, 720, 1440),
        weights=(3, 2, 4, 4, 5, 2, 1, 1, 2),
    ),
    R(r"seconds?$|_secs?$|duration", INT, "range", lo=1, hi=3600, dist="lognormal"),
    R(r"percent|pct|percentage", INT, "range", lo=0, hi=100),
    R(
        r"count$|(^|_)(views|clicks|visits|likes|shares|downloads)$|_uses$|^uses$",
        INT,
        "range",
        lo=1,
        hi=10_000,
        dist="lognormal",
    ),
    R(r"capacity", INT, "range", lo=500, hi=50_000, dist="lognormal", step=100),
    R(
        r"(^|_)(position|display_order|sort_order|sort|rank|sequence|seq|line_no|line_number|ordinal)$",
        INT,
        "range",
        lo=1,
        hi=50,
    ),
    R(r"(^|_)priority$", INT, "range", lo=1, hi=5),
    R(r"(^|_)(width|height|length|depth|size)$", INT, "range", lo=1, hi=12),
    R(r"(^|_)(zip|zip_?code|postal_?code)$", INT, "range", lo=10_000, hi=99_999),
    R(r"_id$|^id$", INT, "range", lo=1, hi=100_000),
    # -- fractions (decimal/float); integers named like money also land here
    R(
        r"discount_?(percent|pct|rate)|percent_off",
        FRAC,
        "choice",
        values=(5, 10, 15, 20, 25, 30, 40, 50),
        weights=(4, 6, 4, 5, 3, 2, 1, 1),
    ),
    R(r"(^|_)(tax_)?rate$|interest|vat", FRAC, "range", lo=0.0, hi=0.25),
    R(r"percent|pct|percentage|ratio", FRAC, "range", lo=0, hi=100),
    R(
        r"salary|wage|compensation|income|earning",
        NUM,
        "range",
        lo=30_000,
        hi=200_000,
        dist="lognormal",
        step=100,
    ),
    R(r"budget|capital|credit_limit|funding", NUM, "range", lo=5_000, hi=500_000, dist="lognormal", step=100),
    R(
        r"(^|_)(fee|shipping|shipping_cost|delivery_fee|monthly_fee|surcharge)$|_fee$",
        NUM,
        "price",
        lo=2,
        hi=60,
    ),
    R(r"discount|tax_amount|(^|_)tax$|tip", NUM, "range", lo=0.5, hi=120, dist="lognormal"),
    R(r"price|cost|msrp|(^|_)rrp$", NUM, "price", lo=2, hi=1500),
    R(r"balance", NUM, "range", lo=0, hi=25_000),
    R(
        r"amount|total|subtotal|revenue|sales|paid|payment|charge|refund|value|spend|income",
        NUM,
        "range",
        lo=5,
        hi=3000,
        dist="lognormal",
    ),
    R(r"(^|_)(weight|kg|lbs?)$|weight", FRAC, "range", lo=0.1, hi=50, dist="lognormal"),
    R(r"(^|_)(width|height|length|depth|size)$", FRAC, "range", lo=1, hi=200, dist="lognormal"),
    R(r"(^|_)(lat|latitude)$", FRAC, "range", lo=-60, hi=70),
    R(r"(^|_)(lng|lon|long|longitude)$", FRAC, "range", lo=-180, hi=180),
    # -- booleans
    R(
        r"active|enabled|available|verified|approved|published|granted|valid|confirmed|visible|paid|"
        r"in_stock|subscribed|renew|consent|opt_in|read$",
        BOOL,
        "bool",
        p=0.8,
    ),
    R(
        r"deleted|archived|blocked|banned|internal|encrypted|suspended|flagged|spam|fraud|test|hidden|"
        r"headquarters|admin|refunded|returned",
        BOOL,
        "bool",
        p=0.2,
    ),
    R(r"primary|default|main|featured", BOOL, "bool", p=0.3),
]

FALLBACK: dict[LogicalType, tuple[str, dict[str, Any]]] = {
    LogicalType.INTEGER: ("range", {"lo": 1, "hi": 1000, "dist": "lognormal"}),
    LogicalType.DECIMAL: ("range", {"lo": 1, "hi": 1000, "dist": "lognormal"}),
    LogicalType.FLOAT: ("range", {"lo": 0, "hi": 1000}),
    LogicalType.BOOLEAN: ("bool", {"p": 0.5}),
    LogicalType.TIME: ("time", {}),
    LogicalType.BINARY: ("binary", {}),
    LogicalType.JSON: ("pool", {"kind": "json"}),
    LogicalType.TEXT: ("pool", {"kind": "words"}),
    LogicalType.OTHER: ("pool", {"kind": "words"}),
}


def classify(table: Table, column: Column) -> tuple[str, dict[str, Any], bool]:
    """(provider, params, key_like) for a non-key, non-temporal column."""
    logical = column.logical_type
    name = column.name.lower()
    tname = table.name.lower()
    native = (column.type or "").strip().lower()
    for pattern, provider, params in NATIVE_RULES:
        if native and re.search(pattern, native):
            return provider, dict(params), provider == "uuid"
    for rule in RULES:
        if rule.matches(name, tname, logical):
            return rule.provider, dict(rule.params), rule.unique
    if column.description:
        words = re.findall(r"[a-z0-9]+", column.description.lower())
        tokens = words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]
        for rule in RULES:
            if rule.provider in ("name", "code", "number_code"):
                continue  # a description saying "name"/"number" is too loose a hint
            if any(rule.matches(tok, tname, logical) for tok in tokens):
                return rule.provider, dict(rule.params), False
    provider, params = FALLBACK.get(logical, ("pool", {"kind": "words"}))
    if params.get("kind") == "words":
        length = column_info(table, column).length
        if length is not None and length <= 20:
            params = {"kind": "word"}
    return provider, dict(params), False


# ---------------------------------------------------------------------------------------------
# Dates and timestamps: ordered chains within a row
# ---------------------------------------------------------------------------------------------

# stage: (regex on the column name, stage rank, gap (min, max) in seconds after the previous stage
# for timestamp columns, and for date columns)
_D = DAY
STAGES: list[tuple[str, int, tuple[int, int], tuple[int, int]]] = [
    (
        r"created|(^|_)order(ed)?(_date|_at|_on)?$|placed|(^|_)start|opened|issued|registered|signup|"
        r"sign_up|joined|purchased|submitted|requested|connected|valid_from|effective|invoice_date|"
        r"enrolled|booked|applied|added",
        0,
        (0, 3600),
        (0, 2 * _D),
    ),
    (
        r"paid|payment_date|approved|confirmed|processed|published|granted|accepted",
        1,
        (60, 3 * _D),
        (0, 3 * _D),
    ),
    (r"shipped|dispatched|sent", 2, (3600, 5 * _D), (0, 5 * _D)),
    (r"delivered|received|arrived", 3, (_D, 10 * _D), (_D, 10 * _D)),
    (r"returned|refunded|return_date|refund_date", 4, (_D, 30 * _D), (_D, 30 * _D)),
    (r"resolved|closed|completed|finished|cancelled|canceled", 5, (600, 14 * _D), (0, 14 * _D)),
    (r"(^|_)due", 5, (_D, 30 * _D), (7 * _D, 60 * _D)),
    (r"(^|_)(end|ended|ends)|valid_until|valid_to|expir", 5, (60, 3 * 3600), (14 * _D, 365 * _D)),
    (r"(^|_)last_|updated|modified|changed|edited|synced", 6, (0, 120 * _D), (0, 120 * _D)),
]
_STAGE_RES = [(re.compile(p), rank, ts_gap, d_gap) for p, rank, ts_gap, d_gap in STAGES]

# independent ranges: birth dates, hire dates
_SPECIAL_RANGES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"birth|dob|born"), "1945-01-01", "2006-12-31"),
    (re.compile(r"hire|hired|employment_start"), "2010-01-01", "2025-06-30"),
]


def stage_of(column: Column) -> tuple[int, tuple[int, int]] | None:
    name = column.name.lower()
    if any(p.search(name) for p, _, _ in _SPECIAL_RANGES):
        return None
    for pattern, rank, ts_gap, d_gap in _STAGE_RES:
        if pattern.search(name):
            gap = d_gap if column.logical_type is LogicalType.DATE else ts_gap
            # `end_at`/`ended_at` in a DATE column means a longer period (subscriptions)
            return rank, gap
    return None


def _random_instants(
    rng: np.random.Generator, n: int, start: np.datetime64, end: np.datetime64
) -> np.ndarray:
    """Seconds in [start, end], denser in recent years (businesses grow), time of day in office hours."""
    lo = start.astype("datetime64[s]").astype(np.int64)
    hi = end.astype("datetime64[s]").astype(np.int64)
    days = (hi - lo) // DAY
    day = np.floor(np.sqrt(rng.random(n)) * days).astype(np.int64)  # linear growth in activity
    tod = np.clip(rng.normal(13.5 * 3600, 3.5 * 3600, size=n), 0, DAY - 1).astype(np.int64)
    return lo + day * DAY + tod


def temporal_chain(
    table: Table, columns: list[Column], n: int, rng_of: Callable[[str], np.random.Generator]
) -> dict[str, np.ndarray]:
    """Epoch seconds (int64) for every DATE/DATETIME column of a table.

    Columns with a stage (created/ordered < paid < shipped < delivered < returned < resolved/end <
    updated) form one chain per row: each is the previous stage plus a gap; columns without one are
    independent. Everything stays within 2018-01-01 .. 2025-12-31 (birth and hire dates excepted).
    """
    out: dict[str, np.ndarray] = {}
    staged = []
    for i, col in enumerate(columns):
        st = stage_of(col)
        if st is None:
            name = col.name.lower()
            start, end = DATE_START, DATE_END
            for pattern, lo, hi in _SPECIAL_RANGES:
                if pattern.search(name):
                    start, end = np.datetime64(lo, "s"), np.datetime64(hi, "s")
                    break
            out[col.name] = _random_instants(rng_of(col.name), n, start, end)
        else:
            staged.append((st[0], i, col, st[1]))
    if not staged:
        return out
    staged.sort(key=lambda t: (t[0], t[1]))
    base_rng = rng_of("__chain__")
    current = _random_instants(base_rng, n, DATE_START, DATE_END)
    chain = []
    for k, (_, _, col, (gmin, gmax)) in enumerate(staged):
        if k > 0:
            current = current + rng_of(col.name).integers(gmin, gmax + 1, size=n)
        chain.append((col, current))
    # shift rows whose last stage runs past the end of the range back, keeping the order
    end = DATE_END.astype(np.int64)
    overshoot = np.maximum(chain[-1][1] - end, 0)
    for col, values in chain:
        out[col.name] = values - overshoot
    return out


def chain_order(columns: list[Column]) -> list[str]:
    """Names of the staged temporal columns in chain order (for NULL cascading)."""
    staged = []
    for i, col in enumerate(columns):
        st = stage_of(col)
        if st is not None:
            staged.append((st[0], i, col.name))
    return [name for _, _, name in sorted(staged)]
