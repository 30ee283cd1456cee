"""What the coaching assistant service does: its messages and its context, with a service key only.

The service signs in with a key (documents/service_keys.py) and acts on ASSISTANT conversations;
users who try get FORBIDDEN, and what it links to (a set, a workout, goals, exercises) must be
the conversation's user's.
"""

from __future__ import annotations

import uuid
from typing import Any

from documents import conversations as store_ops
from loaders.exercises import ExerciseByIdLoader
from loaders.goals import GoalByIdLoader
from loaders.workouts import SetLogByIdLoader, WorkoutSessionByIdLoader
from resolvers.context import Context
from resolvers.conversations import MAX_CLIENT_ID, MAX_TITLE, append, check_content, check_label, readable, reply_target, service, store_of
from resolvers.errors import BadUserInput, Forbidden, NotFound, Unauthenticated

MAX_LABEL = 100  # the assistant's tool and intent names
MAX_PENDING_ACTIONS = 20


async def require_service(ctx: Context) -> dict[str, Any]:
    found = await service(ctx)
    if found is None:
        if ctx.viewer_id is None:
            raise Unauthenticated("Sign in with the assistant's service key: 'Authorization: Bearer rgsk_…'")
        raise Forbidden("Only the assistant service writes as the assistant")
    return found


async def post_message(
    ctx: Context, conversation_id: uuid.UUID, content: str, reply_to_id: uuid.UUID | None, client_id: str | None,
    tool: str | None, intent: str | None, confidence: float | None, set_log_id: uuid.UUID | None,
):
    key = await require_service(ctx)
    conversation = await readable(ctx, conversation_id)
    check_content(content)
    client_id = check_label(client_id, "clientId", MAX_CLIENT_ID)
    tool, intent = check_label(tool, "tool", MAX_LABEL), check_label(intent, "intent", MAX_LABEL)
    if confidence is not None and not 0 <= confidence <= 1:
        raise BadUserInput("'confidence' must be between 0 and 1", field="confidence")
    if set_log_id is not None:
        row = await ctx.loaders.get(SetLogByIdLoader).load(set_log_id)
        if row is None or row.user_id not in conversation["participants"]:
            raise NotFound("SetLog", field="setLogId")
    reply_to_id = await reply_target(ctx, conversation, reply_to_id)
    metadata = {"tool": tool, "intent": intent, "confidence": confidence, "setLogId": set_log_id}
    return await append(ctx, conversation, author_id=None, author_key=f"service:{key['name']}:{conversation_id}", role="assistant",
                         content=content, client_id=client_id, reply_to_id=reply_to_id, assistant=metadata)


async def set_context(ctx: Context, conversation_id: uuid.UUID, *, current_workout_id: uuid.UUID | None, goal_ids: list[uuid.UUID],
                      recent_exercise_ids: list[uuid.UUID], last_topic: str | None, needs_followup: bool,
                      pending_actions: list[str]) -> dict[str, Any]:
    """The assistant's working context for one conversation (the seed's `context`), replaced whole."""
    await require_service(ctx)
    conversation = await readable(ctx, conversation_id)
    user_ids = set(conversation["participants"])
    if current_workout_id is not None:
        session = await ctx.loaders.get(WorkoutSessionByIdLoader).load(current_workout_id)
        if session is None or session.user_id not in user_ids:
            raise NotFound("WorkoutSession", field="currentWorkoutId")
    for goal in await ctx.loaders.get(GoalByIdLoader).load_many(goal_ids):
        if goal is None or goal.user_id not in user_ids:
            raise NotFound("Goal", field="goalIds")
    for exercise in await ctx.loaders.get(ExerciseByIdLoader).load_many(recent_exercise_ids):
        if exercise is None or (exercise.owner_id is not None and exercise.owner_id not in user_ids):
            raise NotFound("Exercise", field="recentExerciseIds")
    if len(pending_actions) > MAX_PENDING_ACTIONS:
        raise BadUserInput(f"At most {MAX_PENDING_ACTIONS} pending actions", field="pendingActions")
    actions = [check_label(a, "pendingActions", MAX_TITLE) for a in pending_actions]
    context = {
        "currentWorkoutId": current_workout_id, "goalIds": list(dict.fromkeys(goal_ids)),
        "recentExerciseIds": list(dict.fromkeys(recent_exercise_ids)),
        "state": {"lastTopic": check_label(last_topic, "lastTopic", MAX_TITLE), "needsFollowup": needs_followup, "pendingActions": actions},
        "updatedAt": store_ops.now(),
    }
    updated = await store_ops.set_context(store_of(ctx), conversation_id, context)
    ctx.fresh_loaders()
    return updated
