"""`make demo`: a few athletes with months of programs and training history, two weeks of body
metrics and a week of meals each, and a coach (maya) running coaching sessions with sam (see
db/demo_health.py; their progress photos are in server/demo_health.py).

Idempotent: athletes that already exist are left alone. Every demo account's
password is `demo-password`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select

from db.demo_health import add_coach, add_health
from db.engine import create_engine, create_sessionmaker
from db.models import Exercise, Program, ProgramDay, ProgramExercise, SetLog, User, UserSkillLevel, WorkoutSession
from domain.security import hash_password
from domain.training import WORKOUT_POINTS
from resolvers import training

log = logging.getLogger(__name__)
PASSWORD = "demo-password"

# (username, display name, language, timezone, program days: [(day name, [(exercise source key, sets, reps, start kg)])])
ATHLETES = [
    ("dana", "Dana Levi", "he", "Asia/Jerusalem", [
        ("Push Day", [("Barbell_Bench_Press_-_Medium_Grip", 4, 6, 50), ("Standing_Military_Press", 3, 8, 30), ("Dips_-_Triceps_Version", 3, 10, 0)]),
        ("Pull Day", [("Barbell_Deadlift", 3, 5, 80), ("Pullups", 4, 6, 0), ("Bent_Over_Barbell_Row", 3, 8, 45)]),
        ("Leg Day", [("Barbell_Squat", 5, 5, 70), ("Barbell_Lunge", 3, 10, 30), ("Standing_Calf_Raises", 3, 15, 40)]),
    ]),
    ("sam", "Sam Carter", "en", "Europe/London", [
        ("Upper", [("Barbell_Bench_Press_-_Medium_Grip", 5, 5, 80), ("Pullups", 3, 8, 0), ("Standing_Military_Press", 3, 6, 45)]),
        ("Lower", [("Barbell_Squat", 5, 5, 110), ("Barbell_Deadlift", 1, 5, 140), ("Plank", 3, 0, 0)]),
    ]),
    ("noa", "Noa Ben-David", "he", "Asia/Jerusalem", [
        ("Full Body", [("Barbell_Squat", 3, 8, 40), ("Pushups", 3, 12, 0), ("Inverted_Row", 3, 12, 0), ("Bodyweight_Squat", 3, 15, 0)]),
    ]),
]
# Athletes on the skill ladder, by category: noa is mid-ladder (her push-ups and rows meet their
# levels' defaults, so the history masters them; the rest of each level is still to do).
SKILL_LEVELS = {"noa": {"push": 2, "pull": 1, "squat": 1}}
WEEKS = 12


async def _create(sessionmaker, seed: int = 7) -> int:
    rng = random.Random(seed)
    created = 0
    now = datetime.now(timezone.utc).replace(microsecond=0)
    password_hash = hash_password(PASSWORD)
    async with sessionmaker.begin() as session:
        library = {e.source_key: e for e in (await session.execute(select(Exercise).where(Exercise.owner_id.is_(None)))).scalars()}
        for username, display, language, tz, days in ATHLETES:
            if await session.scalar(select(User.id).where(User.username == username)):
                continue
            user = User(email=f"{username}@demo.repgraph.dev", username=username, password_hash=password_hash,
                        display_name=display, language=language, timezone=tz)
            session.add(user)
            await session.flush()
            program = Program(owner_id=user.id, name=f"{display.split()[0]}'s program", frequency=len(days),
                              description="Demo program with weekly progression.")
            session.add(program)
            session.add_all(UserSkillLevel(user_id=user.id, category=c, level=n) for c, n in SKILL_LEVELS.get(username, {}).items())
            await session.flush()
            plan = []
            for position, (day_name, exercises) in enumerate(days):
                day = ProgramDay(program_id=program.id, owner_id=user.id, name=day_name, position=position, weekday=position * 2)
                session.add(day)
                await session.flush()
                for i, (key, sets, reps, kg) in enumerate(exercises):
                    session.add(ProgramExercise(program_day_id=day.id, owner_id=user.id, exercise_id=library[key].id, position=i,
                                                sets=sets, reps_min=reps or None, reps_max=reps or None,
                                                target_weight_kg=Decimal(kg) if kg else None, rest_seconds=120))
                plan.append((day, exercises))
            for week in range(WEEKS):
                for d, (day, exercises) in enumerate(plan):
                    start = now - timedelta(weeks=WEEKS - week, days=-2 * d, hours=rng.randint(0, 3)) + timedelta(hours=7)
                    workout = WorkoutSession(user_id=user.id, program_day_id=day.id, name=day.name, status="completed",
                                             started_at=start, ended_at=start + timedelta(minutes=rng.randint(45, 80)),
                                             perceived_exertion=rng.randint(6, 9))
                    session.add(workout)
                    await session.flush()
                    position = 0
                    for key, sets, reps, kg in exercises:
                        exercise = library[key]
                        for _ in range(sets):
                            weight = Decimal(str(round(kg * (1 + 0.02 * week) / 2.5) * 2.5)) if kg else None
                            session.add(SetLog(
                                session_id=workout.id, user_id=user.id, exercise_id=exercise.id, position=position,
                                set_type="working",
                                reps=None if exercise.tracking == "duration" else max(1, reps - rng.randint(0, 1)),
                                duration_seconds=45 + 5 * week if exercise.tracking == "duration" else None,
                                weight_kg=weight if exercise.tracking == "weight_reps" else None,
                                rpe=Decimal(rng.choice(["7", "7.5", "8", "8.5", "9"])),
                                completed_at=start + timedelta(minutes=3 * position),
                            ))
                            position += 1
                    # The rules the live writes apply, workout by workout, as if it had been logged then.
                    await session.flush()
                    points, count, volume = (await session.execute(
                        select(func.sum(SetLog.points), func.count(), func.sum(SetLog.volume_kg)).where(SetLog.session_id == workout.id)
                    )).one()
                    await training.after_sets(session, user.id, [library[e[0]].id for e in exercises],
                                              training.Delta(points, count, volume), workout.id)
                    await training.after_workout(session, user.id, workout.id, WORKOUT_POINTS)
            await add_health(session, user, rng)
            created += 1
        await add_coach(session, password_hash)  # coaching sam, with sessions and action items
    return created


def load_demo(url: str) -> None:
    async def run() -> int:
        engine = create_engine(url, pool_size=1)
        try:
            return await _create(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    log.info("demo: %d new athletes (password %r): %s; coach: maya", count, PASSWORD, ", ".join(a[0] for a in ATHLETES))
