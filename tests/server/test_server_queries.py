"""Query semantics of the embedded server: criteria, projections, paging, normalisation."""

from __future__ import annotations

from typing import Any

import pytest

from ftorm.server.handlers import Server
from tests.server.server_helpers import Call, create, query, ref


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["name"] for row in rows]


def test_polymorphic_queries_return_concrete_types(call: Call, tree: dict[str, Any]) -> None:
    rows = query(call, "select name from Context")
    types = {row["name"]: row["__entity_type__"] for row in rows}
    assert types == {
        "alpha": "Project",
        "sq01": "Sequence",
        "sq02": "Sequence",
        "sh010": "Shot",
        "sh020": "Shot",
        "SH030": "Shot",
        "compositing": "Task",
        "animation": "Task",
    }
    typed = query(call, "select name from TypedContext")
    assert "alpha" not in names(typed)
    assert len(typed) == 7
    assert names(query(call, "select name from Shot")) == ["sh010", "sh020", "SH030"]


def test_system_projections_always_come(call: Call, tree: dict[str, Any]) -> None:
    (task,) = query(call, 'select name from Task where name is "compositing"')
    assert set(task) == {
        "__entity_type__",
        "id",
        "name",
        "context_type",
        "object_type_id",
        "project_id",
    }
    assert task["project_id"] == tree["project"]["id"]
    assert task["context_type"] == "task"


def test_short_form_uses_default_projections(call: Call, tree: dict[str, Any]) -> None:
    rows = query(call, "Project")
    assert rows[0]["name"] == "alpha"
    assert rows[0]["context_type"] == "show"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Shot where parent.name like "sq01%"', ["sh010", "sh020"]),
        ('Shot where name like "sh%"', ["sh010", "sh020", "SH030"]),  # case-insensitive
        ('Shot where name is "sh030"', []),  # equality is exact
        ('Shot where name is "SH030"', ["SH030"]),
        ('Shot where name like "sh_10"', ["sh010"]),
        ('Shot where not name like "sh0%"', []),
        ('Shot where name not_like "%10"', ["sh020", "SH030"]),
        ('Shot where name in ("sh010", "SH030")', ["sh010", "SH030"]),
        ('Shot where name not_in ("sh010", "SH030")', ["sh020"]),
        ('Shot where parent has (name is "sq02")', ["SH030"]),
        ('Shot where children any (name is "animation")', ["sh010"]),
        ("Shot where not children any ()", ["sh020", "SH030"]),
        ('Shot where children.name is "animation" and parent.name is sq01', ["sh010"]),
        ('Shot where name is "sh010" or name is "sh020"', ["sh010", "sh020"]),
        ('Shot where not (name is "sh010" or name is "sh020")', ["SH030"]),
        ('Shot where parent.parent.name is "alpha"', ["sh010", "sh020", "SH030"]),
        (
            'Shot where project.name is "alpha" and parent_id is_not none',
            ["sh010", "sh020", "SH030"],
        ),
        ('Shot where ancestors any (name is "sq02")', ["SH030"]),
        (
            'Shot where parent_id in (select id from Sequence where name is "sq01")',
            ["sh010", "sh020"],
        ),
        ('Shot where parent[Sequence] has (name is "sq01")', ["sh010", "sh020"]),
        ('Shot where status.state.short is "NOT_STARTED"', ["sh010", "sh020", "SH030"]),
        ('Shot where status.name is "Approved"', []),
    ],
)
def test_criteria(call: Call, tree: dict[str, Any], expression: str, expected: list[str]) -> None:
    assert (
        names(query(call, expression.replace("Shot where", "select name from Shot where", 1)))
        == expected
    )


def test_descendants(call: Call, tree: dict[str, Any]) -> None:
    rows = query(call, 'select name from Project where descendants any (name is "animation")')
    assert names(rows) == ["alpha"]
    (project,) = query(call, "select descendants.name from Project")
    assert sorted(d["name"] for d in project["descendants"]) == sorted(
        ["sq01", "sq02", "sh010", "sh020", "SH030", "compositing", "animation"]
    )


def test_order_by_and_paging(call: Call, tree: dict[str, Any]) -> None:
    rows = query(call, "select name from Shot order by name descending")
    assert names(rows) == ["sh020", "sh010", "SH030"]
    rows = query(call, "select name from Shot order by parent.name descending, name")
    assert names(rows) == ["SH030", "sh010", "sh020"]
    first = call({"action": "query", "expression": "select name from Shot offset 0 limit 2"})[0]
    assert names(first["data"]) == ["sh010", "sh020"]
    assert first["metadata"]["next"]["offset"] == 2
    last = call({"action": "query", "expression": "select name from Shot offset 2 limit 2"})[0]
    assert names(last["data"]) == ["SH030"]
    assert last["metadata"]["next"]["offset"] is None
    exact = call({"action": "query", "expression": "select name from Shot limit 3"})[0]
    assert exact["metadata"]["next"]["offset"] is None
    unlimited = call({"action": "query", "expression": "select name from Shot offset 1"})[0]
    assert names(unlimited["data"]) == ["sh020", "SH030"]
    assert unlimited["metadata"]["next"]["offset"] is None


def test_datetimes_before_after(call: Call, tree: dict[str, Any]) -> None:
    call(
        {
            "action": "update",
            "entity_type": "Project",
            "entity_key": [tree["project"]["id"]],
            "entity_data": {
                "end_date": {"__type__": "datetime", "value": "2026-12-04T10:00:00+02:00"}
            },
        }
    )
    (row,) = query(call, "select end_date from Project")
    assert row["end_date"] == {"__type__": "datetime", "value": "2026-12-04T08:00:00"}
    assert query(call, 'Project where end_date before "2026-12-05"')
    assert not query(call, 'Project where end_date before "2026-12-04"')
    assert query(call, 'Project where end_date after "2026-12-04T07:59:59Z"')
    assert not query(call, 'Project where end_date after "2026-12-04T10:00:00+01:00"')


def test_projections_through_references_and_collections(call: Call, tree: dict[str, Any]) -> None:
    rows = query(call, "select name, parent.name, children.name, status.state.short from Shot")
    sh010 = rows[0]
    assert sh010["parent"]["name"] == "sq01"
    assert sh010["parent"]["__entity_type__"] == "Sequence"
    assert sorted(c["name"] for c in sh010["children"]) == ["animation", "compositing"]
    assert sh010["status"]["state"]["short"] == "NOT_STARTED"
    # the second shot shares sq01 and the status: references only
    sh020 = rows[1]
    assert sh020["parent"] == {"__entity_type__": "Sequence", "id": tree["sq01"]["id"]}
    assert set(sh020["status"]) == {"__entity_type__", "id"}
    assert sh020["children"] == []


def test_projecting_a_relation_loads_default_projections(call: Call, tree: dict[str, Any]) -> None:
    (project,) = query(call, "select children from Project")
    assert sorted(c["name"] for c in project["children"]) == ["sq01", "sq02"]
    assert all(c["context_type"] == "task" for c in project["children"])


def test_each_entity_is_encoded_once(call: Call, tree: dict[str, Any]) -> None:
    (shot,) = query(call, 'select parent.children.name from Shot where name is "sh010"')
    siblings = shot["parent"]["children"]
    assert siblings[0] == {"__entity_type__": "Shot", "id": shot["id"]}
    assert siblings[1]["name"] == "sh020"


def test_projection_loading_is_batched(server: Server, call: Call) -> None:
    """The number of statements depends on the projection, not on the number of rows."""
    project = create(call, "Project", name="big")
    for index in range(40):
        sequence = create(call, "Sequence", name=f"sq{index:03}", parent=ref(project))
        for shot in range(3):
            create(call, "Shot", name=f"sh{index:03}{shot}", parent=ref(sequence))
    statements: list[str] = []
    server.connection.set_trace_callback(statements.append)
    counts = []
    paths = "name, parent.name, parent.children.name, status.state.short"
    try:
        for limit in (5, 120):
            statements.clear()
            server.query(f"select {paths} from Shot limit {limit}")
            counts.append(len(statements))
    finally:
        server.connection.set_trace_callback(None)
    assert counts[0] == counts[1] <= 6  # the query itself, then one per relation level


def test_unknown_things_are_validation_errors(server: Server, tree: dict[str, Any]) -> None:
    for expression in (
        "select name from Nope",
        "select nope from Shot",
        "Shot where nope is 1",
        "Shot where parent.nope is 1",
        "Shot where parent any (name is x)",
        "Shot where children has (name is x)",
        "Shot where name in (select name, id from Shot)",
        "Shot where bid is abc",
        'Shot where created_at before "yesterday"',
        "Shot where",
        "select count(parent.name) from Shot",
        "select name, count(id) from Shot group by children",
    ):
        result = server.handle([{"action": "query", "expression": expression}])
        assert isinstance(result, dict), expression
        assert result["exception"] == "ValidationError", (expression, result)
        assert result["content"]


def test_recorded_schema_queries(recorded_server: Server) -> None:
    from tests.server.server_helpers import make_call

    call = make_call(recorded_server)
    project = create(call, "Project", name="p")
    shot = create(call, "Shot", name="sh", parent=ref(project))
    task = create(call, "Task", name="t", parent=ref(shot))
    (row,) = query(call, 'select name, parent.name from Task where parent.name like "s%"')
    assert row["id"] == task["id"]
    assert row["parent"]["name"] == "sh"
    assert set(row) >= {"context_type", "object_type_id", "project_id"}
    statuses = query(call, "select name, state.short from Status")
    assert statuses[0]["state"]["short"] == "NOT_STARTED"
    assert all(s["state"]["__entity_type__"] == "State" for s in statuses)


def test_link_is_the_path_from_the_project(call: Call, tree: dict[str, Any]) -> None:
    (task,) = query(call, 'select link from Task where name is "animation"')
    assert [(item["name"], item["type"]) for item in task["link"]] == [
        ("alpha", "Project"),
        ("sq01", "Sequence"),
        ("sh010", "Shot"),
        ("animation", "Task"),
    ]
    assert [item["id"] for item in task["link"]][-1] == task["id"]


def test_denormalize_repeats_entities(server: Server, tree: dict[str, Any]) -> None:
    text = "select name, parent.name from Shot where parent.name is sq01"
    result = server.handle([{"action": "query", "expression": text}], denormalize=True)
    assert isinstance(result, list)
    rows = result[0]["data"]
    assert [row["parent"]["name"] for row in rows] == ["sq01", "sq01"]
    # an entity that would contain itself is still cut with a reference
    text = 'select parent.children.name from Shot where name is "sh010"'
    result = server.handle([{"action": "query", "expression": text}], denormalize=True)
    assert isinstance(result, list)
    (shot,) = result[0]["data"]
    assert shot["parent"]["children"][0] == {"__entity_type__": "Shot", "id": shot["id"]}


def test_aggregates_and_group_by(call: Call, tree: dict[str, Any]) -> None:
    result = call(
        {
            "action": "query",
            "expression": "select parent_id, count(id) from Shot group by parent_id "
            "order by parent_id",
        }
    )[0]
    counts = {row["parent_id"]: row["count_id"] for row in result["data"]}
    assert counts == {tree["sq01"]["id"]: 2, tree["sq02"]["id"]: 1}
    assert result["metadata"]["next"]["offset"] is None
    (total,) = query(call, 'select count(id), max(name) from TypedContext where name like "s%"')
    assert total == {"count_id": 5, "max_name": "sq02"}
