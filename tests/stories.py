"""Steps of a user's story, each through the public GraphQL API."""

from __future__ import annotations

from typing import Any

FIND_EXERCISE = """
query Find($search: String!) {
  exercises(filter: {search: $search}, first: 1) { edges { node { id nameEn tracking } } }
}
"""

CREATE_PROGRAM = """
mutation Create($input: CreateProgramInput!) {
  createProgram(input: $input) {
    program { id name days { id name position exercises { id position sets repsMin repsMax targetWeight exercise { id } } } }
  }
}
"""

START_WORKOUT = """
mutation Start($input: StartWorkoutInput!) {
  startWorkout(input: $input) { session { id name status plannedExercises { position sets exercise { id } } } }
}
"""

LOG_SET = """
mutation Log($input: LogSetInput!) {
  logSet(input: $input) {
    created
    setLog { id position reps weight clientId exercise { id nameEn } }
    session { id totals { setCount reps volume } }
  }
}
"""

FINISH = """
mutation Finish($input: FinishWorkoutInput!) {
  finishWorkout(input: $input) { session { id status endedAt } }
}
"""


async def exercise_id(client, search: str, token: str | None = None) -> str:
    data = await client.data(FIND_EXERCISE, {"search": search}, token)
    edges = data["exercises"]["edges"]
    assert edges, f"no exercise matches {search!r}"
    return edges[0]["node"]["id"]


async def create_program(client, token: str, **input: Any) -> dict:
    return (await client.data(CREATE_PROGRAM, {"input": input}, token))["createProgram"]["program"]


async def start_workout(client, token: str, **input: Any) -> dict:
    return (await client.data(START_WORKOUT, {"input": input}, token))["startWorkout"]["session"]


async def log_set(client, token: str, **input: Any) -> dict:
    return (await client.data(LOG_SET, {"input": input}, token))["logSet"]


async def finish(client, token: str, session_id: str) -> dict:
    return (await client.data(FINISH, {"input": {"sessionId": session_id}}, token))["finishWorkout"]["session"]


async def workout_with_sets(client, token: str, exercise: str, sets: int, *, reps: int = 5, weight: float = 100.0) -> str:
    session = await start_workout(client, token, name="Session")
    for i in range(sets):
        await log_set(client, token, sessionId=session["id"], exerciseId=exercise, reps=reps, weight=weight + i)
    await finish(client, token, session["id"])
    return session["id"]


UPLOAD_PHOTO = """
mutation Upload($i: UploadProgressPhotoInput!) {
  uploadProgressPhoto(input: $i) { photo { id date kind weight bodyFat sharedWithCoach contentType width height sizeBytes url thumbnailUrl } }
}
"""


def small_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(out, "JPEG")
    return out.getvalue()


async def upload_photo(client, token: str | None, data: bytes, filename: str = "me.jpg", content_type: str = "image/jpeg",
                       document: str = UPLOAD_PHOTO, variables: dict | None = None, path: str = "variables.i.file", **fields: Any) -> dict:
    """A GraphQL multipart request (the spec's `operations`, `map` and file parts), as a script sends it: the response body."""
    import json

    variables = variables if variables is not None else {"i": {"file": None, **fields}}
    form = {"operations": json.dumps({"query": document, "variables": variables}), "map": json.dumps({"0": [path]})}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.http.post("/graphql", data=form, files={"0": (filename, data, content_type)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
