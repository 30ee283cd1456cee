"""What conversations do: who may read and write them, validation, and the writes.

The rule: a conversation is read and written by its participants only; anyone else gets
NOT_FOUND, exactly like a conversation that does not exist. In a COACHING conversation the coach
takes part while the coaching relationship is accepted: once it ends, the former coach loses
access and the athlete keeps the history (but no longer writes: nobody would read it). The
assistant service (signed in with a service key) reads and writes ASSISTANT conversations only;
users never write as the assistant (resolvers/assistant.py). A write that fails validation writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
import uuid
from typing import Any

from pymongo.errors import DuplicateKeyError
from sqlalchemy import select

from db.engine import read_sessionmaker
from db.models import CoachingRelationship
from documents import conversations as store_ops
from documents import service_keys
from documents.store import DocumentStore
from domain.text import detect_language, message_problem
from loaders.conversations import ConversationByIdLoader, ConversationWithPageLoader, MessageByIdLoader, ParticipantByIdLoader
from loaders.organizations import OrganizationMembershipsByUserIdLoader
from loaders.users import UserByIdLoader
from resolvers.context import Context
from resolvers.conversation_events import marks, publish_logged
from resolvers.errors import BadUserInput, Forbidden, NotFound, ServiceUnavailable, Unauthenticated

log = logging.getLogger(__name__)

COACHING, DIRECT, ASSISTANT = "coaching", "direct", "assistant"
MAX_TITLE = 200
MAX_CLIENT_ID = 100
MAX_DIRECT_PARTICIPANTS = 20


def store_of(ctx: Context) -> DocumentStore:
    if ctx.documents is None:
        raise ServiceUnavailable("Conversations are unavailable: no MongoDB is configured (MONGO_URL)", retryable=False)
    return ctx.documents


def conversation_loader(ctx: Context, page: tuple | None = None) -> ConversationByIdLoader | ConversationWithPageLoader:
    """Conversations by id; with `page` (limit, cursor, backward), each with that page of its messages."""
    if page is None:
        return ctx.loaders.get(ConversationByIdLoader, store_of(ctx))
    return ctx.loaders.get(ConversationWithPageLoader, store_of(ctx), page)


def message_loader(ctx: Context) -> MessageByIdLoader:
    return ctx.loaders.get(MessageByIdLoader, store_of(ctx))


# --- who -------------------------------------------------------------------------------------


async def service(ctx: Context) -> dict[str, Any] | None:
    """The assistant service's key record when the request signed in with a valid service key."""
    if ctx.service_key is None:
        return None
    if "service" not in ctx.extra:
        found = await service_keys.verify(store_of(ctx), ctx.service_key)
        if found is None:
            raise Unauthenticated("Invalid or revoked service key")
        ctx.extra["service"] = found
    return ctx.extra["service"]


async def can_read(ctx: Context, conversation: dict[str, Any] | None) -> bool:
    if conversation is None:
        return False
    if ctx.service_key is not None:
        return conversation["kind"] == ASSISTANT and await service(ctx) is not None
    viewer_id = ctx.viewer_id
    if viewer_id is None or viewer_id not in conversation["participants"]:
        return False
    # The viewer is a participant: load them with the others and whom of them the viewer coaches,
    # in one statement, which the participant and author fields then find cached.
    coached = await load_participants(ctx, conversation["participants"])
    if conversation["kind"] == COACHING and viewer_id == conversation["coachId"] and conversation["athleteId"] not in coached:
        return False
    return await ctx.viewer() is not None


async def load_participants(ctx: Context, user_ids: list[uuid.UUID]) -> frozenset[uuid.UUID]:
    """Load these users (for the user loader: no statement of their own later) and return those
    of them the viewer coaches (accepted, as of this request): one statement for both."""
    found = await ctx.loaders.get(ParticipantByIdLoader, ctx.viewer_id).load_many(list(dict.fromkeys(user_ids)))
    users = ctx.loaders.get(UserByIdLoader)
    for user, _ in found:
        if user is not None:
            users.prime(user.id, user)
    return frozenset(user.id for user, coached in found if coached)


async def readable(ctx: Context, conversation_id: uuid.UUID, field: str = "conversationId") -> dict[str, Any]:
    conversation = await conversation_loader(ctx).load(conversation_id)
    if not await can_read(ctx, conversation):
        raise NotFound("Conversation", field=field)
    return conversation


async def coaching_accepted(ctx: Context, coach_id: uuid.UUID, athlete_id: uuid.UUID) -> bool:
    stmt = select(CoachingRelationship.id).where(
        CoachingRelationship.coach_id == coach_id, CoachingRelationship.athlete_id == athlete_id, CoachingRelationship.status == "accepted"
    )
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        return (await session.scalar(stmt.limit(1))) is not None


async def writable(ctx: Context, conversation_id: uuid.UUID) -> dict[str, Any]:
    """A conversation the signed-in user may write to."""
    await ctx.require_viewer()
    return await may_write(ctx, await readable(ctx, conversation_id))


async def may_write(ctx: Context, conversation: dict[str, Any] | None) -> dict[str, Any]:
    """`conversation` when the signed-in user may write to it: NOT_FOUND, or FORBIDDEN once its coaching ended."""
    if not await can_read(ctx, conversation):
        raise NotFound("Conversation", field="conversationId")
    if conversation["kind"] == COACHING and not await coaching_accepted(ctx, conversation["coachId"], conversation["athleteId"]):
        raise Forbidden("This coaching has ended: the conversation is kept, read-only")
    return conversation


# --- validation ------------------------------------------------------------------------------


def check_content(content: str, field: str = "content") -> str:
    problem = message_problem(content)
    if problem:
        raise BadUserInput(problem, field=field)
    return content


def check_label(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > limit or any(unicodedata.category(ch) == "Cc" for ch in value):
        raise BadUserInput(f"'{field}' must be 1-{limit} characters without control characters", field=field)
    return value


async def reply_target(ctx: Context, conversation: dict[str, Any], reply_to_id: uuid.UUID | None) -> uuid.UUID | None:
    if reply_to_id is None:
        return None
    target = await message_loader(ctx).load(reply_to_id)
    if target is None or target["conversationId"] != conversation["_id"]:
        raise NotFound("Message", field="replyToId")
    return reply_to_id


# --- starting --------------------------------------------------------------------------------


async def start(ctx: Context, kind: str, participant_ids: list[uuid.UUID], title: str | None) -> tuple[dict[str, Any], bool]:
    viewer = await ctx.require_viewer()
    store = store_of(ctx)
    title = check_label(title, "title", MAX_TITLE)
    others = list(dict.fromkeys(p for p in participant_ids if p != viewer.id))
    if kind == ASSISTANT:
        if others:
            raise BadUserInput("An ASSISTANT conversation is between you and the assistant: give no participantIds", field="participantIds")
        return await store_ops.create_conversation(store, kind=kind, title=title, participants=[viewer.id], createdBy=viewer.id,
                                                   context=None), True
    if kind == COACHING:
        if len(others) != 1:
            raise BadUserInput("A COACHING conversation has exactly one other participant: your coach or athlete", field="participantIds")
        (other,) = others
        if await coaching_accepted(ctx, viewer.id, other):
            coach, athlete = viewer.id, other
        elif await coaching_accepted(ctx, other, viewer.id):
            coach, athlete = other, viewer.id
        else:
            raise NotFound("User", field="participantIds")
        existing = await store_ops.find_coaching(store, coach, athlete)
        if existing is not None:
            return existing, False
        try:
            return await store_ops.create_conversation(store, kind=kind, title=title, participants=[coach, athlete], createdBy=viewer.id,
                                                       coachId=coach, athleteId=athlete), True
        except DuplicateKeyError:  # started by the other side at the same moment
            return await store_ops.find_coaching(store, coach, athlete), False
    if not others:
        raise BadUserInput("A DIRECT conversation needs at least one other participant", field="participantIds")
    if len(others) > MAX_DIRECT_PARTICIPANTS:
        raise BadUserInput(f"At most {MAX_DIRECT_PARTICIPANTS} other participants", field="participantIds")
    memberships = await ctx.loaders.get(OrganizationMembershipsByUserIdLoader).load_many([viewer.id, *others])
    common = set.intersection(*({m.organization_id for m in rows} for rows in memberships))
    if not common:
        raise NotFound("User", field="participantIds")  # no organization shared with all of them
    return await store_ops.create_conversation(store, kind=kind, title=title, participants=[viewer.id, *others], createdBy=viewer.id,
                                               organizationId=min(common)), True


# --- messages --------------------------------------------------------------------------------


def _repeat(existing: dict[str, Any], conversation: dict[str, Any], content: str) -> tuple[dict[str, Any], bool]:
    """A clientId sent again: the first message when it is the same one, an error when it is not."""
    if existing["conversationId"] == conversation["_id"] and existing.get("content") == content:
        return existing, False
    raise BadUserInput("This clientId was already used for a different message", field="clientId")


async def append(
    ctx: Context, conversation: dict[str, Any], *, author_id: uuid.UUID | None, author_key: str, role: str, content: str,
    client_id: str | None, reply_to_id: uuid.UUID | None, assistant: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Add a message to a conversation already checked (the assistant's)."""
    turn = await store_ops.take_turn(store_of(ctx), conversation["_id"])
    if turn is None:
        raise NotFound("Conversation", field="conversationId")
    return await _write_message(ctx, turn, conversation, authorId=author_id, authorKey=author_key, role=role, content=content,
                                clientId=client_id, replyToId=reply_to_id, assistant=assistant)


async def _write_message(ctx: Context, turn: store_ops.Turn, conversation: dict[str, Any], **fields: Any) -> tuple[dict[str, Any], bool]:
    """The message and its logged event in `turn`; then the turn's release and the publish, side by side.
    A clientId used before is found by the insert itself (its unique index): no lookup beforehand."""
    store = store_of(ctx)
    try:
        message, logged = await store_ops.add_message(turn, language=detect_language(fields["content"]), **fields)
    except DuplicateKeyError:  # the author's clientId, used before (or at this very moment)
        try:
            existing = await store_ops.message_by_client_id(store, fields["authorKey"], fields["clientId"] or "")
            if existing is None:
                raise
            _repeat(existing, conversation, fields["content"])
            if await store_ops.sent_logged(store, existing):
                await turn.release()
                return existing, False
            # Its first send timed out after the message landed, too late for the turn after it to find
            # it: it was never logged, so it is sent now, with this turn's number.
            message, logged = await store_ops.resend(turn, existing)
        except DuplicateKeyError:
            await turn.release()
            raise
        except BaseException:
            await turn.release(failed=True)
            raise
        await _finish(ctx, turn, logged, message)
        return message, False
    except BaseException:
        await turn.release(failed=True)
        raise
    await _finish(ctx, turn, logged, message)
    return message, True


async def _finish(ctx: Context, turn: store_ops.Turn, logged: dict[str, Any], message: dict[str, Any] | None = None) -> None:
    """Release the turn (with its counters) and publish its logged event at once: subscribers need not
    wait for the counters, and the sender's answer, after both, sees them."""
    await asyncio.gather(turn.release(), _publish(ctx, logged, message))


async def _publish(ctx: Context, logged: dict[str, Any], message: dict[str, Any] | None = None) -> None:
    ctx.fresh_loaders()
    try:
        await publish_logged(store_of(ctx), ctx.live, [logged], message)
        marks(store_of(ctx)).add([logged["_id"]])
    except Exception as exc:  # noqa: BLE001 - the event is logged: the sweep publishes it, resumes replay it
        log.warning("conversation event %s not published yet: %s", logged["seq"], type(exc).__name__)


async def send(ctx: Context, conversation_id: uuid.UUID, content: str, reply_to_id: uuid.UUID | None, client_id: str | None):
    if ctx.viewer_id is None or ctx.auth_error:
        await ctx.require_viewer()  # (raises) the rest of the sign-in check is can_read's, below
    # The conversation is read with the turn (one round trip, a participant's only); the checks run
    # while it is held (the viewer's row comes with the other participants': one statement), and a
    # send they refuse gives its number back.
    turn = await store_ops.take_turn(store_of(ctx), conversation_id, participant=ctx.viewer_id)
    if turn is None:
        raise NotFound("Conversation", field="conversationId")
    try:
        conversation = await may_write(ctx, turn.conversation)
        check_content(content)
        client_id = check_label(client_id, "clientId", MAX_CLIENT_ID)
        reply_to_id = await reply_target(ctx, conversation, reply_to_id)
    except BaseException:
        await turn.release()
        raise
    role = "coach" if conversation["kind"] == COACHING and ctx.viewer_id == conversation["coachId"] else "user"
    return await _write_message(ctx, turn, conversation, authorId=ctx.viewer_id, authorKey=f"user:{ctx.viewer_id}", role=role,
                                content=content, clientId=client_id, replyToId=reply_to_id, assistant=None)


async def _own_message(ctx: Context, message_id: uuid.UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    """A message of the viewer's, not deleted, in a conversation they may write to."""
    await ctx.require_viewer()
    message = await message_loader(ctx).load(message_id)
    conversation = await conversation_loader(ctx).load(message["conversationId"]) if message else None
    if message is None or not await can_read(ctx, conversation) or message["authorId"] != ctx.viewer_id:
        raise NotFound("Message", field="messageId")
    if message.get("deletedAt") is not None:
        raise BadUserInput("This message was deleted", field="messageId")
    return message, await writable(ctx, conversation["_id"])


async def _change(ctx: Context, conversation: dict[str, Any], message: dict[str, Any], changes: dict[str, Any], type: str) -> dict[str, Any]:
    store = store_of(ctx)
    turn = await store_ops.take_turn(store, conversation["_id"])
    if turn is None:
        raise NotFound("Message", field="messageId")
    try:
        # The change carries its turn's number, so a turn cut short before its event is logged can be finished.
        updated = await store_ops.update_message(store, message["_id"], {**changes, "changeSeq": turn.seq})
        logged = await turn.log(type, ctx.viewer_id, message_id=message["_id"])
    except BaseException:
        await turn.release(failed=True)
        raise
    await _finish(ctx, turn, logged)
    return updated


async def edit(ctx: Context, message_id: uuid.UUID, content: str) -> dict[str, Any]:
    message, conversation = await _own_message(ctx, message_id)
    check_content(content)
    changes = {"content": content, "language": detect_language(content), "editedAt": store_ops.now()}
    return await _change(ctx, conversation, message, changes, store_ops.MESSAGE_EDITED)


async def delete(ctx: Context, message_id: uuid.UUID) -> dict[str, Any]:
    message, conversation = await _own_message(ctx, message_id)
    # The text goes: a deleted message keeps its place in the conversation, not its words.
    return await _change(ctx, conversation, message, {"content": None, "deletedAt": store_ops.now()}, store_ops.MESSAGE_DELETED)


async def mark_read(ctx: Context, conversation_id: uuid.UUID) -> dict[str, Any]:
    await ctx.require_viewer()
    conversation = await readable(ctx, conversation_id)
    store = store_of(ctx)
    turn = await store_ops.take_turn(store, conversation_id)
    if turn is None:
        raise NotFound("Conversation", field="conversationId")
    try:
        turn.add("$set", **{f"unread.{ctx.viewer_id}": 0, f"readSeq.{ctx.viewer_id}": turn.seq})
        logged = await turn.log(store_ops.CONVERSATION_READ, ctx.viewer_id, reader_id=ctx.viewer_id)
    except BaseException:
        await turn.release(failed=True)
        raise
    await _finish(ctx, turn, logged)
    return await readable(ctx, conversation_id)
