"""The exercise library loader: vocabularies, derived fields and Hebrew names (no database)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from db import library
from db.library import CATEGORIES, EQUIPMENT, MOVEMENT_PATTERNS, MUSCLES, TRACKING, load_exercise_library

SOURCE = Path("/work/shared/data/exercises.json")


@cache
def rows_by_key() -> dict[str, dict]:
    return {row["source_key"]: row for row in load_exercise_library()}


def row(key: str) -> dict:
    return rows_by_key()[key]


def is_hebrew(text: str) -> bool:
    return any("\u05d0" <= ch <= "\u05ea" for ch in text)


def test_every_exercise_is_loaded_once():
    rows = load_exercise_library()
    assert len(rows) == 873
    assert len({r["source_key"] for r in rows}) == 873


def test_values_stay_in_their_domains():
    keys = {"source_key", "name", "name_he", "category", "movement_pattern", "force", "mechanic", "level",
            "equipment", "primary_muscles", "secondary_muscles", "muscle_contributions", "tags", "tracking"}
    for r in rows_by_key().values():
        assert set(r) == keys
        assert r["category"] in CATEGORIES
        assert r["movement_pattern"] in MOVEMENT_PATTERNS
        assert r["tracking"] in TRACKING
        assert r["equipment"] is None or r["equipment"] in EQUIPMENT
        assert r["force"] in ("push", "pull", "static", None)
        assert r["mechanic"] in ("compound", "isolation", None)
        assert r["level"] in ("beginner", "intermediate", "expert")
        assert r["primary_muscles"] and set(r["primary_muscles"] + r["secondary_muscles"]) <= set(MUSCLES)
        assert not set(r["primary_muscles"]) & set(r["secondary_muscles"])
        assert r["tags"] == sorted(set(r["tags"])) and all(t == t.lower() and " " not in t for t in r["tags"])


def test_muscle_contributions_weigh_primary_over_secondary():
    for r in rows_by_key().values():
        expected = {m: 1.0 for m in r["primary_muscles"]} | {m: 0.5 for m in r["secondary_muscles"]}
        assert r["muscle_contributions"] == expected
    # The source lists quadriceps as both primary and secondary here.
    step_ups = row("Barbell_Step_Ups")
    assert step_ups["muscle_contributions"]["quadriceps"] == 1.0
    assert "quadriceps" not in step_ups["secondary_muscles"]


def test_hebrew_names():
    named = [r for r in rows_by_key().values() if r["name_he"]]
    assert len(named) >= 100
    assert all(is_hebrew(r["name_he"]) for r in named)
    for key in ("Barbell_Squat", "Barbell_Bench_Press_-_Medium_Grip", "Barbell_Deadlift", "Pullups", "Pushups",
                "Standing_Military_Press", "Plank", "Dips_-_Triceps_Version", "Wide-Grip_Lat_Pulldown"):
        assert is_hebrew(row(key)["name_he"]), key


def test_hebrew_file_is_canonical():
    text = library.HEBREW_PATH.read_text(encoding="utf-8")
    names = json.loads(text)
    assert text == json.dumps(names, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert set(names) <= set(rows_by_key())


@pytest.mark.skipif(not SOURCE.exists(), reason="shared source data not available")
def test_shipped_data_is_the_source_file():
    assert library.LIBRARY_PATH.read_bytes() == SOURCE.read_bytes()


@pytest.mark.parametrize(("key", "pattern", "tracking"), [
    ("Barbell_Squat", "squat", "weight_reps"),
    ("Barbell_Walking_Lunge", "squat", "weight_reps"),
    ("Leg_Press", "squat", "weight_reps"),
    ("Calf_Press_On_The_Leg_Press_Machine", "push", "weight_reps"),
    ("Barbell_Deadlift", "hinge", "weight_reps"),
    ("Romanian_Deadlift", "hinge", "weight_reps"),
    ("Barbell_Hip_Thrust", "hinge", "weight_reps"),
    ("One-Arm_Kettlebell_Swings", "hinge", "weight_reps"),
    ("Power_Clean", "hinge", "weight_reps"),
    ("Plank", "core", "duration"),
    ("Side_Bridge", "core", "duration"),
    ("Crunches", "core", "reps"),
    ("Cable_Crunch", "core", "weight_reps"),
    ("Farmers_Walk", "carry", "distance"),
    ("Yoke_Walk", "carry", "distance"),
    ("Sled_Push", "carry", "distance"),
    ("Monster_Walk", "pull", "weight_reps"),
    ("Pullups", "pull", "reps"),
    ("Chin-Up", "pull", "reps"),
    ("Band_Assisted_Pull-Up", "pull", "weight_reps"),
    ("Bent_Over_Barbell_Row", "pull", "weight_reps"),
    ("Pushups", "push", "reps"),
    ("Push-Up_Wide", "push", "reps"),
    ("Barbell_Bench_Press_-_Medium_Grip", "push", "weight_reps"),
    ("Standing_Military_Press", "push", "weight_reps"),
    ("Hamstring_Stretch", "other", "duration"),
    ("Running_Treadmill", "other", "distance_duration"),
    ("Rowing_Stationary", "other", "distance_duration"),
    ("Rope_Jumping", "other", "duration"),
    ("Front_Box_Jump", "push", "reps"),
])
def test_derived_pattern_and_tracking(key, pattern, tracking):
    assert (row(key)["movement_pattern"], row(key)["tracking"]) == (pattern, tracking)


def test_barbell_squat():
    squat = row("Barbell_Squat")
    assert squat["name"] == "Barbell Squat" and is_hebrew(squat["name_he"])
    assert (squat["category"], squat["equipment"], squat["force"]) == ("strength", "barbell", "push")
    assert squat["primary_muscles"] == ["quadriceps"]
    assert squat["muscle_contributions"]["quadriceps"] == 1.0
    assert squat["muscle_contributions"]["glutes"] == 0.5
    assert squat["tags"] == ["barbell", "compound"]


def test_source_spellings_are_normalised():
    assert row("Clean")["category"] == "olympic_weightlifting"
    assert row("EZ-Bar_Curl")["equipment"] == "ez_curl_bar"
    assert row("Pushups")["equipment"] == "body_only" and "bodyweight" in row("Pushups")["tags"]
    assert row("Medicine_Ball_Chest_Pass")["equipment"] == "medicine_ball"
    assert row("Barbell_Deadlift")["primary_muscles"] == ["lower_back"]
    assert "middle_back" in row("Pullups")["secondary_muscles"]
    assert row("Adductor_Groin")["equipment"] is None and row("Adductor_Groin")["mechanic"] is None


def test_tags():
    assert "unilateral" in row("One-Arm_Dumbbell_Row")["tags"]
    assert "unilateral" in row("Single_Leg_Glute_Bridge")["tags"]
    assert "unilateral" not in row("Barbell_Squat")["tags"]
    assert row("Barbell_Curl")["tags"] == ["barbell", "isolation"]
    assert "other" not in row("Farmers_Walk")["tags"]


def exercise(**overrides) -> dict:
    return {"id": "X", "name": "X", "force": "push", "level": "beginner", "mechanic": "compound",
            "equipment": "barbell", "primaryMuscles": ["chest"], "secondaryMuscles": [], "category": "strength",
            **overrides}


@pytest.mark.parametrize("bad", [
    [exercise(category="yoga")],
    [exercise(equipment="trx")],
    [exercise(primaryMuscles=["pecs"])],
    [exercise(secondaryMuscles=["upper back"])],
    [exercise(primaryMuscles=[])],
    [exercise(), exercise()],
])
def test_bad_data_fails_loudly(bad, tmp_path, monkeypatch):
    path = tmp_path / "exercises.json"
    path.write_text(json.dumps(bad))
    monkeypatch.setattr(library, "LIBRARY_PATH", path)
    monkeypatch.setattr(library, "HEBREW_PATH", tmp_path / "he.json")
    (tmp_path / "he.json").write_text("{}")
    with pytest.raises(ValueError):
        load_exercise_library()


def test_hebrew_names_for_unknown_ids_fail(tmp_path, monkeypatch):
    (tmp_path / "he.json").write_text(json.dumps({"No_Such_Exercise": "תרגיל"}))
    monkeypatch.setattr(library, "HEBREW_PATH", tmp_path / "he.json")
    with pytest.raises(ValueError):
        load_exercise_library()


def test_vocabularies_match_the_database_enums():
    from domain import enums

    assert set(CATEGORIES) == {e.value for e in enums.Category}
    assert set(MOVEMENT_PATTERNS) == {e.value for e in enums.MovementPattern}
    assert set(EQUIPMENT) == {e.value for e in enums.Equipment}
    assert set(MUSCLES) == {e.value for e in enums.Muscle}
    assert set(TRACKING) == {e.value for e in enums.Tracking}
