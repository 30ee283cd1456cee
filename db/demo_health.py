"""`make demo`, health and coaching: each demo athlete's profile, two weeks of body metrics and a
week of meals; a demo coach (maya) coaching sam, with two coaching sessions and their action
items. Progress photos need MongoDB and are loaded by server/demo_health.py.

Called by db/demo.py for each athlete it creates, so it is idempotent with them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import BodyMetric, CoachingActionItem, CoachingRelationship, CoachingSession, HealthProfile, MealLog, User

COACH = ("maya", "Maya Cohen", "en", "Europe/London")
COACHED = "sam"
# (height cm, start weight kg, body fat %, daily kcal target, protein g)
BODIES = {"dana": (168, 64.0, 24.0, 2000, 110), "sam": (182, 86.0, 19.0, 2600, 160), "noa": (160, 55.0, 22.0, 1900, 100)}
MEALS = [  # (type, local time, kcal, protein, carbs, fat, description, foods)
    ("breakfast", time(7, 30), 520, 32, 60, 14, "Oats with yoghurt", ["Oats", "Greek yoghurt", "Berries"]),
    ("lunch", time(13, 0), 750, 45, 80, 24, "Chicken, rice and salad", ["Chicken breast", "Rice", "Salad"]),
    ("post_workout", time(18, 30), 300, 30, 35, 4, "Shake and banana", ["Whey", "Banana"]),
    ("dinner", time(20, 0), 680, 38, 55, 30, "Salmon and potatoes", ["Salmon", "Potatoes", "Broccoli"]),
]
DAYS = 14


def today_in(tz: str) -> date:
    return datetime.now(timezone.utc).astimezone(ZoneInfo(tz)).date()


async def add_health(session, user: User, rng: random.Random) -> None:
    height, weight, fat, kcal, protein = BODIES.get(user.username, (175, 75.0, 20.0, 2200, 130))
    session.add(HealthProfile(user_id=user.id, height_cm=Decimal(height), calories_target=kcal, protein_target_g=Decimal(protein),
                              carbs_target_g=Decimal(kcal // 8), fat_target_g=Decimal(kcal // 36), water_target_ml=2500))
    today = today_in(user.timezone)
    for back in range(DAYS - 1, -1, -1):
        weight -= rng.uniform(-0.15, 0.3)
        fat -= rng.uniform(0, 0.1)
        session.add(BodyMetric(
            user_id=user.id, recorded_on=today - timedelta(days=back), weight_kg=Decimal(str(round(weight, 1))),
            body_fat_pct=Decimal(str(round(fat, 1))) if back % 3 == 0 else None,
            waist_cm=Decimal(str(round(80 + fat / 2, 1))) if back % 7 == 0 else None,
            resting_heart_rate=rng.randint(52, 64), bp_systolic=rng.randint(110, 125), bp_diastolic=rng.randint(70, 82),
            energy=rng.randint(5, 9), mood=rng.randint(5, 9), sleep_quality=rng.randint(4, 9), stress=rng.randint(2, 6),
        ))
        if back < 7:
            for kind, at, cal, p, c, f, text, foods in MEALS:
                session.add(MealLog(user_id=user.id, eaten_on=today - timedelta(days=back), eaten_at=at, meal_type=kind,
                                    calories=cal + rng.randint(-40, 40), protein_g=Decimal(p), carbs_g=Decimal(c), fat_g=Decimal(f),
                                    fiber_g=Decimal(rng.randint(3, 9)), water_ml=rng.choice([250, 330, 500]), description=text,
                                    foods=foods, adherence=rng.choice(["on_plan", "on_plan", "partial"]),
                                    satisfaction=rng.randint(6, 9), hunger_before=rng.randint(5, 8), hunger_after=rng.randint(1, 3)))


async def add_coach(session, password_hash: str) -> None:
    """maya, a coach, coaching sam (accepted): a session held last week and the next one planned."""
    if await session.scalar(select(User.id).where(User.username == COACH[0])):
        return
    athlete = (await session.execute(select(User).where(User.username == COACHED))).scalar_one_or_none()
    if athlete is None:
        return
    coach = User(email=f"{COACH[0]}@demo.repgraph.dev", username=COACH[0], password_hash=password_hash, display_name=COACH[1],
                 language=COACH[2], timezone=COACH[3], role="coach")
    session.add(coach)
    await session.flush()
    session.add(CoachingRelationship(coach_id=coach.id, athlete_id=athlete.id, status="accepted", responded_at=datetime.now(timezone.utc)))
    today = today_in(athlete.timezone)
    held = CoachingSession(
        user_id=athlete.id, coach_id=coach.id, session_on=today - timedelta(days=7), duration_minutes=45,
        topics=["Sleep", "Squat depth", "Protein intake"], discussion_notes="Sleep around six hours; squats cut short when tired.",
        coach_feedback="Good consistency. Aim for 160 g protein and film a working set of squats.",
        next_session_on=today + timedelta(days=3), completed=True, completion_notes="Plan agreed.", athlete_rating=9,
    )
    planned = CoachingSession(user_id=athlete.id, coach_id=coach.id, session_on=today + timedelta(days=3), duration_minutes=30,
                              topics=["Review the squat video"])
    session.add_all([held, planned])
    await session.flush()
    session.add_all([
        CoachingActionItem(session_id=held.id, user_id=athlete.id, position=0, text="Lights out by 23:00 on weeknights",
                           due_on=today + timedelta(days=2)),
        CoachingActionItem(session_id=held.id, user_id=athlete.id, position=1, text="Film a working set of squats",
                           due_on=today - timedelta(days=1)),
        CoachingActionItem(session_id=held.id, user_id=athlete.id, position=2, text="Log every meal for a week",
                           due_on=today - timedelta(days=2), done=True, done_at=datetime.now(timezone.utc)),
    ])
