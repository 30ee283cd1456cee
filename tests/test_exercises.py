"""The exercise library: search, filters, languages, pagination, custom exercises."""

from __future__ import annotations

from db.skill_ladder import load_skill_ladder

PAGE = """
query Page($filter: ExerciseFilter, $first: Int, $after: String, $last: Int, $before: String) {
  exercises(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id nameEn primaryMuscles secondaryMuscles category equipment isCustom } }
  }
}
"""

CREATE = """
mutation($input: CreateExerciseInput!) {
  createExercise(input: $input) { exercise { id nameEn isCustom tracking muscleContributions { muscle share } } }
}
"""


async def test_library_is_loaded_and_filters_combine(client):
    everything = (await client.data(PAGE, {"first": 1}))["exercises"]
    assert everything["totalCount"] == 873 + len(load_skill_ladder().exercises)  # the Free Exercise DB and the ladder's steps
    chest = (await client.data(PAGE, {"filter": {"muscle": "CHEST", "equipment": "BARBELL"}, "first": 100}))["exercises"]
    assert 0 < chest["totalCount"] < 873
    for edge in chest["edges"]:
        node = edge["node"]
        assert "CHEST" in node["primaryMuscles"] + node["secondaryMuscles"] and node["equipment"] == "BARBELL"
    squats = (await client.data(PAGE, {"filter": {"search": "squat", "category": "STRENGTH"}, "first": 100}))["exercises"]
    assert squats["totalCount"] > 5
    assert all("squat" in e["node"]["nameEn"].lower() for e in squats["edges"])
    # Wildcards in the search are literal.
    assert (await client.data(PAGE, {"filter": {"search": "%"}}))["exercises"]["totalCount"] == 0


async def test_forward_and_backward_pages_meet(client):
    f = {"filter": {"muscle": "BICEPS"}}
    first = (await client.data(PAGE, {**f, "first": 5}))["exercises"]
    second = (await client.data(PAGE, {**f, "first": 5, "after": first["pageInfo"]["endCursor"]}))["exercises"]
    names = [e["node"]["nameEn"] for e in first["edges"] + second["edges"]]
    assert names == sorted(names) and len(set(names)) == 10
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert second["pageInfo"]["hasPreviousPage"]
    back = (await client.data(PAGE, {**f, "last": 5, "before": second["edges"][0]["cursor"]}))["exercises"]
    assert [e["node"]["id"] for e in back["edges"]] == [e["node"]["id"] for e in first["edges"]]
    assert not back["pageInfo"]["hasPreviousPage"]
    total = first["totalCount"]
    tail = (await client.data(PAGE, {**f, "last": 3}))["exercises"]
    assert len(tail["edges"]) == 3 and tail["pageInfo"]["hasPreviousPage"] and total > 3


async def test_names_follow_lang_then_viewer_language(client, register):
    query = """query($id: ID!) { exercise(id: $id) { name en: name(lang: EN) he: name(lang: HE) nameHe } }"""
    squat = (await client.data(PAGE, {"filter": {"search": "Barbell Squat"}, "first": 1}))["exercises"]["edges"][0]["node"]
    anonymous = (await client.data(query, {"id": squat["id"]}))["exercise"]
    assert anonymous["name"] == anonymous["en"] == "Barbell Squat"
    assert anonymous["he"] == anonymous["nameHe"] and any("\u0590" <= ch <= "\u05ff" for ch in anonymous["he"])
    hebrew_reader = await register(language="HE")
    assert (await client.data(query, {"id": squat["id"]}, hebrew_reader.token))["exercise"]["name"] == anonymous["he"]


async def test_custom_exercises_are_private(client, register):
    owner, stranger = await register(), await register()
    created = (await client.data(CREATE, {"input": {
        "name": "Zercher Pause Squat", "primaryMuscles": ["QUADRICEPS"], "secondaryMuscles": ["GLUTES", "QUADRICEPS"],
        "movementPattern": "SQUAT", "muscleContributions": [{"muscle": "GLUTES", "share": 0.75}],
    }}, owner.token))["createExercise"]["exercise"]
    assert created["isCustom"] and created["tracking"] == "WEIGHT_REPS"
    assert created["muscleContributions"] == [{"muscle": "QUADRICEPS", "share": 1.0}, {"muscle": "GLUTES", "share": 0.75}]
    search = {"filter": {"search": "Zercher Pause"}}
    assert (await client.data(PAGE, search, owner.token))["exercises"]["totalCount"] == 1
    assert (await client.data(PAGE, search, stranger.token))["exercises"]["totalCount"] == 0
    assert (await client.data(PAGE, search))["exercises"]["totalCount"] == 0
    error = await client.error("query($id: ID!) { exercise(id: $id) { id } }", {"id": created["id"]}, stranger.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    duplicate = await client.error(CREATE, {"input": {"name": "zercher pause squat", "primaryMuscles": ["QUADRICEPS"]}}, owner.token)
    assert duplicate["extensions"] == {"code": "BAD_USER_INPUT", "field": "name"}
    # A stranger cannot plan it either.
    program = await client.error(
        "mutation($input: CreateProgramInput!) { createProgram(input: $input) { program { id } } }",
        {"input": {"name": "p", "days": [{"name": "d", "exercises": [{"exerciseId": created["id"]}]}]}},
        stranger.token,
    )
    assert program["extensions"]["code"] == "NOT_FOUND"
