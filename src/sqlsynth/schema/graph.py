"""The foreign-key graph of a schema: neighbours, join paths, bridge tables, cycles, components."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from sqlsynth.schema.model import ForeignKey, Schema


class FKGraph:
    """Tables as nodes, one edge per foreign key (several FKs between two tables stay distinct)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.directed = nx.MultiDiGraph()
        self.directed.add_nodes_from(schema.table_names)
        for i, fk in enumerate(schema.foreign_keys):
            self.directed.add_edge(fk.source_table, fk.target_table, key=i, fk=fk)
        self.undirected = self.directed.to_undirected(as_view=False)

    def neighbours(self, table: str) -> list[str]:
        """Tables joined to `table` by a foreign key in either direction (sorted, no repeats)."""
        return sorted(set(self.undirected.neighbors(table)) - {table})

    def edges_between(self, a: str, b: str) -> list[ForeignKey]:
        """Every foreign key linking `a` and `b`, whichever way it points."""
        out = []
        for src, dst in ((a, b), (b, a)):
            data = self.directed.get_edge_data(src, dst) or {}
            out.extend(d["fk"] for _, d in sorted(data.items()))
        return out

    def join_path(self, a: str, b: str) -> list[ForeignKey] | None:
        """A shortest chain of foreign keys joining `a` to `b` (ignoring direction), or None."""
        try:
            nodes = nx.shortest_path(self.undirected, a, b)
        except nx.NetworkXNoPath:
            return None
        return [self.edges_between(x, y)[0] for x, y in pairwise(nodes)]

    def all_join_paths(self, a: str, b: str, max_len: int = 4) -> list[list[str]]:
        """All simple table paths from `a` to `b` with at most `max_len` joins, shortest first."""
        simple = nx.Graph(self.undirected)
        paths = nx.all_simple_paths(simple, a, b, cutoff=max_len) if a != b else iter([[a]])
        return sorted(paths, key=lambda p: (len(p), p))

    def bridge_tables(self) -> list[str]:
        """Many-to-many link tables: two or more foreign keys to other tables (the same table twice
        too, as in followers), and at most two columns outside its keys."""
        out = []
        for t in self.schema.tables:
            fks = [fk for fk in self.schema.foreign_keys_of(t.name) if fk.target_table != t.name]
            if len(fks) < 2:
                continue
            fk_cols = {c for fk in fks for c in fk.source_columns}
            others = [c for c in t.column_names if c not in fk_cols and c not in t.primary_key]
            if len(others) <= 2:
                out.append(t.name)
        return out

    def cycles(self) -> list[list[str]]:
        """Directed cycles of foreign keys as table lists (a self-reference is a cycle of one)."""
        simple = nx.DiGraph(self.directed)
        found = [list(c) for c in nx.simple_cycles(simple)]
        return sorted((_rotate_min(c) for c in found), key=lambda c: (len(c), c))

    def components(self) -> list[list[str]]:
        """Connected groups of tables (ignoring FK direction), largest first."""
        comps = [sorted(c) for c in nx.connected_components(self.undirected)]
        return sorted(comps, key=lambda c: (-len(c), c))

    def topological_order(self) -> list[str]:
        """Parents before children, ignoring self-references; cycles broken deterministically."""
        g = nx.DiGraph()
        g.add_nodes_from(self.schema.table_names)
        g.add_edges_from(
            (fk.target_table, fk.source_table)
            for fk in self.schema.foreign_keys
            if fk.source_table != fk.target_table
        )
        order: list[str] = []
        while g.number_of_nodes():
            try:
                order.extend(list(nx.lexicographical_topological_sort(g)))
                break
            except nx.NetworkXUnfeasible:
                cycle = nx.find_cycle(g)
                g.remove_edge(*sorted(cycle)[0][:2])
        return order


def _rotate_min(cycle: list[str]) -> list[str]:
    i = cycle.index(min(cycle))
    return cycle[i:] + cycle[:i]
