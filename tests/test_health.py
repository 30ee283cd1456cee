"""Health and coaching through the API: a week of body metrics and its trend, meals against daily
targets beside each workout's estimated energy, progress photos (multipart upload, GridFS, signed
links, EXIF removed) seen by the coach and not by a stranger, and a coaching session with action
items; and the bad input of each, which stores nothing."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import text

from documents import photos as files
from resolvers.ids import encode_id, parse_global_id
from tests.conversations import app_on
from tests.stories import exercise_id, upload_photo
from tests.test_authorization import FROM_START, coach_of, subscribe
from tests.test_conversation_faults import mongo_process  # noqa: F401 - a fixture

def utc_today():
    """The users below live in UTC (asked at each use: a run may cross midnight)."""
    return datetime.now(UTC).date()
PROFILE = """mutation($i: UpdateHealthProfileInput!) { updateHealthProfile(input: $i) {
  profile { height heightIn: height(unit: IN) calorieTarget proteinTarget } } }"""
LOG_METRICS = """mutation($i: LogBodyMetricsInput!) { logBodyMetrics(input: $i) { bodyMetrics {
  id date weight weightLb: weight(unit: LB) bodyFat leanBodyMass fatMass bmi bloodPressure restingHeartRate energy mood
  measurements { waist waistIn: waist(unit: IN) neck } notes } } }"""
METRICS = """query($r: StatsRange, $first: Int, $after: String) { viewer { bodyMetrics(range: $r, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { date weight } } } } }"""
TREND = """query($r: StatsRange!) { viewer { bodyMetricsTrend(range: $r) {
  points { date weight movingAverage } weightChange weightChangeLb: weightChange(unit: LB) bodyFatChange } } }"""
LOG_MEAL = """mutation($i: LogMealInput!) { logMeal(input: $i) { meal {
  id date time mealType calories protein carbs fat water waterOz: water(unit: FL_OZ) foods adherence
  macroCalories { protein carbs fat total } macroRatio } } }"""
NUTRITION = """query($r: StatsRange!) { viewer { stats(range: $r) { nutrition {
  date meals calories protein carbs fat water calorieTarget proteinTarget calorieTargetPercent caloriesBurned energyBalance macroRatio
} } } }"""
START = "mutation($i: StartWorkoutInput!) { startWorkout(input: $i) { session { id } } }"
LOG_SET = "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }"
FINISH = """mutation($i: FinishWorkoutInput!) { finishWorkout(input: $i) { session { id
  energy { calories met minutes bodyWeight bodyWeightMeasured } } } }"""
UPLOAD = """mutation($i: UploadProgressPhotoInput!) { uploadProgressPhoto(input: $i) { photo {
  id date kind weight bodyFat sharedWithCoach contentType width height sizeBytes url thumbnailUrl } } }"""
PHOTO = "query($id: ID!) { node(id: $id) { ... on ProgressPhoto { id url thumbnailUrl sharedWithCoach } } }"
PHOTOS = "query($id: ID!) { node(id: $id) { ... on User { progressPhotos { totalCount edges { node { id } } } } } }"
CREATE_SESSION = """mutation($i: CreateCoachingSessionInput!) { createCoachingSession(input: $i) { session {
  id date topics nextSessionDate daysUntilNextSession completed rating coachUsername athlete { id }
  actionItems { id text dueDate done isOverdue } overdueActionItems { text } } } }"""
UPDATE_SESSION = """mutation($i: UpdateCoachingSessionInput!) { updateCoachingSession(input: $i) { session {
  id completed completionNotes actionItems { text } } } }"""
RATE = "mutation($s: ID!, $r: Int!) { rateCoachingSession(input: {sessionId: $s, rating: $r}) { session { rating } } }"
TICK = "mutation($a: ID!) { setActionItemDone(input: {actionItemId: $a}) { actionItem { done doneAt isOverdue } } }"
MY_SESSIONS = "{ viewer { coachingSessions { totalCount edges { node { id rating actionItems { done } } } } } }"
FEED = """subscription($after: String) { activityFeed(after: $after) { __typename
  ... on CoachingSessionChanged { change coachingSession { id topics } } } }"""


def week(days_back: int) -> str:
    return (utc_today() - timedelta(days=days_back)).isoformat()


def code_and_field(error: dict) -> tuple[str, str | None]:
    return error["extensions"]["code"], error["extensions"].get("field")


# --- body metrics -----------------------------------------------------------------------------


async def test_a_week_of_metrics_one_entry_a_day_with_derived_figures_and_the_trend(client, register):
    user = await register()
    await client.data(PROFILE, {"i": {"height": 180, "calorieTarget": 2500}}, user.token)
    weights = [82.0, 81.6, 81.8, 81.0, 80.6, 80.8, 80.2]  # six days ago .. today
    for back, weight in zip(range(6, -1, -1), weights):
        await client.data(LOG_METRICS, {"i": {"date": week(back), "weight": weight}}, user.token)
    # Today again: the day's one entry is updated (given fields replace, the others stay).
    today = (await client.data(LOG_METRICS, {"i": {"bodyFat": 20, "restingHeartRate": 58, "bloodPressure": {"systolic": 120, "diastolic": 80},
                                                  "energy": 7, "mood": 8, "measurements": {"waist": 32, "neck": 15}, "lengthUnit": "IN",
                                                  "notes": "After a rest day"}}, user.token))["logBodyMetrics"]["bodyMetrics"]
    assert today["date"] == utc_today().isoformat() and today["weight"] == 80.2 and today["weightLb"] == 176.81
    assert (today["leanBodyMass"], today["fatMass"]) == (64.16, 16.04)
    assert today["bmi"] == 24.8  # 80.2 / 1.8²
    assert today["bloodPressure"] == "120/80" and today["restingHeartRate"] == 58
    assert today["measurements"] == {"waist": 81.3, "waistIn": 32.01, "neck": 38.1}
    listed = (await client.data(METRICS, {"first": 3}, user.token))["viewer"]["bodyMetrics"]
    assert listed["totalCount"] == 7 and [e["node"]["date"] for e in listed["edges"]] == [week(0), week(1), week(2)]
    rest = (await client.data(METRICS, {"first": 10, "after": listed["pageInfo"]["endCursor"]}, user.token))["viewer"]["bodyMetrics"]
    assert [e["node"]["date"] for e in rest["edges"]] == [week(b) for b in range(3, 7)] and not rest["pageInfo"]["hasNextPage"]
    ranged = (await client.data(METRICS, {"r": {"from": week(2), "to": week(1)}}, user.token))["viewer"]["bodyMetrics"]
    assert ranged["totalCount"] == 2

    trend = (await client.data(TREND, {"r": {"from": week(6), "to": week(0)}}, user.token))["viewer"]["bodyMetricsTrend"]
    assert [p["weight"] for p in trend["points"]] == weights
    assert trend["points"][-1]["movingAverage"] == round(sum(weights) / 7, 3)
    assert trend["points"][1]["movingAverage"] == round((82.0 + 81.6) / 2, 3)
    assert trend["weightChange"] == -1.8 and trend["weightChangeLb"] == -3.97
    assert trend["bodyFatChange"] is None  # one body-fat entry only


@pytest.mark.parametrize(("given", "field"), [
    ({"restingHeartRate": 250}, "restingHeartRate"),
    ({"restingHeartRate": 20}, "restingHeartRate"),
    ({"bloodPressure": {"systolic": 300, "diastolic": 80}}, "bloodPressure.systolic"),
    ({"bloodPressure": {"systolic": 120, "diastolic": 30}}, "bloodPressure.diastolic"),
    ({"bloodPressure": {"systolic": 80, "diastolic": 90}}, "bloodPressure.systolic"),
    ({"energy": 11}, "energy"),
    ({"mood": 0}, "mood"),
    ({"sleepQuality": 12}, "sleepQuality"),
    ({"stress": -1}, "stress"),
    ({"bodyFat": 90}, "bodyFat"),
    ({"weight": 1000, "weightUnit": "LB"}, "weight"),
    ({"date": (utc_today() + timedelta(days=5)).isoformat()}, "date"),
])
async def test_out_of_range_metrics_are_refused_with_their_field_and_nothing_is_stored(client, register, given, field):
    user = await register()
    await client.data(LOG_METRICS, {"i": {"date": week(0), "weight": 80, "energy": 5}}, user.token)
    error = await client.error(LOG_METRICS, {"i": {"date": week(0), "restingHeartRate": 60, **given}}, user.token)
    assert code_and_field(error) == ("BAD_USER_INPUT", field), error
    (entry,) = [e["node"] for e in (await client.data(METRICS, {}, user.token))["viewer"]["bodyMetrics"]["edges"]]
    assert entry == {"date": week(0), "weight": 80.0}  # unchanged, and no second entry


async def test_the_database_holds_the_seeds_checks_too(app, register):
    """Beneath the API's checks: the table's own constraints (what a direct write would meet)."""
    user = await register()
    user_id = parse_global_id(user.id)[1]
    for column, value in (("resting_heart_rate", 300), ("bp_systolic", 20), ("energy", 11), ("stress", 0)):
        async with app.state.sessionmaker() as session:
            with pytest.raises(Exception, match="check constraint"):
                await session.execute(text(f"INSERT INTO body_metrics (user_id, recorded_on, {column}, bp_diastolic) VALUES "
                                           f"(:u, :d, :v, {'60' if column == 'bp_systolic' else 'NULL'})"), {"u": user_id, "d": utc_today(), "v": value})
    async with app.state.sessionmaker() as session:
        with pytest.raises(Exception, match="check constraint"):
            await session.execute(text("INSERT INTO meal_logs (user_id, eaten_on, eaten_at, meal_type, protein_g) VALUES (:u, :d, '12:00', 'lunch', -1)"),
                                  {"u": user_id, "d": utc_today()})
    async with app.state.sessionmaker.begin() as session:
        await session.execute(text("INSERT INTO body_metrics (user_id, recorded_on) VALUES (:u, :d)"), {"u": user_id, "d": utc_today()})
    async with app.state.sessionmaker() as session:
        with pytest.raises(Exception, match="uq_body_metrics_user_day"):
            await session.execute(text("INSERT INTO body_metrics (user_id, recorded_on) VALUES (:u, :d)"), {"u": user_id, "d": utc_today()})


# --- meals and energy -------------------------------------------------------------------------


async def test_meals_against_the_days_targets_beside_the_workouts_energy(client, register):
    user = await register()
    # The workout below is one hour long and ends now: its day (and the meals') is the day it began.
    started = datetime.now(UTC) - timedelta(hours=1)
    day, day_before = started.date().isoformat(), (started.date() - timedelta(days=1)).isoformat()
    await client.data(PROFILE, {"i": {"calorieTarget": 2000, "proteinTarget": 150}}, user.token)
    await client.data(LOG_METRICS, {"i": {"date": day, "weight": 80}}, user.token)
    breakfast = (await client.data(LOG_MEAL, {"i": {"date": day, "time": "07:30:00", "mealType": "BREAKFAST", "calories": 600,
                                                    "protein": 45, "carbs": 60, "fat": 20, "water": 250, "foods": ["Oats", "Eggs"],
                                                    "adherence": "ON_PLAN"}}, user.token))["logMeal"]["meal"]
    assert breakfast["macroCalories"] == {"protein": 180.0, "carbs": 240.0, "fat": 180.0, "total": 600.0}
    assert breakfast["macroRatio"] == "30/40/30" and breakfast["waterOz"] == 8.5 and breakfast["foods"] == ["Oats", "Eggs"]
    await client.data(LOG_MEAL, {"i": {"date": day, "time": "13:00:00", "mealType": "LUNCH", "calories": 900, "protein": 60, "carbs": 100,
                                       "fat": 25, "water": 10, "waterUnit": "FL_OZ"}}, user.token)
    await client.data(LOG_MEAL, {"i": {"date": day_before, "mealType": "DINNER", "calories": 700}}, user.token)

    # One hour of squats, finished with an exertion of 8 (vigorous: MET 6.0): 6.0 × 80 kg × 1 h = 480 kcal.
    squat = await exercise_id(client, "Barbell Squat", user.token)
    session = (await client.data(START, {"i": {"startedAt": started.isoformat()}}, user.token))["startWorkout"]["session"]["id"]
    for _ in range(3):
        await client.data(LOG_SET, {"i": {"sessionId": session, "exerciseId": squat, "reps": 5, "weight": 100}}, user.token)
    energy = (await client.data(FINISH, {"i": {"sessionId": session, "perceivedExertion": 8}}, user.token))["finishWorkout"]["session"]["energy"]
    assert energy["met"] == 6.0 and energy["bodyWeight"] == 80.0 and energy["bodyWeightMeasured"]
    assert 60 <= energy["minutes"] < 61 and abs(energy["calories"] - 480) < 3

    days = (await client.data(NUTRITION, {"r": {"from": day_before, "to": day}}, user.token))["viewer"]["stats"]["nutrition"]
    before, on_the_day = days
    assert (before["date"], before["meals"], before["calories"], before["caloriesBurned"]) == (day_before, 1, 700, 0.0)
    assert (on_the_day["meals"], on_the_day["calories"], on_the_day["protein"], on_the_day["carbs"], on_the_day["fat"]) == (2, 1500, 105.0, 160.0, 45.0)
    assert on_the_day["water"] == 250 + 296 and on_the_day["calorieTarget"] == 2000 and on_the_day["proteinTarget"] == 150.0
    assert on_the_day["calorieTargetPercent"] == 75.0 and on_the_day["caloriesBurned"] == energy["calories"]
    assert on_the_day["energyBalance"] == round(1500 - energy["calories"], 1) and on_the_day["macroRatio"] == "29/44/27"  # 420, 640 and 405 of 1,465 kcal


@pytest.mark.parametrize(("given", "field"), [
    ({"protein": -5}, "protein"), ({"carbs": -1}, "carbs"), ({"fat": -0.5}, "fat"), ({"calories": -100}, "calories"),
    ({"sodium": -1}, "sodium"), ({"satisfaction": 11}, "satisfaction"), ({"hungerBefore": 0}, "hungerBefore"),
    ({"hungerAfter": 42}, "hungerAfter"), ({"foods": ["Rice", " "]}, "foods.1"),
])
async def test_bad_meals_are_refused_with_their_field_and_nothing_is_stored(client, register, given, field):
    user = await register()
    error = await client.error(LOG_MEAL, {"i": {"mealType": "SNACK", "calories": 200, **given}}, user.token)
    assert code_and_field(error) == ("BAD_USER_INPUT", field), error
    assert (await client.data("{ viewer { meals { totalCount } } }", token=user.token))["viewer"]["meals"]["totalCount"] == 0


async def test_a_workout_without_logged_weight_uses_the_stated_default(client, register):
    user = await register()
    squat = await exercise_id(client, "Barbell Squat", user.token)
    session = (await client.data(START, {"i": {}}, user.token))["startWorkout"]["session"]["id"]
    await client.data(LOG_SET, {"i": {"sessionId": session, "exerciseId": squat, "reps": 5, "weight": 60}}, user.token)
    energy = (await client.data(FINISH, {"i": {"sessionId": session}}, user.token))["finishWorkout"]["session"]["energy"]
    assert energy["bodyWeight"] == 70.0 and not energy["bodyWeightMeasured"] and energy["met"] == 5.0  # unrated: moderate


# --- progress photos --------------------------------------------------------------------------

GPS_MAKER = "SecretCam"


def jpeg_with_location(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (180, 120, 90))
    exif = Image.Exif()
    exif[0x010F] = GPS_MAKER  # camera maker
    exif[0x0112] = 6  # orientation: turn it upright
    exif[0x8825] = {1: "N", 2: (32.0, 4.0, 55.0), 3: "E", 4: (34.0, 46.0, 51.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def image_bytes(fmt: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, fmt)
    return out.getvalue()


async def upload(client, token: str, data: bytes, filename: str = "me.jpg", content_type: str = "image/jpeg", **fields) -> dict:
    return await upload_photo(client, token, data, filename, content_type, document=UPLOAD, **fields)


async def get_file(client, url: str):
    return await client.http.get(url.removeprefix("http://testserver"))


async def gridfs_files(app) -> int:
    return await files.count(app.state.documents)


async def test_a_photo_is_uploaded_without_its_location_and_seen_by_the_coach_not_a_stranger(app, client, register):
    athlete, coach, stranger = await register(), await register(role="COACH"), await register(role="COACH")
    await coach_of(client, coach, athlete)
    await client.data(LOG_METRICS, {"i": {"weight": 75.5, "bodyFat": 15}}, athlete.token)
    before = await gridfs_files(app)
    body = await upload(client, athlete.token, jpeg_with_location(), kind="SIDE", sharedWithCoach=True, notes="Week 1")
    assert not body.get("errors"), body
    photo = body["data"]["uploadProgressPhoto"]["photo"]
    assert (photo["kind"], photo["weight"], photo["bodyFat"], photo["contentType"]) == ("SIDE", 75.5, 15.0, "image/jpeg")
    assert (photo["width"], photo["height"]) == (480, 640)  # turned upright by its orientation
    assert await gridfs_files(app) == before + 2  # the image and its thumbnail

    served = await get_file(client, photo["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert GPS_MAKER.encode() not in served.content and b"Exif" not in served.content
    image = Image.open(io.BytesIO(served.content))
    assert dict(image.getexif()) == {} and image.size == (480, 640)
    thumb = await get_file(client, photo["thumbnailUrl"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.content)).size) <= 320

    # The coach reads it (and gets links of their own); a stranger does not, and cannot use the athlete's link as theirs.
    seen = (await client.data(PHOTO, {"id": photo["id"]}, coach.token))["node"]
    assert (await get_file(client, seen["url"])).status_code == 200
    refused = await client.execute(PHOTO, {"id": photo["id"]}, stranger.token)
    assert refused["data"]["node"] is None and refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    stranger_id = str(parse_global_id(stranger.id)[1])
    athlete_id = str(parse_global_id(athlete.id)[1])
    forged = photo["url"].replace(athlete_id, stranger_id)
    assert (await get_file(client, forged)).status_code == 404
    expired = photo["url"].split("&expires=")[0] + "&expires=1&sig=" + photo["url"].split("&sig=")[1]
    assert (await get_file(client, expired)).status_code == 404

    # Made private: the coach's list and node lose it, and the coach's link stops at once.
    await client.data('mutation($p: ID!) { updateProgressPhoto(input: {photoId: $p, sharedWithCoach: false}) { photo { id } } }',
                      {"p": photo["id"]}, athlete.token)
    assert (await client.data(PHOTOS, {"id": athlete.id}, coach.token))["node"]["progressPhotos"]["totalCount"] == 0
    assert (await client.data(PHOTOS, {"id": athlete.id}, athlete.token))["node"]["progressPhotos"]["totalCount"] == 1
    assert (await client.execute(PHOTO, {"id": photo["id"]}, coach.token))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await get_file(client, seen["url"])).status_code == 404

    # Deleting it deletes its files.
    deleted = await client.data('mutation($p: ID!) { deleteProgressPhoto(input: {photoId: $p}) { deletedPhotoId } }', {"p": photo["id"]},
                                athlete.token)
    assert deleted["deleteProgressPhoto"]["deletedPhotoId"] == photo["id"]
    assert await gridfs_files(app) == before
    assert (await get_file(client, photo["url"])).status_code == 404


@pytest.mark.parametrize(("data", "filename", "content_type", "why"), [
    (image_bytes("GIF"), "me.jpg", "image/jpeg", "GIF"),  # a GIF disguised as a JPEG
    (b"<?php echo 'hi'; ?>" * 20, "me.png", "image/png", "not a readable"),
    (image_bytes("PNG"), "me.jpg", "image/jpeg", "its content is image/png"),  # a PNG sent as a JPEG
    (image_bytes("JPEG")[:200], "me.jpg", "image/jpeg", "not a readable"),  # truncated
    (b"", "me.jpg", "image/jpeg", "empty"),
])
async def test_wrong_or_disguised_files_are_refused_and_nothing_is_stored(app, client, register, data, filename, content_type, why):
    user = await register()
    before = await gridfs_files(app)
    body = await upload(client, user.token, data, filename, content_type)
    (error,) = body["errors"]
    assert code_and_field(error) == ("BAD_USER_INPUT", "file") and why in error["message"], error
    assert await gridfs_files(app) == before
    assert (await client.data(PHOTOS, {"id": user.id}, user.token))["node"]["progressPhotos"]["totalCount"] == 0


async def test_a_file_given_as_a_json_value_is_refused(client, register):
    user = await register()
    error = await client.error(UPLOAD, {"i": {"file": "not a file part"}}, user.token)
    assert code_and_field(error) == ("BAD_USER_INPUT", "file") and "multipart" in error["message"]


async def test_an_oversize_upload_is_refused(app, client, register):
    user = await register()
    before = await gridfs_files(app)
    oversize = image_bytes("PNG") + b"\0" * (10 * 1024 * 1024)
    body = await upload(client, user.token, oversize, "big.png", "image/png")
    assert code_and_field(body["errors"][0]) == ("BAD_USER_INPUT", "file") and "10 MB" in body["errors"][0]["message"]
    far_too_big = await client.http.post("/graphql", data={"operations": "{}", "map": "{}"},
                                         files={"0": ("huge.png", b"\0" * (12 * 1024 * 1024), "image/png")},
                                         headers={"Authorization": f"Bearer {user.token}"})
    assert far_too_big.status_code == 413 and far_too_big.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert await gridfs_files(app) == before


async def test_no_orphan_file_when_the_metadata_write_fails(app, client, register):
    """PostgreSQL refuses the row (a constraint this test adds for a moment): the files already in GridFS go again."""
    user = await register()
    before = await gridfs_files(app)
    async with app.state.sessionmaker.begin() as session:
        await session.execute(text("ALTER TABLE progress_photos ADD CONSTRAINT test_refuse_notes CHECK (notes IS DISTINCT FROM 'refuse me') NOT VALID"))
    try:
        body = await upload(client, user.token, image_bytes("JPEG"), notes="refuse me")
    finally:
        async with app.state.sessionmaker.begin() as session:
            await session.execute(text("ALTER TABLE progress_photos DROP CONSTRAINT test_refuse_notes"))
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await gridfs_files(app) == before
    assert (await client.data(PHOTOS, {"id": user.id}, user.token))["node"]["progressPhotos"]["totalCount"] == 0


async def test_no_orphan_row_when_the_file_write_fails(settings, mongo_process, register, app):  # noqa: F811
    """MongoDB is down: the upload answers SERVICE_UNAVAILABLE and PostgreSQL holds no row for it."""
    user = await register()
    import httpx

    from tests.conftest import GraphQLClient

    async with app_on(settings, mongo_process.url("photos_down")) as other:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://testserver") as http:
            down = GraphQLClient(http)
            mongo_process.stop()
            body = await upload(down, user.token, image_bytes("JPEG"))
            assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(text("SELECT count(*) FROM progress_photos WHERE user_id = :u"),
                                      {"u": parse_global_id(user.id)[1]})).scalar()
    assert rows == 0


# --- coaching sessions ------------------------------------------------------------------------


async def test_a_coaching_session_with_action_items_rated_and_ticked_by_the_athlete(client, register, app_servers):
    athlete, coach, stranger = await register(), await register(role="COACH"), await register(role="COACH")
    relationship = await coach_of(client, coach, athlete)
    i = {"athleteId": athlete.id, "date": week(1), "durationMinutes": 45, "topics": ["Sleep", "Squat depth"],
         "discussionNotes": "Bedtime routine", "coachFeedback": "Good progress",
         "actionItems": [{"text": "Lights out by 23:00", "dueDate": week(0)}, {"text": "Film a squat", "dueDate": week(1)}],
         "nextSessionDate": (utc_today() + timedelta(days=3)).isoformat()}
    created = (await client.data(CREATE_SESSION, {"i": i}, coach.token))["createCoachingSession"]["session"]
    assert created["daysUntilNextSession"] == 3 and created["coachUsername"] == coach.username and created["athlete"]["id"] == athlete.id
    assert [a["isOverdue"] for a in created["actionItems"]] == [False, True]  # due today: not yet; due yesterday: overdue
    assert created["overdueActionItems"] == [{"text": "Film a squat"}]

    # The athlete got a live event, reads the session, rates it and ticks an item.
    feed = await subscribe(app_servers[0].url, athlete.token, FEED, {"after": FROM_START})
    changes = [e["activityFeed"] for e in feed["data"] if e["activityFeed"]["__typename"] == "CoachingSessionChanged"]
    assert changes == [{"__typename": "CoachingSessionChanged", "change": "SCHEDULED", "coachingSession": {"id": created["id"], "topics": ["Sleep", "Squat depth"]}}]
    assert (await client.data(RATE, {"s": created["id"], "r": 9}, athlete.token))["rateCoachingSession"]["session"]["rating"] == 9
    ticked = (await client.data(TICK, {"a": created["actionItems"][1]["id"]}, athlete.token))["setActionItemDone"]["actionItem"]
    assert ticked["done"] and ticked["doneAt"] and not ticked["isOverdue"]
    mine = (await client.data(MY_SESSIONS, token=athlete.token))["viewer"]["coachingSessions"]
    assert mine["totalCount"] == 1 and mine["edges"][0]["node"]["actionItems"] == [{"done": False}, {"done": True}]

    # The coach closes it and adds an item; the athlete hears of it.
    update = {"sessionId": created["id"], "completed": True, "completionNotes": "Done", "addActionItems": [{"text": "Deload week"}]}
    closed = (await client.data(UPDATE_SESSION, {"i": update}, coach.token))["updateCoachingSession"]["session"]
    assert closed["completed"] and [a["text"] for a in closed["actionItems"]] == ["Lights out by 23:00", "Film a squat", "Deload week"]
    feed = await subscribe(app_servers[0].url, athlete.token, FEED, {"after": FROM_START})
    assert [e["activityFeed"]["change"] for e in feed["data"] if e["activityFeed"]["__typename"] == "CoachingSessionChanged"] == ["SCHEDULED", "UPDATED"]

    # Each side writes only its own part; a stranger nothing.
    assert code_and_field(await client.error(RATE, {"s": created["id"], "r": 5}, coach.token)) == ("NOT_FOUND", None)
    assert code_and_field(await client.error(UPDATE_SESSION, {"i": {"sessionId": created["id"], "completed": False}}, athlete.token)) == ("NOT_FOUND", "sessionId")
    assert code_and_field(await client.error(CREATE_SESSION, {"i": i}, stranger.token)) == ("NOT_FOUND", "athleteId")
    assert code_and_field(await client.error(RATE, {"s": created["id"], "r": 11}, athlete.token)) == ("BAD_USER_INPUT", "rating")
    assert code_and_field(await client.error(CREATE_SESSION, {"i": {**i, "nextSessionDate": week(3)}}, coach.token)) == ("BAD_USER_INPUT", "nextSessionDate")
    assert code_and_field(await client.error(CREATE_SESSION, {"i": {**i, "durationMinutes": 0}}, coach.token)) == ("BAD_USER_INPUT", "durationMinutes")

    # Once the coaching ends, the coach neither reads nor writes the athlete's sessions.
    await client.data("mutation($i: ID!) { endCoaching(input: {relationshipId: $i}) { relationship { status } } }", {"i": relationship}, athlete.token)
    assert code_and_field(await client.error(UPDATE_SESSION, {"i": {"sessionId": created["id"], "completed": False}}, coach.token)) == ("NOT_FOUND", "sessionId")
    assert code_and_field(await client.error(CREATE_SESSION, {"i": i}, coach.token)) == ("NOT_FOUND", "athleteId")
    gone = await client.execute("query($id: ID!) { node(id: $id) { id } }", {"id": created["id"]}, coach.token)
    assert gone["data"]["node"] is None
    assert (await client.data(MY_SESSIONS, token=athlete.token))["viewer"]["coachingSessions"]["totalCount"] == 1


async def test_a_coaching_session_needs_an_accepted_relationship(client, register):
    athlete, coach = await register(), await register(role="COACH")
    await client.data("mutation($a: String!) { inviteAthlete(input: {athlete: $a}) { relationship { id } } }", {"a": athlete.username}, coach.token)
    error = await client.error(CREATE_SESSION, {"i": {"athleteId": athlete.id, "date": week(0)}}, coach.token)  # invited, not accepted
    assert code_and_field(error) == ("NOT_FOUND", "athleteId")
    assert (await client.data(MY_SESSIONS, token=athlete.token))["viewer"]["coachingSessions"]["totalCount"] == 0
    error = await client.error(CREATE_SESSION, {"i": {"athleteId": encode_id("User", uuid.uuid4()), "date": week(0)}}, coach.token)
    assert code_and_field(error) == ("NOT_FOUND", "athleteId")


@pytest.mark.parametrize(("form", "with_file"), [
    ({"operations": "{not json", "map": "{}"}, True),
    ({"operations": json.dumps({"query": UPLOAD, "variables": {"i": {"file": None}}}), "map": json.dumps({"1": ["variables.i.file"]})}, True),
    ({"operations": json.dumps({"query": UPLOAD, "variables": {"i": {"file": None}}}), "map": json.dumps({"0": ["variables.x.y.z"]})}, True),
    ({"operations": json.dumps({"query": UPLOAD, "variables": {"i": {"file": None}}}), "map": json.dumps(["0"])}, True),
    ({"operations": "[1, 2]", "map": "{}"}, False),
])
async def test_a_multipart_body_of_the_wrong_shape_is_the_clients_400(client, register, form, with_file):
    user = await register()
    files = {"0": ("me.jpg", image_bytes("JPEG"), "image/jpeg")} if with_file else {"x": ("x.txt", b"x", "text/plain")}
    response = await client.http.post("/graphql", data=form, files=files, headers={"Authorization": f"Bearer {user.token}"})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    broken = await client.http.post("/graphql", content=b"\x00--x", headers={"content-type": "multipart/form-data; boundary=x"})
    assert broken.status_code == 400 and broken.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


GOAL = """mutation($i: CreateGoalInput!) { createGoal(input: $i) { goal { id kind status target
  progress { current currentLb: current(unit: LB) target percent remaining baseline } } } }"""
GOAL_READ = "query($id: ID!) { node(id: $id) { ... on Goal { status completedAt progress { current percent remaining } } } }"


async def test_body_weight_and_body_fat_goals_complete_from_the_metrics(client, register):
    user = await register()
    error = await client.error(GOAL, {"i": {"kind": "BODY_WEIGHT", "title": "Cut", "target": 80, "targetDate": week(-30)}}, user.token)
    assert code_and_field(error) == ("BAD_USER_INPUT", "kind") and "logBodyMetrics" in error["message"]

    await client.data(LOG_METRICS, {"i": {"date": week(3), "weight": 82.5, "bodyFat": 20}}, user.token)
    cut = (await client.data(GOAL, {"i": {"kind": "BODY_WEIGHT", "title": "Cut", "target": 80, "targetDate": week(-30)}}, user.token))["createGoal"]["goal"]
    assert cut["status"] == "ACTIVE" and cut["progress"]["baseline"] == 82.5 and cut["progress"]["current"] == 82.5
    assert cut["progress"]["percent"] == 0.0 and cut["progress"]["remaining"] == 2.5
    bulk = (await client.data(GOAL, {"i": {"kind": "BODY_FAT", "title": "Less fat", "target": 17, "timeframe": "MONTHLY"}}, user.token))["createGoal"]["goal"]
    assert bulk["progress"]["baseline"] == 20.0

    await client.data(LOG_METRICS, {"i": {"weight": 81.5}}, user.token)  # today: a kilogram down, not there yet
    progress = (await client.data(GOAL_READ, {"id": cut["id"]}, user.token))["node"]
    assert progress["status"] == "ACTIVE" and progress["progress"] == {"current": 81.5, "percent": 40.0, "remaining": 1.5}
    await client.data(LOG_METRICS, {"i": {"weight": 176, "weightUnit": "LB"}}, user.token)  # 79.83 kg: reached
    done = (await client.data(GOAL_READ, {"id": cut["id"]}, user.token))["node"]
    assert done["status"] == "COMPLETED" and done["completedAt"] and done["progress"]["percent"] == 100.0 and done["progress"]["remaining"] == 0.0
    assert (await client.data(GOAL_READ, {"id": bulk["id"]}, user.token))["node"]["status"] == "ACTIVE"  # body fat not logged since
    await client.data(LOG_METRICS, {"i": {"bodyFat": 16.8}}, user.token)
    assert (await client.data(GOAL_READ, {"id": bulk["id"]}, user.token))["node"]["status"] == "COMPLETED"
    # The goals completed are announced on the activity feed like any other.
    events = await client.data("{ viewer { goals(status: COMPLETED) { totalCount } } }", token=user.token)
    assert events["viewer"]["goals"]["totalCount"] == 2


async def test_a_body_weight_goal_upwards(client, register):
    user = await register()
    await client.data(LOG_METRICS, {"i": {"weight": 70}}, user.token)
    gain = (await client.data(GOAL, {"i": {"kind": "BODY_WEIGHT", "title": "Bulk", "target": 74, "timeframe": "MONTHLY"}}, user.token))["createGoal"]["goal"]
    await client.data(LOG_METRICS, {"i": {"weight": 71}}, user.token)
    progress = (await client.data(GOAL_READ, {"id": gain["id"]}, user.token))["node"]
    assert progress["status"] == "ACTIVE" and progress["progress"] == {"current": 71.0, "percent": 25.0, "remaining": 3.0}
    error = await client.error(GOAL, {"i": {"kind": "BODY_FAT", "title": "x", "target": 90, "timeframe": "MONTHLY"}}, user.token)
    assert code_and_field(error) == ("BAD_USER_INPUT", "target")


HEALTH_PAGE = """{ viewer { healthProfile { height }
  bodyMetrics(first: 50) { totalCount edges { node { weight bmi bloodPressure measurements { waist } } } }
  meals(first: 50) { edges { node { calories macroRatio } } }
  workoutSessions(first: 50) { edges { node { energy { calories } } } }
  coachingSessions(first: 50) { edges { node { athlete { id } actionItems { text isOverdue } overdueActionItems { text } } } } } }"""


async def test_statement_count_does_not_grow_with_the_rows(client, register, sql_counter, capsys):
    """Each list and what hangs off it is one batched statement, whether a user has a few rows or many."""
    squat = None
    counts = []
    for days in (2, 12):
        athlete, coach = await register(), await register(role="COACH")
        await coach_of(client, coach, athlete)
        await client.data(PROFILE, {"i": {"height": 175}}, athlete.token)
        squat = squat or await exercise_id(client, "Barbell Squat", athlete.token)
        for back in range(days):
            await client.data(LOG_METRICS, {"i": {"date": week(back), "weight": 80 - back / 10, "bloodPressure": {"systolic": 120, "diastolic": 80}}}, athlete.token)
            await client.data(LOG_MEAL, {"i": {"date": week(back), "calories": 500, "protein": 30, "carbs": 50, "fat": 15}}, athlete.token)
            await client.data(CREATE_SESSION, {"i": {"athleteId": athlete.id, "date": week(back), "actionItems": [{"text": "A", "dueDate": week(back)}]}}, coach.token)
        for _ in range(days // 2):
            session = (await client.data(START, {"i": {}}, athlete.token))["startWorkout"]["session"]["id"]
            await client.data(LOG_SET, {"i": {"sessionId": session, "exerciseId": squat, "reps": 5, "weight": 60}}, athlete.token)
            await client.data(FINISH, {"i": {"sessionId": session}}, athlete.token)
        sql_counter.reset()
        data = (await client.data(HEALTH_PAGE, token=athlete.token))["viewer"]
        counts.append(sql_counter.count)
        assert data["bodyMetrics"]["totalCount"] == days and len(data["coachingSessions"]["edges"]) == days
    assert counts[0] == counts[1], counts
    with capsys.disabled():
        print(f"\n[health] one page of metrics, meals, workouts' energy and coaching sessions: {counts[0]} SQL statements for 2 days, {counts[1]} for 12")
