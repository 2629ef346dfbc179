from sqlsynth import Column, ForeignKey, Schema, Table


def fk(src, scols, dst, dcols):
    return ForeignKey(source_table=src, source_columns=scols, target_table=dst, target_columns=dcols)


def table(name, *cols, pk=("id",)):
    return Table(name=name, columns=[Column(name=c, type="int") for c in ("id", *cols)], primary_key=list(pk))


def hospital() -> Schema:
    """departments <-> doctors cycle, a self-reference, a bridge table and an island."""
    return Schema(
        tables=[
            table("departments", "head_doctor_id"),
            table("doctors", "department_id", "mentor_id"),
            table("patients"),
            table("treatments", "doctor_id", "patient_id", pk=("doctor_id", "patient_id")),
            table("audit"),
        ],
        foreign_keys=[
            fk("departments", ["head_doctor_id"], "doctors", ["id"]),
            fk("doctors", ["department_id"], "departments", ["id"]),
            fk("doctors", ["mentor_id"], "doctors", ["id"]),
            fk("treatments", ["doctor_id"], "doctors", ["id"]),
            fk("treatments", ["patient_id"], "patients", ["id"]),
        ],
    )


def test_neighbours_ignore_direction_and_self_loops():
    g = hospital().graph
    assert g.neighbours("doctors") == ["departments", "treatments"]
    assert g.neighbours("audit") == []


def test_shortest_join_path_goes_through_the_bridge():
    path = hospital().graph.join_path("patients", "departments")
    assert [str(k) for k in path] == [
        "treatments(patient_id) -> patients(id)",
        "treatments(doctor_id) -> doctors(id)",
        "doctors(department_id) -> departments(id)",
    ]
    assert hospital().graph.join_path("patients", "audit") is None


def test_edges_between_keeps_both_directions_of_a_cycle():
    edges = hospital().graph.edges_between("departments", "doctors")
    assert {str(e) for e in edges} == {
        "departments(head_doctor_id) -> doctors(id)",
        "doctors(department_id) -> departments(id)",
    }


def test_bridge_cycles_components():
    g = hospital().graph
    assert g.bridge_tables() == ["treatments"]
    assert g.cycles() == [["doctors"], ["departments", "doctors"]]
    assert g.components() == [["departments", "doctors", "patients", "treatments"], ["audit"]]


def test_topological_order_puts_parents_first_and_breaks_cycles():
    order = hospital().graph.topological_order()
    assert sorted(order) == sorted(hospital().table_names)
    assert order.index("patients") < order.index("treatments")
    assert order.index("doctors") < order.index("treatments")


def test_all_join_paths_shortest_first():
    paths = hospital().graph.all_join_paths("patients", "doctors", max_len=3)
    assert paths[0] == ["patients", "treatments", "doctors"]
