"""Conditions as English: relative clauses about the rows a query is about ("whose unit price is
above 20", "that have a review whose rating is 5") and plain sentences (for CASE branches).

Every predicate keeps its operator and values; AND/OR/NOT keep their structure (NOT is pushed
down to the predicates, De Morgan's way), so no constraint is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from sqlsynth.nl.expressions import ExpressionPhraser, starts_with_word
from sqlsynth.nl.lexicon import join_words, name_part, possessive, row_preposition, with_article
from sqlsynth.nl.scope import Source
from sqlsynth.nl.values import is_date_text, is_literal, literal_text, truth_of
from sqlsynth.schema.types import LogicalType

FLIP = {exp.GT: exp.LT, exp.LT: exp.GT, exp.GTE: exp.LTE, exp.LTE: exp.GTE, exp.EQ: exp.EQ, exp.NEQ: exp.NEQ}
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)
SIMPLE = (exp.Like, exp.ILike, exp.In, exp.Between, exp.Is)  # predicates on one column


@dataclass
class Atom:
    """One predicate, ready to be put in a clause.

    kind: "column" (whose <subject> <vp>), "expr" (for which the <subject> <vp>), "adj" (that are
    <vp>), "have" (that have <vp> / that has <vp_singular>), "global" (a condition on other rows
    only). A condition on a related row is a "column" atom whose subject is that row.
    """

    kind: str
    subject: str
    vp: str
    vp_singular: str = ""
    # a "have" atom on a row the focus row has many of: (id of its source, "a track", "whose ...")
    one_of_many: tuple[int, str, str] | None = None
    # ... whose name is the condition: that row named ('the track "Go Down"'), else ""
    named: str = ""
    # ... and how the focus rows relate to it, plural and singular ("teach", "teaches" through a
    # link table named by a verb)
    verb: tuple[str, str] = ("have", "has")


class ConditionPhraser(ExpressionPhraser):
    """Clauses for WHERE / HAVING / ON / CASE conditions of one block."""

    # -- public ------------------------------------------------------------------------------------
    def clause(self, cond: exp.Expression | None, plural: bool = True) -> str:
        """A relative clause about the focus rows, "" for no condition."""
        if cond is None:
            return ""
        return self._rel(cond, False, plural, top=True)

    def clauses(self, conds: list[exp.Expression], plural: bool = True) -> str:
        if not conds:
            return ""
        return join_words([self._rel(c, False, plural, top=False) for c in conds])

    def sentence(self, cond: exp.Expression, neg: bool = False) -> str:
        """A declarative sentence: "the unit price is greater than 20"."""
        while isinstance(cond, exp.Paren):
            cond = cond.this
        if isinstance(cond, exp.Not):
            return self.sentence(cond.this, not neg)
        if (values := _one_column_values(cond)) is not None:
            return self.sentence(values, neg)
        if isinstance(cond, (exp.And, exp.Or)):
            is_and = isinstance(cond, exp.And) != neg
            parts = [self.sentence(p, neg) for p in _flatten(cond, type(cond))]
            return join_words(parts, "and" if is_and else "or")
        atom = self.atom(cond, neg)
        return self._atom_sentence(atom)

    # -- structure ----------------------------------------------------------------------------------
    def _rel(self, cond: exp.Expression, neg: bool, plural: bool, top: bool) -> str:
        while isinstance(cond, exp.Paren):
            cond = cond.this
        if isinstance(cond, exp.Not):
            return self._rel(cond.this, not neg, plural, top)
        if (values := _one_column_values(cond)) is not None:
            return self._rel(values, neg, plural, top)
        if isinstance(cond, (exp.And, exp.Or)):
            is_and = isinstance(cond, exp.And) != neg
            children = _flatten(cond, type(cond))
            if (same := self._same_subject(children, neg, "and" if is_and else "or", top)) is not None:
                return same
            named: list[str] = []
            many: list[str] = []  # said last: "whose X and that have a Y whose Z", not "... and whose X"
            said: dict[int, str] = {}  # the clauses of the other atoms, worked out on the way
            belonging = ""  # said first: "instructors in the department "Physics" whose salary ..."
            if isinstance(cond, exp.And) and not neg:
                if top:
                    belonging, children = self._belonging_first(children)
                named, children = self._full_names(children, plural)
                many, said, children = self._one_of_many_together(children, plural)
            parts = named + [said.get(id(p)) or self._rel(p, neg, plural, top=False) for p in children] + many
            if is_and:
                parts.sort(key=lambda text: text.startswith("either "))  # alternatives last
                if belonging and parts[0].startswith("either "):  # only alternatives follow
                    return join_words([belonging, *parts], "and")
                return f"{belonging} {join_words(parts, 'and')}".strip()
            if any(_is_compound(c, neg) for c in children):
                # (A and B) or C: commas mark where each alternative ends
                return "either " + ", or ".join(parts)
            text = join_words(parts, "or")
            return text if top else f"either {text}"
        if top and not neg and (belonging := self._belonging(cond)) is not None:
            return belonging
        return self._atom_clause(self.atom(cond, neg), plural)

    def _same_subject(self, conds: list[exp.Expression], neg: bool, word: str, top: bool) -> str | None:
        """Conditions on one column, joined by `word`, with the column said once: "whose birth date
        is before 1958 or after 1970" (not "whose birth date is before 1958 or whose birth date is
        after 1970"); None unless every one is a plain predicate on the same column."""
        plain = [p for c in conds if (p := _plain_predicate(c, neg)) is not None]
        if len(plain) != len(conds):
            return None
        columns = {tuple(col.sql() for col in p.find_all(exp.Column)) for p, _ in plain}
        if len(columns) != 1 or len(next(iter(columns))) != 1:
            return None  # phrase nothing for conditions on several columns
        atoms = [self.atom(c, n) for c, n in plain]
        if any(a.kind != "column" or a.subject != atoms[0].subject for a in atoms):
            return None
        shared = "is " if atoms[0].vp.startswith("is ") else ""  # "is before 1958 or after 1970"
        vps = [atoms[0].vp, *(a.vp.removeprefix(shared) if shared else a.vp for a in atoms[1:])]
        said = join_words(vps, word)
        if word == "or" and not top:
            verb, _, rest = said.partition(" ")
            said = f"{verb} either {rest}" if verb == "is" else f"either {said}"
        return f"whose {atoms[0].subject} {said}"

    def _belonging_first(self, conds: list[exp.Expression]) -> tuple[str, list[exp.Expression]]:
        """The first of ANDed conditions that says which named row the focus rows belong to (see
        `_belonging`), and the others; "" and all of them when none does."""
        for i, c in enumerate(conds):
            if (said := self._belonging(c)) is not None:
                return said, conds[:i] + conds[i + 1 :]
        return "", conds

    def _belonging(self, cond: exp.Expression) -> str | None:
        """The focus rows as belonging to a row named by a value, as people say it: "in the
        department "Physics"", "by the artist "AC/DC"", "of the track "Go Down"" (row_preposition),
        three times in four; None for any other condition. The row is one the focus rows refer to
        (one step), said by its name (`Namer.names_rows`): compared in its own table, or in the
        focus row's column that refers to it (instructor.dept_name). Not for a first or a last name
        ("whose customer's first name is "Ann"", "whose support rep is named ..."), nor for a name
        that is not a string."""
        if not isinstance(cond, exp.EQ):
            return None
        col, value = (cond.expression, cond.this) if is_literal(cond.this) else (cond.this, cond.expression)
        if not isinstance(col, exp.Column) or not (isinstance(value, exp.Literal) and value.is_string):
            return None
        src = self.scope.source_of(col)
        if src is None or src.kind != "table" or not self.scope.is_local(src):
            return None
        if self.is_focus(src):
            fk = self.namer.foreign_key_from(src.name, col.name)  # single-column keys only
            if fk is None:
                return None
            table, column = fk.target_table, fk.target_columns[0]
            noun = self.namer.entity(table)
            word = self.namer.role(src.name, col.name, noun)
        else:
            steps = self.scope.paths.get(id(src))
            if not steps or len(steps) != 1 or not steps[0].up:
                return None
            table, column, noun, word = src.name, col.name, src.noun, steps[0].word
        if noun.person or not self._names_rows(table, column):
            return None
        if not self.choose.chance("belonging", 75):
            return None
        # a role other than the row's own noun ties loosely: "matches of the home team "X""
        preposition = row_preposition(word) if word == noun.singular else "of"
        return f"{preposition} the {word} {self.value(value)}"

    def _names_rows(self, table: str, column: str) -> bool:
        """`column` is what a row of `table` is called by (`Namer.names_rows`), and not a first or a
        last name (people are "named ..." by both)."""
        return name_part(column) is None and self.namer.names_rows(table, column)

    def _full_names(
        self, conds: list[exp.Expression], plural: bool
    ) -> tuple[list[str], list[exp.Expression]]:
        """Equalities on the first and on the last name of one person, ANDed, as one clause
        ("named "Steve Johnson"", "whose support rep is named "Jane Peacock""); the other
        conditions."""
        parts: dict[tuple[str, str], exp.EQ] = {}  # (qualifier, "first" / "last") -> its equality
        for c in conds:
            if isinstance(c, exp.EQ) and isinstance(c.this, exp.Column) and is_literal(c.expression):
                part = name_part(c.this.name)
                if part is not None and c.expression.is_string:
                    parts.setdefault((c.this.table, part), c)
        clauses, used = [], set()
        for (table, part), first in parts.items():
            last = parts.get((table, "last"))
            src = self.scope.source_of(first.this)
            if part != "first" or last is None or (src is not None and not self.scope.is_local(src)):
                continue
            value = self.value(exp.Literal.string(f"{first.expression.this} {last.expression.this}"))
            if src is None or self.is_focus(src):
                atom = Atom("adj", "", f"named {value}")
            else:
                atom = Atom("column", self.path_phrase(src), f"is named {value}")
            clauses.append(self._atom_clause(atom, plural))
            used |= {id(first), id(last)}
        return clauses, [c for c in conds if id(c) not in used]

    def _one_of_many_together(
        self, conds: list[exp.Expression], plural: bool
    ) -> tuple[list[str], dict[int, str], list[exp.Expression]]:
        """ANDed conditions on a row the focus row has many of, said of one such row: "that have a
        course whose subject id is 1 and whose name is not "AI"" (not "that have a course ... and
        that have a course ...", two courses); the clauses of the other one-atom conditions (by id,
        as `_rel` says them); the other conditions."""
        atoms = {}
        for c in conds:
            bare = c.unnest() if isinstance(c, exp.Paren) else c
            bare = _one_column_values(bare) or bare  # "whose subject id is 1 or 2"
            if isinstance(bare, (*COMPARISONS, *SIMPLE)):
                atoms[id(c)] = self.atom(bare, False)
        groups: dict[int, list[Atom]] = {}  # source -> its atoms
        for atom in atoms.values():
            if atom.one_of_many is not None:
                groups.setdefault(atom.one_of_many[0], []).append(atom)
        clauses = [self._having_one(group, plural) for group in groups.values()]
        rest = [c for c in conds if id(c) not in atoms or atoms[id(c)].one_of_many is None]
        said = {key: self._atom_clause(a, plural) for key, a in atoms.items() if a.one_of_many is None}
        return clauses, said, rest

    def _having_one(self, atoms: list[Atom], plural: bool) -> str:
        """ANDed atoms on one row the focus row has many of, said of one such row."""
        if len(atoms) == 1:
            return self._atom_clause(atoms[0], plural)
        verb = atoms[0].verb[0 if plural else 1]
        said = [a.one_of_many for a in atoms if a.one_of_many is not None]
        return f"{self.entity.who} {verb} {said[0][1]} {join_words([w for _, _, w in said], 'and')}"

    def _atom_clause(self, atom: Atom, plural: bool) -> str:
        if atom.kind == "column":
            return f"whose {atom.subject} {atom.vp}"
        if atom.kind == "expr":
            return f"for which the {atom.subject} {atom.vp}"
        that = self.entity.who  # "students who have ...", "tracks that have ..."
        if atom.kind == "adj":
            return f"{that} {'are' if plural else 'is'} {atom.vp}"
        if atom.kind == "have":
            if atom.named and self.choose.chance("named_row", 75):
                return f"{that} {atom.verb[0 if plural else 1]} {atom.named}"  # 'that have the track "Go"'
            return f"{that} {atom.vp if plural else atom.vp_singular}"
        return f"provided that {atom.vp}"

    def _atom_sentence(self, atom: Atom) -> str:
        if atom.kind in ("column", "expr"):
            return f"the {atom.subject} {atom.vp}"
        if atom.kind == "adj":
            return f"the {self.entity.singular} is {atom.vp}"
        if atom.kind == "have":
            return f"the {self.entity.singular} {atom.vp_singular}"
        return atom.vp

    # -- predicates --------------------------------------------------------------------------------
    def atom(self, cond: exp.Expression, neg: bool) -> Atom:
        if isinstance(cond, COMPARISONS):
            return self._comparison(cond, neg)
        if isinstance(cond, (exp.Like, exp.ILike)):
            return self._like(cond, neg)
        if isinstance(cond, exp.In):
            return self._in(cond, neg)
        if isinstance(cond, exp.Between):
            lo, hi = self.value(cond.args["low"]), self.value(cond.args["high"])
            return self._subject(cond.this, f"is {'not ' if neg else ''}between {lo} and {hi}")
        if isinstance(cond, exp.Is):
            return self._is(cond, neg)
        if isinstance(cond, exp.Exists):
            return self.realiser.exists_atom(cond.this, self, neg)
        if isinstance(cond, (exp.Glob, exp.RegexpLike, exp.SimilarTo)):
            pattern = self.value(cond.expression)
            return self._subject(cond.this, f"{'does not match' if neg else 'matches'} the pattern {pattern}")
        if isinstance(cond, (exp.Column, exp.Boolean)):
            if isinstance(cond, exp.Boolean):
                truth = bool(cond.this) != neg
                return Atom("global", "", "always" if truth else "never")
            return self._truth(cond, not neg)
        return self._subject(cond, "does not hold" if neg else "holds", generic=True)

    def _subject(self, node: exp.Expression, vp: str, generic: bool = False, named: str = "") -> Atom:
        """An atom saying `vp` of `node`; `named`: the value when `vp` says `node` is that string."""
        while isinstance(node, exp.Paren):
            node = node.this
        if generic:
            return Atom("expr", f"condition {node.sql()}", vp)
        if isinstance(node, exp.Column):
            src = self.scope.source_of(node)
            if src is not None and not self.scope.is_local(src):
                return Atom("expr", self.column(node), vp)
            if (have := self._on_one_of_many(node, src, vp, named)) is not None:
                return have
            return Atom("column", self.column(node, "subject"), vp)
        if isinstance(node, exp.AggFunc):
            return Atom("column", self.noun(node), vp)
        return Atom("expr", self.noun(node), vp)

    def _on_one_of_many(self, col: exp.Column, src: Source | None, vp: str, named: str = "") -> Atom | None:
        """A condition on a row the focus row has many of, as having one: "playlists that have a
        track whose name is X", "customers that have an invoice whose total is 5" (not "whose
        track's name", which reads as the playlist's one track); None for the focus row's own
        columns and the rows it refers to. When the condition is that the row's name is `named`,
        the atom also says it as that row: 'that have the track "Go Down"'."""
        if src is None or self.is_focus(src) or self.scope.summary_link(src) is not None:
            return None
        steps = self.scope.path(src)
        if not steps or steps[0].up:
            return None
        shown = [s for s in steps if not s.hidden]
        if not shown:
            return None
        child, rest = shown[0].word, shown[1:]
        label = self.label(col, src, strip=False)
        if rest and starts_with_word(label, rest[-1].word):
            rest = rest[:-1]
        elif not rest and starts_with_word(label, child) and len(label) > len(child):
            label = label[len(child) + 1 :]  # "a track whose name", not "a track whose track name"
        owner = " ".join([*(possessive(s.word) for s in rest)])
        subject = f"{owner} {label}" if owner else label
        noun, whose = with_article(child), f"whose {subject} {vp}"
        verb = ("have", "has")
        focus = self.scope.focus
        if steps[0].hidden and len(steps) == 2 and focus is not None and focus.kind == "table":
            # through a link table named by a verb: "instructors who teach a course whose ..."
            verb = self.namer.link_verb(steps[0].source.name, focus.name) or verb
        the_row = ""
        if named and not rest and src.kind == "table" and self._names_rows(src.name, col.name):
            the_row = f"the {child} {named}"
        plural_vp, singular_vp = (f"{v} {noun} {whose}" for v in verb)
        return Atom("have", "", plural_vp, singular_vp, (id(src), noun, whose), the_row, verb)

    def _comparison(self, cond: exp.Expression, neg: bool) -> Atom:
        left, right = cond.this, cond.expression
        cls: type[exp.Expression] = type(cond)
        if isinstance(cond, exp.NullSafeEQ):
            cls = exp.EQ
        elif isinstance(cond, exp.NullSafeNEQ):
            cls = exp.NEQ
        if is_literal(left) and not is_literal(right):
            left, right = right, left
            cls = FLIP[cls]
        if neg:
            cls = {
                exp.EQ: exp.NEQ,
                exp.NEQ: exp.EQ,
                exp.GT: exp.LTE,
                exp.LTE: exp.GT,
                exp.LT: exp.GTE,
                exp.GTE: exp.LT,
            }[cls]
        lt = self.logical_type(left)
        truth = truth_of(right)
        if truth is not None and cls in (exp.EQ, exp.NEQ) and self._is_flag(left, lt):
            return self._truth(left, truth == (cls is exp.EQ))
        quantifier = ""
        if isinstance(right, (exp.Any, exp.All)):
            quantifier = "any of " if isinstance(right, exp.Any) else "all of "
            right = right.this
        if (
            isinstance(right, exp.Subquery)
            and not quantifier
            and cls in (exp.EQ, exp.GT, exp.LT, exp.GTE, exp.LTE)
            and (atom := self.realiser.row_value_atom(left, cls, right, self)) is not None
        ):
            return atom
        temporal = (lt is not None and lt.is_temporal) or is_date_text(right)
        value = (quantifier and self.realiser.values_phrase(right, self.scope)) or self.value(right)
        word = self._operator(cls, temporal)
        named = (
            value
            if cls is exp.EQ and not quantifier and isinstance(right, exp.Literal) and right.is_string
            else ""
        )
        return self._subject(left, f"{word} {quantifier}{value}".replace("  ", " "), named=named)

    def _operator(self, cls: type[exp.Expression], temporal: bool) -> str:
        if cls is exp.EQ:
            return "is"
        if cls is exp.NEQ:
            return self.choose.pick("neq", ("is not", "is not", "is other than"))
        if temporal:
            return {
                exp.GT: self.choose.pick("gt_t", ("is after", "is later than")),
                exp.GTE: self.choose.pick("gte_t", ("is on or after", "is no earlier than")),
                exp.LT: self.choose.pick("lt_t", ("is before", "is earlier than")),
                exp.LTE: self.choose.pick("lte_t", ("is on or before", "is no later than")),
            }[cls]
        return {
            exp.GT: self.choose.pick("gt", ("is greater than", "is above", "is more than", "exceeds")),
            exp.GTE: self.choose.pick(
                "gte", ("is at least", "is greater than or equal to", "is no less than")
            ),
            exp.LT: self.choose.pick("lt", ("is less than", "is below", "is under")),
            exp.LTE: self.choose.pick("lte", ("is at most", "is less than or equal to", "is no more than")),
        }[cls]

    def _is_flag(self, node: exp.Expression, lt: LogicalType | None) -> bool:
        if lt is LogicalType.BOOLEAN:
            return True
        return isinstance(node, exp.Column) and bool(re.match(r"(is|has)[ _A-Z]", node.name))

    def _truth(self, node: exp.Expression, positive: bool) -> Atom:
        """A yes/no column: "that are active", "that are not published", "whose auto renew is false"."""
        if not isinstance(node, exp.Column):
            return self._subject(node, "is true" if positive else "is false")
        src = self.scope.source_of(node)
        label = self.label(node, src)
        low = label.lower()
        related = src is not None and not self.is_focus(src) and self.scope.is_local(src)
        if related and low.startswith(("is ", "has ")) and self.scope.summary_link(src) is None:
            verb, rest = label.split(" ", 1)
            if verb.lower() == "is":
                vp = f"is {rest}" if positive else f"is not {rest}"
            else:
                vp = f"has {rest}" if positive else f"does not have {rest}"
            return Atom("column", self.path_phrase(src), vp)
        if self.is_focus(src) and low.startswith("is "):
            rest = label[3:]
            return Atom("adj", "", rest if positive else f"not {rest}")
        if self.is_focus(src) and low.startswith("has "):
            rest = label[4:]
            return Atom(
                "have",
                "",
                f"have {rest}" if positive else f"do not have {rest}",
                f"has {rest}" if positive else f"does not have {rest}",
            )
        return self._subject(node, "is true" if positive else "is false")

    def _like(self, cond: exp.Like | exp.ILike, neg: bool) -> Atom:
        pattern = cond.expression
        ci = " (ignoring case)" if isinstance(cond, exp.ILike) else ""
        if neg or cond.args.get("negate"):
            neg = neg != bool(cond.args.get("negate"))
        not_ = "does not " if neg else ""
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            text = str(pattern.this)
            core = text.strip("%")
            plain = "_" not in core and "%" not in core and core
            # one letter as people ask it: "first names containing the letter a"
            said = f'the letter "{core}"' if len(core) == 1 and core.isalpha() else f'"{core}"'
            if plain and text.startswith("%") and text.endswith("%") and len(text) > 1:
                verb = "contain" if neg else "contains"
                return self._subject(cond.this, f"{not_}{verb} {said}{ci}")
            if plain and text.endswith("%") and not text.startswith("%"):
                verb = "start with" if neg else "starts with"
                return self._subject(cond.this, f"{not_}{verb} {said}{ci}")
            if plain and text.startswith("%") and not text.endswith("%"):
                verb = "end with" if neg else "ends with"
                return self._subject(cond.this, f"{not_}{verb} {said}{ci}")
            if "%" not in text and "_" not in text:
                return self._subject(cond.this, f'is {"not " if neg else ""}exactly "{text}"{ci}')
        verb = "match" if neg else "matches"
        return self._subject(cond.this, f"{not_}{verb} the pattern {self.value(pattern)}{ci}")

    def _in(self, cond: exp.In, neg: bool) -> Atom:
        query = cond.args.get("query")
        if query is not None:
            inner = query.this if isinstance(query, exp.Subquery) else query
            return self.realiser.in_subquery_atom(cond.this, inner, self, neg)
        values = [self.value(v) for v in cond.expressions]
        if len(values) == 1:
            return self._subject(cond.this, f"is {'not ' if neg else ''}{values[0]}")
        if neg:
            form = self.choose.pick("not_in", ("is none of {}", "is not {}"))
            return self._subject(cond.this, form.format(join_words(values, "or" if "not" in form else "and")))
        form = self.choose.pick("in", ("is {}", "is one of {}", "is either {}"))
        return self._subject(cond.this, form.format(join_words(values, "and" if "one of" in form else "or")))

    def _is(self, cond: exp.Is, neg: bool) -> Atom:
        target = cond.expression
        if isinstance(target, exp.Null):
            pos, negw = self.choose.pick(
                "null",
                (("is missing", "is not missing"), ("is empty", "is not empty"), ("is unknown", "is known")),
            )
            return self._subject(cond.this, negw if neg else pos)
        truth = truth_of(target)
        if truth is not None:
            return self._truth(cond.this, truth != neg)
        return self._subject(cond.this, f"is {'not ' if neg else ''}{literal_text(target)}")

    # -- helpers for subquery atoms -------------------------------------------------------------------
    def owner_atom(self, src_column: exp.Column, plural_vp: str, singular_vp: str) -> Atom:
        """An atom about the row owning `src_column`: the focus ("that have ...") or a related row."""
        src = self.scope.source_of(src_column)
        if src is None or self.is_focus(src) or not self.scope.is_local(src):
            return Atom("have", "", plural_vp, singular_vp)
        return Atom("column", self.path_phrase(src), singular_vp)  # a related row: "whose order has ..."


def _is_compound(cond: exp.Expression, neg: bool) -> bool:
    """Whether a condition reads as several AND-ed clauses (NOT pushed down, De Morgan's way)."""
    while isinstance(cond, exp.Paren):
        cond = cond.this
    if isinstance(cond, exp.Not):
        return _is_compound(cond.this, not neg)
    return isinstance(cond, exp.Or) if neg else isinstance(cond, exp.And)


def _plain_predicate(cond: exp.Expression, neg: bool) -> tuple[exp.Expression, bool] | None:
    """(predicate on one column, negated) that `cond` is, through parentheses and NOTs; None for
    a compound condition."""
    while isinstance(cond, (exp.Paren, exp.Not)):
        neg ^= isinstance(cond, exp.Not)
        cond = cond.this
    return (cond, neg) if isinstance(cond, COMPARISONS + SIMPLE) else None


def _one_column_values(cond: exp.Expression) -> exp.In | None:
    """`c = x OR c = y` as `c IN (x, y)`, read "whose genre is Rock or Jazz"; None for other conditions."""
    if not isinstance(cond, exp.Or):
        return None
    parts = _flatten(cond, exp.Or)
    if not all(isinstance(p, exp.EQ) and is_literal(p.expression) for p in parts):
        return None
    if len({p.this.sql() for p in parts}) != 1:
        return None
    return exp.In(this=parts[0].this, expressions=[p.expression for p in parts])


def _flatten(cond: exp.Expression, kind: type[exp.Expression]) -> list[exp.Expression]:
    while isinstance(cond, exp.Paren) and isinstance(cond.this, kind):
        cond = cond.this
    if isinstance(cond, kind):
        return _flatten(cond.this, kind) + _flatten(cond.expression, kind)
    return [cond]
