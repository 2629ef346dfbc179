"""What people call tables, columns and relationships: nouns from the schema or the identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sqlsynth.nl.lexicon import (
    humanise,
    is_participle,
    is_plural_word,
    name_part,
    pluralise,
    relative_pronoun,
    singularise,
)
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType

# Mass nouns that need a countable head to be counted or listed.
MASS_NOUNS = {
    "inventory": "inventory record",
    "feedback": "feedback entry",
    "staff": "staff member",
    "equipment": "piece of equipment",
    "information": "information record",
    "data": "data record",
    "stock": "stock record",
    "software": "software item",
    "luggage": "piece of luggage",
    "music": "music item",
    "news": "news item",
    "money": "amount of money",
    "personnel": "personnel record",
    "media": "media item",
    "metadata": "metadata record",
}
# A table named by a verb in the third person: the noun of what one row records (hospital_1's
# Prescribes and Undergoes, college_2's Teaches and Takes; not "physicians that have no undergo")
VERB_TABLES = {
    "prescribes": "prescription",
    "undergoes": "treatment",
    "teaches": "courses taught",  # the university schema of database textbooks (Spider's college_2)
    "takes": "courses taken",
    "enrolls": "enrollment",
    "enrols": "enrollment",
    "attends": "attendance record",
    "advises": "advising record",
    "supervises": "supervision record",
    "manages": "management record",
    "owns": "ownership record",
}
# ... and its verb (base, third person, participle), said of the rows it links: "instructors who
# teach a course whose ...", "courses that are taught by the instructor ..." (the agent is the row
# its first column refers to: Spider's teaches(ID, course_id), prescribes(Physician, ...))
VERB_FORMS = {
    "prescribes": ("prescribe", "prescribes", "prescribed"),
    "undergoes": ("undergo", "undergoes", "undergone"),
    "teaches": ("teach", "teaches", "taught"),
    "takes": ("take", "takes", "taken"),
    "attends": ("attend", "attends", "attended"),
    "advises": ("advise", "advises", "advised"),
    "supervises": ("supervise", "supervises", "supervised"),
    "manages": ("manage", "manages", "managed"),
    "owns": ("own", "owns", "owned"),
}
_PREPOSITIONS = ("by", "to", "for", "from", "of", "in", "at", "on", "with", "as")
_PREPOSITION_END = re.compile(rf"\b({'|'.join(_PREPOSITIONS)})$")
# a table named by a participle and its preposition ("affiliated with", "trained in"; not "of", "as")
_VERB_TABLE = re.compile(
    rf"(?P<head>(?:.* )?)(?P<done>\w+) (?:{'|'.join(p for p in _PREPOSITIONS if p not in ('of', 'as'))})"
)
# what a row calls the row its verb-phrase column points at: employees.reports_to -> "manager"
_VERB_ROLES = {
    "reports to": "manager",
    "report to": "manager",
    "managed by": "manager",
    "supervised by": "supervisor",
    "mentored by": "mentor",
    "referred by": "referrer",
    "invited by": "inviter",
}
NAME_COLUMN = re.compile(r"(^|_)(name|title)$|Name$|^name", re.IGNORECASE)
_KEY_SUFFIX = re.compile(r"\s*\b(id|ids|key|fk|ref|code|no|number|name)$")


@dataclass(frozen=True)
class Noun:
    singular: str
    plural: str
    # rows of people (their table holds a first and a last name): a clause about them says "who"
    person: bool = field(default=False, compare=False)

    @property
    def who(self) -> str:
        """The relative pronoun of these rows: "students who", "contacts who", "tracks that"."""
        return "who" if self.person else relative_pronoun(self.plural)

    @property
    def its(self) -> str:
        """The possessive of one of these rows: "its tracks" of an album, "their lists" of a teacher."""
        return "their" if self.who == "who" else "its"


def noun_from_name(name: str) -> Noun:
    """A table-like identifier as a countable noun: "order_items" -> order item / order items."""
    words = humanise(name)
    if words.lower() in VERB_TABLES:
        return noun_from_name(VERB_TABLES[words.lower()].replace(" ", "_"))
    verb = _VERB_TABLE.fullmatch(words)
    if verb and is_participle(verb["done"]) and verb["done"].lower().endswith("ed"):
        # a relation named by its verb: "affiliated with" -> "affiliation", "trained in" ->
        # "training record" (not "affiliated withs", "physicians that have no trained in")
        words = f"{verb['head']}{_nominal(verb['done'])}"
    head, _, last = words.rpartition(" ")
    if head and is_participle(last):
        inner = noun_from_name(head.replace(" ", "_"))  # "student tests taken" -> "student test taken"
        return Noun(f"{inner.singular} {last}", f"{inner.plural} {last}")
    inner, _, where = words.partition(" in ")
    if where and singularise(inner) != inner:
        # "performers in bookings" -> "performer in booking" (not "performers in booking"); a
        # name that is not plural before "in" is one noun: "check in times" -> "check in time"
        a, b = noun_from_name(inner.replace(" ", "_")), noun_from_name(where.replace(" ", "_"))
        return Noun(f"{a.singular} in {b.singular}", f"{a.plural} in {b.plural}")
    if " and " in words:  # "course authors and tutors" -> "course author and tutor"
        parts = [noun_from_name(p.replace(" ", "_")) for p in words.split(" and ")]
        return Noun(" and ".join(p.singular for p in parts), " and ".join(p.plural for p in parts))
    single = singularise(words)
    last = single.rsplit(" ", 1)[-1].lower()
    if last in MASS_NOUNS:
        head = single[: len(single) - len(last)] + MASS_NOUNS[last]
        return Noun(head, _plural_of_phrase(head))
    plural = pluralise(single)
    return Noun(single, plural)


def _nominal(done: str) -> str:
    """The noun of a past participle: "affiliated" -> "affiliation", "trained" -> "training record"."""
    if done.lower().endswith(("ated", "ized", "ised")):
        return done[:-2] + ("ion" if done.lower().endswith("ated") else "ation")
    return f"{done[:-2]}ing record"


def _plural_of_phrase(phrase: str) -> str:
    if " of " in phrase:  # "piece of equipment" -> "pieces of equipment"
        head, _, tail = phrase.partition(" of ")
        return f"{pluralise(head)} of {tail}"
    return pluralise(phrase)


def _short_name(description: str, table: str) -> bool:
    """A description that spells the table's name out ("prereq" -> "prerequisite"), not a sentence
    or a different noun ("products" -> "Product catalogue")."""
    words = description.split()
    if not 0 < len(words) <= 3 or re.search(r"[^\w\s'-]", description):
        return False
    name = re.sub(r"[^a-z]", "", table.lower())
    text = re.sub(r"[^a-z]", "", description.lower())
    if not name or not text or name[:3] != text[:3]:
        return False
    it = iter(text)
    return all(ch in it for ch in name)


# Participles of "<verb>ed_at" / "<verb>ed_on" columns as nouns: created_at -> "creation time".
TIME_NOUNS = {
    "created": "creation",
    "updated": "update",
    "modified": "modification",
    "changed": "change",
    "published": "publication",
    "resolved": "resolution",
    "delivered": "delivery",
    "started": "start",
    "ended": "end",
    "submitted": "submission",
    "occurred": "occurrence",
    "connected": "connection",
    "completed": "completion",
    "closed": "closing",
    "opened": "opening",
    "deleted": "deletion",
    "approved": "approval",
    "registered": "registration",
    "shipped": "shipping",
    "paid": "payment",
    "joined": "joining",
    "granted": "grant",
    "expired": "expiry",
    "received": "receipt",
    "cancelled": "cancellation",
    "canceled": "cancellation",
    "confirmed": "confirmation",
    "scheduled": "scheduled",
    "processed": "processing",
    "signed": "signing",
    "logged": "login",
    "verified": "verification",
}


def nominalise_time(label: str, logical: LogicalType | None) -> str:
    """Timestamps named by a verb: "created at" -> "creation time" ("creation date" for a date),
    "last sync at" -> "last sync time"."""
    match = re.fullmatch(r"(.*?)\s*\b(at|on)", label)
    if match is None or not match.group(1):
        return label
    stem = match.group(1)
    unit = "date" if logical is LogicalType.DATE or match.group(2) == "on" else "time"
    head, _, last = stem.rpartition(" ")
    noun = TIME_NOUNS.get(last.lower())
    if noun is not None:
        return f"{head} {noun} {unit}".strip()
    if last.lower().endswith("ed"):
        return f"{unit} {stem}"
    return f"{stem} {unit}"


class Namer:
    """Names of tables, columns and foreign-key roles for one schema (or none)."""

    def __init__(self, schema: Schema | None = None) -> None:
        self.schema = schema
        self._tables: dict[str, Table] = {}
        if schema is not None:
            for t in schema.tables:
                self._tables.setdefault(t.name.lower(), t)

    # -- lookup ---------------------------------------------------------------------------
    def table(self, name: str) -> Table | None:
        return self._tables.get(name.lower())

    def column(self, table: str | None, name: str) -> Column | None:
        t = self.table(table) if table else None
        if t is None:
            return None
        return t.column(name) if t.has_column(name) else None

    def primary_key(self, table: str) -> list[str]:
        """Lower-case key columns; for a table the schema does not know, an `id` column is assumed."""
        t = self.table(table)
        return [k.lower() for k in t.primary_key] if t is not None else ["id"]

    def names_rows(self, table: str, column: str) -> bool:
        """`column` is what a row of `table` is called by: its first name-like column that refers
        to no other table (course.title; not instructor.dept_name, nor employees.title after
        first_name). A table the schema does not know: any name-like column."""
        t = self.table(table)
        if t is None:
            return bool(NAME_COLUMN.search(column))
        names = (c.name for c in t.columns if NAME_COLUMN.search(c.name))
        first = next((c for c in names if self.foreign_key_from(t.name, c) is None), None)
        return first is not None and first.lower() == column.lower()

    def logical_type(self, table: str | None, column: str) -> LogicalType | None:
        col = self.column(table, column)
        return col.logical_type if col is not None else None

    # -- nouns ----------------------------------------------------------------------------
    def entity(self, table: str) -> Noun:
        """The noun for the rows of `table`: its short description if it is a name, else its name;
        a person's when the table holds a first and a last name."""
        noun = self._entity(table)
        t = self.table(table)
        if t is not None and {"first", "last"} <= {name_part(c.name) for c in t.columns}:
            return replace(noun, person=True)
        return noun

    def _entity(self, table: str) -> Noun:
        t = self.table(table)
        if t is not None and humanise(t.name).lower() in VERB_TABLES:
            return noun_from_name(t.name)  # "takes" rows are courses taken, whatever its description says
        if t is not None and _short_name(t.description, t.name) and t.description.lower() != t.name.lower():
            desc = t.description.strip().lower()
            last = desc.rsplit(" ", 1)[-1]
            if is_plural_word(last):
                return Noun(singularise(desc), desc)
            return noun_from_name(desc.replace(" ", "_"))
        return noun_from_name(t.name if t is not None else table)

    def column_label(self, table: str | None, name: str) -> str:
        """The display name of a column when the schema has one, else the humanised identifier."""
        col = self.column(table, name)
        if col is not None and col.display_name:
            return col.display_name.strip()
        return nominalise_time(humanise(name), col.logical_type if col is not None else None)

    def has_display_name(self, table: str | None, name: str) -> bool:
        col = self.column(table, name)
        return bool(col is not None and col.display_name)

    # -- relationships --------------------------------------------------------------------
    def foreign_key(
        self, child: str, child_cols: list[str], parent: str, parent_cols: list[str]
    ) -> ForeignKey | None:
        """The schema's foreign key child(child_cols) -> parent(parent_cols), if declared."""
        if self.schema is None:
            return None
        want = {(c.lower(), p.lower()) for c, p in zip(child_cols, parent_cols, strict=True)}
        for fk in self.schema.foreign_keys:
            if fk.source_table.lower() != child.lower() or fk.target_table.lower() != parent.lower():
                continue
            have = {(s.lower(), d.lower()) for s, d in zip(fk.source_columns, fk.target_columns, strict=True)}
            if want <= have or have <= want:
                return fk
        return None

    def foreign_key_from(self, table: str, column: str) -> ForeignKey | None:
        """The single-column foreign key whose source is table(column), if declared."""
        if self.schema is None:
            return None
        for fk in self.schema.foreign_keys:
            if fk.source_table.lower() == table.lower() and [c.lower() for c in fk.source_columns] == [
                column.lower()
            ]:
                return fk
        return None

    def link_verb(self, link: str, focus: str) -> tuple[str, str] | None:
        """How rows of `focus` relate to the rows a verb-named link table `link` ties them to, plural
        and singular: ("teach", "teaches") for the agent (the table the link's first column refers
        to), ("are taught by", "is taught by") for the other end. None unless the link ties exactly
        two tables (Spider's prescribes ties a physician, a patient, a medication and an
        appointment: which is the object cannot be told)."""
        forms = VERB_FORMS.get(humanise(link).lower())
        t = self.table(link)
        if forms is None or t is None or not t.columns or self.schema is None:
            return None
        fks = self.schema.foreign_keys_of(t.name)
        ends = {fk.target_table.lower() for fk in fks}
        first = next((fk for fk in fks if fk.source_columns[0] == t.columns[0].name), None)
        if first is None or len(ends) != 2 or focus.lower() not in ends:
            return None
        if first.target_table.lower() == focus.lower():
            return forms[0], forms[1]
        return f"are {forms[2]} by", f"is {forms[2]} by"

    def role(self, child_table: str | None, child_column: str, parent_noun: Noun) -> str:
        """How a child row calls the parent it references through `child_column`:
        orders.customer_id -> "customer", departments.manager_id -> "manager"."""
        label = self.column_label(child_table, child_column).lower()
        stem = _KEY_SUFFIX.sub("", label).strip()
        if stem in _VERB_ROLES:
            return _VERB_ROLES[stem]
        if len(stem) <= 2 or _PREPOSITION_END.search(stem) or stem in ("parent", "reference", "ref"):
            return parent_noun.singular
        if stem == label and self._shared_name(child_table, child_column):
            return parent_noun.singular  # students.classroom -> teachers.classroom: their "teacher"
        return stem

    def _shared_name(self, table: str | None, column: str) -> bool:
        """The foreign key from `table`.`column` refers to a column of the same name."""
        fk = self.foreign_key_from(table, column) if table else None
        return fk is not None and fk.target_columns[0].lower() == column.lower()
