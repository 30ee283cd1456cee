"""Health rules: derived body figures, macros, the weight trend and workout energy (METs).

Pure functions over SI values (kilograms, centimetres, grams); the resolvers feed them rows.

Energy expenditure of a workout uses the MET method: 1 MET is the energy of sitting quietly,
taken as 1 kcal per kilogram of body weight per hour, so

    kcal = MET × body weight (kg) × hours of work

MET values per kind of exercise and effort come from the Compendium of Physical Activities
(Ainsworth BE et al., "2011 Compendium of Physical Activities: a second update of codes and MET
values", Med Sci Sports Exerc 43(8):1575-1581, 2011); the Compendium code of each value is noted
beside it. The README explains how the kind, the effort and the time are chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

# Energy per gram of each macronutrient (the Atwater general factors), kcal.
KCAL_PER_GRAM = {"protein": 4, "carbs": 4, "fat": 9}

# Body weight when a user has logged none on or before the workout's day (a stated default,
# the Compendium's reference adult is 70 kg).
DEFAULT_WEIGHT_KG = 70.0

# (light, moderate, vigorous) METs per exercise category, with their Compendium 2011 codes.
METS: dict[str, tuple[float, float, float]] = {
    # resistance training: 02054 multiple exercises, 8-15 repetitions at varied resistance (3.5), 02052 squats, slow or explosive
    # effort (5.0), 02050 power lifting or body building, vigorous effort (6.0)
    "strength": (3.5, 5.0, 6.0),
    "powerlifting": (3.5, 5.0, 6.0),
    "olympic_weightlifting": (3.5, 5.0, 6.0),
    "strongman": (3.5, 5.0, 6.0),
    # calisthenics (push-ups, sit-ups, pull-ups, jumping jacks): 02024 light (2.8), 02022 moderate (3.8), 02020 vigorous (8.0)
    "calisthenics": (2.8, 3.8, 8.0),
    # plyometrics scored as calisthenics one step harder: 02022 (3.8), 02020 (8.0), 02020 (8.0)
    "plyometrics": (3.8, 8.0, 8.0),
    # running: 12020 jog/walk combination (6.0), 12150 running, general (8.0), 12050 running 6 mph (9.8)
    "cardio": (6.0, 8.0, 9.8),
    # 02101 stretching, mild (2.3)
    "stretching": (2.3, 2.3, 2.3),
}
# Rope jumping (the rep-counter's jump-rope): 15553 slow (8.8), 15552 moderate (11.8), 15551 fast (12.3).
JUMP_ROPE_METS = (8.8, 11.8, 12.3)


def effort(perceived_exertion: int | None) -> int:
    """0 light (RPE 1-4), 1 moderate (5-7, and when unrated), 2 vigorous (8-10)."""
    if perceived_exertion is None:
        return 1
    return 0 if perceived_exertion <= 4 else 1 if perceived_exertion <= 7 else 2


def met_of(category: str, name: str, level: int) -> float:
    if "rope" in name.lower() and "jump" in name.lower():
        return JUMP_ROPE_METS[level]
    return METS.get(category, METS["strength"])[level]


@dataclass(frozen=True)
class Energy:
    met: float
    weight_kg: float
    weight_measured: bool  # False: DEFAULT_WEIGHT_KG
    minutes: float
    kcal: float


def workout_energy(exercises: list[tuple[str, str]], perceived_exertion: int | None, seconds: float,
                   weight_kg: float | None) -> Energy:
    """`exercises`: (category, name) of each set (warm-ups included: they are work too)."""
    level = effort(perceived_exertion)
    met = sum(met_of(c, n, level) for c, n in exercises) / len(exercises) if exercises else METS["strength"][level]
    weight = float(weight_kg) if weight_kg is not None else DEFAULT_WEIGHT_KG
    hours = max(seconds, 0) / 3600
    return Energy(round(met, 2), weight, weight_kg is not None, round(hours * 60, 1), round(met * weight * hours, 1))


# --- the body ---------------------------------------------------------------------------------


def bmi(weight_kg: Decimal | float | None, height_cm: Decimal | float | None) -> float | None:
    if weight_kg is None or not height_cm:
        return None
    metres = float(height_cm) / 100
    return round(float(weight_kg) / (metres * metres), 1)


def fat_mass(weight_kg, body_fat_pct) -> float | None:
    if weight_kg is None or body_fat_pct is None:
        return None
    return float(weight_kg) * float(body_fat_pct) / 100


def lean_mass(weight_kg, body_fat_pct) -> float | None:
    fat = fat_mass(weight_kg, body_fat_pct)
    return None if fat is None else float(weight_kg) - fat


def blood_pressure(systolic: int | None, diastolic: int | None) -> str | None:
    return f"{systolic}/{diastolic}" if systolic is not None and diastolic is not None else None


def moving_average(points: list[tuple[date, float]], days: int = 7) -> list[tuple[date, float, float]]:
    """(day, value, mean of the values logged in the `days` days ending that day) for each point, by day."""
    points = sorted(points)
    out = []
    for day, value in points:
        window = [v for d, v in points if day - timedelta(days=days - 1) <= d <= day]
        out.append((day, value, sum(window) / len(window)))
    return out


# --- meals ------------------------------------------------------------------------------------


def macro_calories(protein_g, carbs_g, fat_g) -> dict[str, float]:
    grams = {"protein": protein_g, "carbs": carbs_g, "fat": fat_g}
    return {k: float(v or 0) * KCAL_PER_GRAM[k] for k, v in grams.items()}


def macro_ratio(protein_g, carbs_g, fat_g) -> str | None:
    """Shares of the macros' calories as "protein/carbs/fat" whole percents summing to 100, e.g. "40/30/30"."""
    kcal = macro_calories(protein_g, carbs_g, fat_g)
    total = sum(kcal.values())
    if total <= 0:
        return None
    exact = [kcal[k] * 100 / total for k in ("protein", "carbs", "fat")]
    shares = [int(x) for x in exact]
    # Largest remainders get the points left, so the three always sum to 100.
    for i in sorted(range(3), key=lambda i: exact[i] - shares[i], reverse=True)[: 100 - sum(shares)]:
        shares[i] += 1
    return "/".join(str(s) for s in shares)
