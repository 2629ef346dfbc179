"""Populate: FK-ordered realistic rows for a schema, loaded into databases sqlsynth creates; and the
value profile of a database (what values its columns hold), which generators sample from.

    populate(schema, "sqlite:///shop.db", rows=10_000, also=["duckdb:///shop.duckdb"])
    profile_database("sqlite:///shop.db").save("shop.profile.json")
"""

from sqlsynth.populate.core import EngineLoad, PopulateReport, populate
from sqlsynth.populate.generate import ColumnData, Dataset, TableData, generate
from sqlsynth.populate.profile import ColumnProfile, Profile, TableProfile, ValueCount, profile_database

__all__ = [
    "ColumnData",
    "ColumnProfile",
    "Dataset",
    "EngineLoad",
    "PopulateReport",
    "Profile",
    "TableData",
    "TableProfile",
    "ValueCount",
    "generate",
    "populate",
    "profile_database",
]
