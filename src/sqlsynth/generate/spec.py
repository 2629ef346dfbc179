"""The complexity spec: ranges and choices that steer the generators (seeds/000's knobs and more).

Every count is a closed range `[min, max]`; the generator draws a target inside it and only keeps
a query whose measured complexity (generate.measure) lies inside every range. A range may be given
as an int (exact), "1-3", [1, 3] or {"min": 1, "max": 3}.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Hardness = Literal["easy", "medium", "hard", "extra"]
HARDNESS_LEVELS: tuple[Hardness, ...] = ("easy", "medium", "hard", "extra")
JoinType = Literal["inner", "left", "right", "full"]
Operator = Literal["=", "<>", "<", ">", "<=", ">=", "like", "in", "between", "is_null"]
SubqueryKind = Literal["in", "not_in", "exists", "not_exists", "scalar", "from"]
SetOp = Literal["union", "union_all", "intersect", "except"]


class IntRange(BaseModel):
    model_config = ConfigDict(frozen=True)

    min: int = Field(0, ge=0)
    max: int = Field(0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        if isinstance(data, bool):
            return {"min": int(data), "max": int(data)}
        if isinstance(data, int):
            return {"min": data, "max": data}
        if isinstance(data, str):
            lo, _, hi = data.partition("-")
            try:
                return {"min": int(lo), "max": int(hi or lo)}
            except ValueError:
                raise ValueError(f"range {data!r} is not 'N' or 'MIN-MAX'") from None
        if isinstance(data, (list, tuple)) and len(data) == 2:
            return {"min": data[0], "max": data[1]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.min > self.max:
            raise ValueError(f"range min {self.min} is above max {self.max}")
        return self

    def __contains__(self, value: int) -> bool:
        return self.min <= value <= self.max

    def __str__(self) -> str:
        return str(self.min) if self.min == self.max else f"{self.min}-{self.max}"


def _r(lo: int, hi: int) -> IntRange:
    return IntRange(min=lo, max=hi)


class ComplexitySpec(BaseModel):
    """What queries to make. Field names mirror seeds/000 (`num_joins`, `num_conditions`)."""

    model_config = ConfigDict(extra="forbid")

    # counted over the whole query: up to 4 so that a set operation may ask one question of two
    # values over two joins each ("employees certified for both a Boeing 737 and an Airbus A340"),
    # or on two columns each ("Fall 2009 but not Spring 2010"): 24 of Spider's 1,356 queries, its
    # only ones with 4 joins or 4 conditions; one SELECT is drawn with at most 3 (HARDNESS_PRESETS)
    num_joins: IntRange = _r(0, 4)
    num_conditions: IntRange = _r(0, 4)
    aggregates: IntRange = _r(0, 3)  # three now and then: "the smallest, average and largest"
    group_by: IntRange = _r(0, 2)  # two columns now and then: "in each semester and year"
    having: IntRange = _r(0, 2)  # two in a set operation of two groupings, now and then
    order_by: IntRange = _r(0, 2)
    limit: IntRange = _r(0, 1)
    distinct: IntRange = _r(0, 1)
    subqueries: IntRange = _r(0, 1)
    set_ops: IntRange = _r(0, 1)
    cte: IntRange = _r(0, 1)
    window: IntRange = _r(0, 1)
    case: IntRange = _r(0, 1)
    functions: IntRange = _r(0, 1)
    join_types: list[JoinType] = Field(default_factory=lambda: ["inner", "left"])
    operators: list[Operator] = Field(
        default_factory=lambda: ["=", "<>", "<", ">", "<=", ">=", "like", "in", "between", "is_null"]
    )
    subquery_kinds: list[SubqueryKind] = Field(
        default_factory=lambda: ["in", "not_in", "exists", "not_exists", "scalar", "from"]
    )
    set_op_kinds: list[SetOp] = Field(default_factory=lambda: ["union", "union_all", "intersect", "except"])
    allow_or: bool = True
    allow_not: bool = True
    hardness: list[Hardness] | None = None

    @field_validator("join_types", "operators", "subquery_kinds", "set_op_kinds")
    @classmethod
    def _not_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("needs at least one choice")
        return sorted(set(v), key=v.index)

    def admits(self, counts: dict[str, int]) -> str | None:
        """None if measured `counts` lie inside every range, else which count is outside."""
        fields = {
            "num_joins": "joins",
            "num_conditions": "conditions",
            "aggregates": "aggregates",
            "group_by": "group_by",
            "having": "having",
            "order_by": "order_by",
            "limit": "limit",
            "distinct": "distinct",
            "subqueries": "subqueries",
            "set_ops": "set_ops",
            "cte": "cte",
            "window": "window",
            "case": "case",
        }
        for field, key in fields.items():
            rng: IntRange = getattr(self, field)
            value = counts.get(key, 0)
            if value not in rng:
                return f"{key}={value} outside {field} {rng}"
        return None


# Presets that make each Spider hardness level likely; the measured hardness decides.
HARDNESS_PRESETS: dict[Hardness, dict[str, Any]] = {
    "easy": dict(
        num_joins=0,
        num_conditions="0-1",
        aggregates="0-1",
        group_by=0,
        having=0,
        order_by="0-1",
        limit="0-1",
        distinct="0-1",  # Spider does not count DISTINCT: 48 of its 124 are easy
        subqueries=0,
        set_ops=0,
        cte=0,
        window=0,
        case=0,
        functions=0,
    ),
    "medium": dict(
        num_joins="0-1",
        num_conditions="0-2",
        aggregates="0-3",
        group_by="0-2",
        having="0-1",  # Spider counts GROUP BY ... HAVING COUNT(*) > n over one join as medium
        order_by="0-1",
        limit="0-1",
        distinct="0-1",
        subqueries=0,
        set_ops=0,
        cte=0,
        window=0,
        case="0-1",
        functions="0-1",
    ),
    "hard": dict(
        num_joins="1-2",
        num_conditions="0-3",
        aggregates="0-3",
        group_by="0-2",
        having="0-1",
        order_by="0-1",
        limit="0-1",
        distinct="0-1",
        subqueries="0-1",
        set_ops="0-1",  # Spider counts EXCEPT / INTERSECT of simple queries as hard
        cte=0,
        window=0,
        case="0-1",
        functions="0-1",
    ),
    "extra": dict(
        num_joins="1-3",
        num_conditions="1-3",
        aggregates="0-3",
        group_by="0-2",
        having="0-1",
        order_by="0-2",
        limit="0-1",
        distinct="0-1",
        subqueries="0-2",
        set_ops="0-1",
        cte="0-1",
        window="0-1",
        case="0-1",
        functions="0-1",
    ),
}
