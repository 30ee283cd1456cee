"""Conversations and messages (stored in MongoDB): the types, the inbox, mutations and live events."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, Iterator
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Union

import strawberry
from strawberry import relay
from strawberry.types.nodes import SelectedField

from documents import conversations as store_ops
from live.hub import SlowConsumer
from loaders.base import PageRequest, to_page
from loaders.exercises import ExerciseByIdLoader
from loaders.goals import GoalByIdLoader
from loaders.users import UserByIdLoader
from loaders.workouts import SetLogByIdLoader, WorkoutSessionByIdLoader
from resolvers import assistant
from resolvers import conversation_events as events
from resolvers import conversations
from resolvers.access import coached_athletes
from resolvers.errors import ApiError, BadUserInput, NotFound
from resolvers.ids import decode_id, encode_id
from resolvers.pagination import page_request
from schema.common import Info, load_visible
from schema.connection import Connection, build_connection
from schema.exercises import Exercise
from schema.goals import Goal
from schema.workouts import SetLog, WorkoutSession

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


@strawberry.enum(description="Who a conversation is between.")
class ConversationKind(Enum):
    COACHING = "coaching"
    DIRECT = "direct"
    ASSISTANT = "assistant"


@strawberry.enum(description="In what capacity a message was written.")
class MessageRole(Enum):
    USER = "user"
    COACH = "coach"
    ASSISTANT = "assistant"
    SYSTEM = "system"


@strawberry.enum(description="The language a message is written in, detected from its letters.")
class MessageLanguage(Enum):
    HE = "he"
    EN = "en"
    MIXED = "mixed"


@strawberry.type(description="Someone taking part in a conversation, as the other participants see them.")
class Participant:
    row: strawberry.Private[Any]

    @strawberry.field(description="Their user ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("User", self.row.id))

    @strawberry.field(description="Their username.")
    def username(self) -> str:
        return self.row.username

    @strawberry.field(description="Their shown name.")
    def display_name(self) -> str:
        return self.row.display_name

    @strawberry.field(description="The user, with their training data, when the viewer may read it (themself, their athlete).")
    async def user(self, info: Info) -> UserRef | None:
        from schema.users import User

        row = await load_visible(info, UserByIdLoader, self.row.id)
        return User.from_row(row) if row else None


async def participants(info: Info, user_ids: list[uuid.UUID]) -> list[Participant]:
    rows = await info.context.loaders.get(UserByIdLoader).load_many(user_ids)
    return [Participant(row=row) for row in rows if row is not None]


@strawberry.type(description="What the assistant did with a message (the seed's tool and intent metadata).")
class AssistantMetadata:
    data: strawberry.Private[dict]
    tool: str | None = strawberry.field(description="The tool the assistant used, if any.")
    intent: str | None = strawberry.field(description="The intent the assistant read in the conversation.")
    confidence: float | None = strawberry.field(description="How sure it was of that intent, 0-1.")

    @strawberry.field(description="The set the message logged, when it logged one.")
    async def set_log(self, info: Info) -> SetLog | None:
        row = await load_visible(info, SetLogByIdLoader, self.data.get("setLogId"))
        return SetLog.from_row(row) if row else None


@strawberry.type(description="One message. Deleted messages keep their place; their content is withheld.")
class Message(relay.Node):
    id: relay.NodeID[str]
    doc: strawberry.Private[dict]
    role: MessageRole = strawberry.field(description="USER, COACH (the coach in a coaching conversation), ASSISTANT or SYSTEM.")
    language: MessageLanguage = strawberry.field(description="HE, EN or MIXED, detected from the text.")
    sent_at: datetime = strawberry.field(description="When it was sent.")
    edited_at: datetime | None = strawberry.field(description="When it was last edited.")
    deleted_at: datetime | None = strawberry.field(description="When it was deleted.")
    client_id: str | None = strawberry.field(description="The idempotency key its sender gave.")
    sequence: int = strawberry.field(description="Its number in the conversation's sequence (increasing, with gaps).")

    @classmethod
    def from_doc(cls, doc: dict) -> Message:
        return cls(
            id=str(doc["_id"]), doc=doc, role=MessageRole(doc["role"]), language=MessageLanguage(doc["language"]),
            sent_at=doc["sentAt"], edited_at=doc.get("editedAt"), deleted_at=doc.get("deletedAt"), client_id=doc.get("clientId"),
            sequence=doc["seq"],
        )

    @classmethod
    async def resolve_visible(cls, info: Info, key: uuid.UUID) -> Message | None:
        doc = await conversations.message_loader(info.context).load(key)
        if doc is None:
            return None
        conversation = await conversations.conversation_loader(info.context).load(doc["conversationId"])
        return cls.from_doc(doc) if await conversations.can_read(info.context, conversation) else None

    @strawberry.field(description="True once deleted.")
    def deleted(self) -> bool:
        return self.doc.get("deletedAt") is not None

    @strawberry.field(description="The text; null once the message is deleted.")
    def content(self) -> str | None:
        return None if self.doc.get("deletedAt") is not None else self.doc.get("content")

    @strawberry.field(description="Who wrote it; null for the assistant's and system messages.")
    async def author(self, info: Info) -> Participant | None:
        if self.doc.get("authorId") is None:
            return None
        row = await info.context.loaders.get(UserByIdLoader).load(self.doc["authorId"])
        return Participant(row=row) if row else None

    @strawberry.field(description="The conversation it belongs to.")
    async def conversation(self, info: Info) -> Conversation | None:
        return await Conversation.resolve_visible(info, self.doc["conversationId"])

    @strawberry.field(description="The message this one answers.")
    async def reply_to(self, info: Info) -> Message | None:
        if self.doc.get("replyToId") is None:
            return None
        return await Message.resolve_visible(info, self.doc["replyToId"])

    @strawberry.field(description="The assistant's metadata, on ASSISTANT messages.")
    def assistant(self) -> AssistantMetadata | None:
        data = self.doc.get("assistant")
        if not data:
            return None
        return AssistantMetadata(data=data, tool=data.get("tool"), intent=data.get("intent"), confidence=data.get("confidence"))


@strawberry.type(description="Where the conversation with the assistant stands (its working memory).")
class ConversationState:
    last_topic: str | None = strawberry.field(description="What was being talked about.")
    needs_followup: bool = strawberry.field(description="Whether the assistant means to come back to it.")
    pending_actions: list[str] = strawberry.field(description="What the assistant still means to do.")


@strawberry.type(description="The assistant's context for a conversation: the training it is talking about.")
class ConversationContext:
    data: strawberry.Private[dict]

    @strawberry.field(description="The workout in progress, as the assistant last saw it.")
    async def current_workout(self, info: Info) -> WorkoutSession | None:
        row = await load_visible(info, WorkoutSessionByIdLoader, self.data.get("currentWorkoutId"))
        return WorkoutSession.from_row(row) if row else None

    @strawberry.field(description="The goals it is helping with.")
    async def goals(self, info: Info) -> list[Goal]:
        rows = await asyncio.gather(*(load_visible(info, GoalByIdLoader, key) for key in self.data.get("goalIds") or ()))
        return [Goal.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Exercises recently talked about.")
    async def recent_exercises(self, info: Info) -> list[Exercise]:
        rows = await asyncio.gather(*(load_visible(info, ExerciseByIdLoader, key) for key in self.data.get("recentExerciseIds") or ()))
        return [Exercise.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Where the conversation stands.")
    def state(self) -> ConversationState:
        s = self.data.get("state") or {}
        return ConversationState(last_topic=s.get("lastTopic"), needs_followup=bool(s.get("needsFollowup")),
                                 pending_actions=list(s.get("pendingActions") or ()))

    @strawberry.field(description="When the assistant last wrote it.")
    def updated_at(self) -> datetime:
        return self.data["updatedAt"]


@strawberry.type(description="A conversation: coach and athlete, members of one organization, or a user and the assistant.")
class Conversation(relay.Node):
    id: relay.NodeID[str]
    doc: strawberry.Private[dict]
    kind: ConversationKind = strawberry.field(description="COACHING, DIRECT or ASSISTANT.")
    title: str | None = strawberry.field(description="Its title, if it was given one.")
    created_at: datetime = strawberry.field(description="When it was started.")
    last_activity_at: datetime = strawberry.field(description="When the last message was sent (or when it was started).")
    message_count: int = strawberry.field(description="Messages sent in it, deleted ones included.")

    prefetched: strawberry.Private[tuple | None] = None  # (page key, messages) read with the conversation

    @classmethod
    def from_doc(cls, doc: dict, page: tuple | None = None) -> Conversation:
        return cls(id=str(doc["_id"]), doc=doc, kind=ConversationKind(doc["kind"]), title=doc.get("title"),
                   created_at=doc["createdAt"], last_activity_at=doc["lastActivityAt"], message_count=doc.get("messageCount", 0),
                   prefetched=(page, doc["messagePage"]) if page is not None else None)

    @classmethod
    async def resolve_visible(cls, info: Info, key: uuid.UUID) -> Conversation | None:
        """The conversation if the viewer takes part; with the page of messages the query asks of it
        read in the same MongoDB query (the page is dropped unread when the viewer may not see it)."""
        page = requested_page(info)
        doc = await conversations.conversation_loader(info.context, page).load(key)
        return cls.from_doc(doc, page) if await conversations.can_read(info.context, doc) else None

    @strawberry.field(description="Who takes part (the assistant is no participant).")
    async def participants(self, info: Info) -> list[Participant]:
        return await participants(info, self.doc["participants"])

    @strawberry.field(description="Messages sent to the viewer and not yet marked read.")
    def unread_count(self, info: Info) -> int:
        return (self.doc.get("unread") or {}).get(str(info.context.viewer_id), 0)

    @strawberry.field(description="The latest message.")
    async def last_message(self, info: Info) -> Message | None:
        if "lastMessage" in self.doc:  # joined by the inbox query
            found = self.doc["lastMessage"]
            return Message.from_doc(found[0]) if found else None
        if self.doc.get("lastMessageId") is None:
            return None
        doc = await conversations.message_loader(info.context).load(self.doc["lastMessageId"])
        return Message.from_doc(doc) if doc else None

    @strawberry.field(description="The messages, newest first (`last`/`before` page towards newer ones).")
    async def messages(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[Message]:
        request, key = message_page(first, after, last, before)
        if self.prefetched is not None and self.prefetched[0] == key:
            docs = self.prefetched[1]
        else:
            docs = await store_ops.messages_page(conversations.store_of(info.context), self.doc["_id"], *key)
        count = self.doc.get("messageCount", 0)

        async def total() -> int:
            return count

        return build_connection(to_page(docs, request), request, Message.from_doc, lambda d: (d["seq"],), total)

    @strawberry.field(description="The assistant's context, in ASSISTANT conversations.")
    def context(self) -> ConversationContext | None:
        data = self.doc.get("context")
        return ConversationContext(data=data) if data else None


def message_page(first: int | None, after: str | None, last: int | None, before: str | None) -> tuple[PageRequest, tuple[int, int | None, bool]]:
    """`Conversation.messages`' page request, and its key for MongoDB: (limit, sequence cursor, backward)."""
    request = page_request(first, after, last, before)
    cursor = None
    if request.cursor is not None:
        if len(request.cursor) != 1 or not isinstance(request.cursor[0], int):
            raise BadUserInput("Not a message cursor", field="before" if request.backward else "after")
        (cursor,) = request.cursor
    return request, (request.limit, cursor, request.backward)


def requested_page(info: Info, path: tuple[str, ...] = ()) -> tuple[int, int | None, bool] | None:
    """The key of the page of `messages` the current field's selection asks of a Conversation (found
    under `path`, e.g. a connection's edges and node): the first one asked; None when none is, or its
    arguments are wrong (the field itself reports them). Only Conversation has a `messages` field."""

    def find(selections: list, name: str) -> SelectedField | None:
        for selection in selections:
            if isinstance(selection, SelectedField):
                if selection.name == name:
                    return selection
            else:  # an inline fragment or a fragment spread
                found = find(selection.selections, name)
                if found is not None:
                    return found
        return None

    selections = [s for field in info.selected_fields for s in field.selections]
    for name in (*path, "messages"):
        field = find(selections, name)
        if field is None:
            return None
        selections = field.selections
    arguments = field.arguments
    try:  # (literal numbers come as their text; variables come coerced)
        first, last = (None if arguments.get(n) is None else int(arguments[n]) for n in ("first", "last"))
        return message_page(first, arguments.get("after"), last, arguments.get("before"))[1]
    except (ApiError, ValueError, TypeError):
        return None


@strawberry.input(description="Narrows the viewer's conversations.")
class ConversationFilter:
    kind: ConversationKind | None = strawberry.field(default=None, description="Only this kind.")
    unread_only: bool = strawberry.field(default=False, description="Only conversations with unread messages.")


async def inbox(info: Info, user_id: uuid.UUID, filter: ConversationFilter | None, first: int | None, after: str | None) -> Connection[Conversation]:
    """The viewer's conversations, latest activity first: one MongoDB query (last messages joined)."""
    ctx = info.context
    if ctx.viewer_id != user_id:
        raise NotFound("User")
    request = page_request(first, after)
    if request.cursor is not None and (len(request.cursor) != 2 or not isinstance(request.cursor[0], datetime)):
        raise BadUserInput("Not a conversation cursor", field="after")
    f = filter or ConversationFilter()
    kind = f.kind.value if f.kind else None
    store = conversations.store_of(ctx)
    # Whom the viewer coaches is not asked first: the page is read with every conversation of theirs,
    # and the one statement loading its people also says which of them the viewer coaches.
    # A page of each conversation's messages, when the selection asks for one, comes in the same query.
    messages = requested_page(info, ("edges", "node"))
    docs = await store_ops.inbox_page(store, user_id, kind, f.unread_only, None, request.limit, request.cursor, messages)
    coached = await conversations.load_participants(ctx, [p for d in docs for p in d["participants"]])
    if any(d["kind"] == conversations.COACHING and d["coachId"] == user_id and d["athleteId"] not in coached for d in docs):
        # A coaching that ended is on the page: read it again without those conversations (a
        # former coach's inbox pays the grants statement and a second aggregate).
        everyone = sorted(await coached_athletes(ctx))
        docs = await store_ops.inbox_page(store, user_id, kind, f.unread_only, everyone, request.limit, request.cursor, messages)
        await conversations.load_participants(ctx, [p for d in docs for p in d["participants"]])

    async def total() -> int:
        return await store_ops.inbox_count(store, user_id, kind, f.unread_only, sorted(await coached_athletes(ctx)))

    return build_connection(to_page(docs, request), request, lambda d: Conversation.from_doc(d, messages),
                            lambda d: (d["lastActivityAt"], d["_id"]), total)


# --- mutations -------------------------------------------------------------------------------


@strawberry.input(description="A new conversation.")
class StartConversationInput:
    kind: ConversationKind = strawberry.field(description="COACHING (with your coach or athlete), DIRECT (members of an organization of yours) or ASSISTANT.")
    participant_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="The other participants (none for ASSISTANT).")
    title: str | None = strawberry.field(default=None, description="A title, up to 200 characters.")


@strawberry.type(description="The conversation started (or, for coaching, the pair's existing one).")
class StartConversationPayload:
    conversation: Conversation = strawberry.field(description="The conversation.")
    created: bool = strawberry.field(description="False when the coaching pair already had their conversation.")


@strawberry.input(description="A message to send.")
class SendMessageInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    content: str = strawberry.field(description="The text: 1-4,000 characters, no control characters other than line breaks and tabs.")
    reply_to_id: strawberry.ID | None = strawberry.field(default=None, description="A message of the same conversation this one answers.")
    client_id: str | None = strawberry.field(default=None, description="Idempotency key: sending again with it returns the first message.")


@strawberry.type(description="The message sent.")
class SendMessagePayload:
    message: Message = strawberry.field(description="The message.")
    created: bool = strawberry.field(description="False when `clientId` had already sent it (nothing new was written).")

    @strawberry.field(description="The conversation, as it is now.")
    async def conversation(self, info: Info) -> Conversation | None:
        return await Conversation.resolve_visible(info, self.message.doc["conversationId"])


@strawberry.input(description="New text for one of your messages.")
class EditMessageInput:
    message_id: strawberry.ID = strawberry.field(description="Your message.")
    content: str = strawberry.field(description="The new text (the same rules as sending).")


@strawberry.input(description="One of your messages to delete.")
class DeleteMessageInput:
    message_id: strawberry.ID = strawberry.field(description="Your message.")


@strawberry.type(description="The message, as it is now.")
class MessagePayload:
    message: Message = strawberry.field(description="The message.")


@strawberry.input(description="A conversation you have read up to now.")
class MarkConversationReadInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")


@strawberry.type(description="The conversation, as it is now.")
class ConversationPayload:
    conversation: Conversation = strawberry.field(description="The conversation.")


@strawberry.input(description="The assistant's message (service key only).")
class PostAssistantMessageInput:
    conversation_id: strawberry.ID = strawberry.field(description="An ASSISTANT conversation.")
    content: str = strawberry.field(description="The text (the same rules as sending).")
    reply_to_id: strawberry.ID | None = strawberry.field(default=None, description="The message it answers.")
    client_id: str | None = strawberry.field(default=None, description="Idempotency key.")
    tool: str | None = strawberry.field(default=None, description="The tool used.")
    intent: str | None = strawberry.field(default=None, description="The intent read.")
    confidence: float | None = strawberry.field(default=None, description="Confidence in the intent, 0-1.")
    set_log_id: strawberry.ID | None = strawberry.field(default=None, description="The set the message logged (the user's).")


@strawberry.input(description="The assistant's context for a conversation, replaced whole (service key only).")
class UpdateConversationContextInput:
    conversation_id: strawberry.ID = strawberry.field(description="An ASSISTANT conversation.")
    current_workout_id: strawberry.ID | None = strawberry.field(default=None, description="The user's workout in progress.")
    goal_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="The user's goals it is helping with.")
    recent_exercise_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Exercises recently talked about.")
    last_topic: str | None = strawberry.field(default=None, description="What was being talked about.")
    needs_followup: bool = strawberry.field(default=False, description="Whether to come back to it.")
    pending_actions: list[str] = strawberry.field(default_factory=list, description="What it still means to do (up to 20).")


def _ids(values: list[strawberry.ID], type_name: str, field: str) -> list[uuid.UUID]:
    return [decode_id(v, type_name, field) for v in values]


def _id(value: strawberry.ID | None, type_name: str, field: str) -> uuid.UUID | None:
    return decode_id(value, type_name, field) if value is not None else None


@strawberry.type
class ConversationMutations:
    @strawberry.mutation(description="Start a conversation. A coach and athlete have one COACHING conversation: starting it again returns it.")
    async def start_conversation(self, info: Info, input: StartConversationInput) -> StartConversationPayload:
        doc, created = await conversations.start(info.context, input.kind.value, _ids(input.participant_ids, "User", "participantIds"), input.title)
        return StartConversationPayload(conversation=Conversation.from_doc(doc), created=created)

    @strawberry.mutation(description="Send a message to a conversation you take part in. With a `clientId` used before, the first message comes back.")
    async def send_message(self, info: Info, input: SendMessageInput) -> SendMessagePayload:
        doc, created = await conversations.send(
            info.context, decode_id(input.conversation_id, "Conversation", "conversationId"), input.content,
            _id(input.reply_to_id, "Message", "replyToId"), input.client_id,
        )
        return SendMessagePayload(message=Message.from_doc(doc), created=created)

    @strawberry.mutation(description="Change the text of one of your messages.")
    async def edit_message(self, info: Info, input: EditMessageInput) -> MessagePayload:
        doc = await conversations.edit(info.context, decode_id(input.message_id, "Message", "messageId"), input.content)
        return MessagePayload(message=Message.from_doc(doc))

    @strawberry.mutation(description="Delete one of your messages: it keeps its place, its text is gone.")
    async def delete_message(self, info: Info, input: DeleteMessageInput) -> MessagePayload:
        doc = await conversations.delete(info.context, decode_id(input.message_id, "Message", "messageId"))
        return MessagePayload(message=Message.from_doc(doc))

    @strawberry.mutation(description="Mark everything in a conversation read (your unread count becomes 0).")
    async def mark_conversation_read(self, info: Info, input: MarkConversationReadInput) -> ConversationPayload:
        doc = await conversations.mark_read(info.context, decode_id(input.conversation_id, "Conversation", "conversationId"))
        return ConversationPayload(conversation=Conversation.from_doc(doc))

    @strawberry.mutation(description="The assistant service writes its message to an ASSISTANT conversation (service key only).")
    async def post_assistant_message(self, info: Info, input: PostAssistantMessageInput) -> SendMessagePayload:
        doc, created = await assistant.post_message(
            info.context, decode_id(input.conversation_id, "Conversation", "conversationId"), input.content,
            _id(input.reply_to_id, "Message", "replyToId"), input.client_id, input.tool, input.intent, input.confidence,
            _id(input.set_log_id, "SetLog", "setLogId"),
        )
        return SendMessagePayload(message=Message.from_doc(doc), created=created)

    @strawberry.mutation(description="The assistant service records its context for an ASSISTANT conversation (service key only).")
    async def update_conversation_context(self, info: Info, input: UpdateConversationContextInput) -> ConversationPayload:
        doc = await assistant.set_context(
            info.context, decode_id(input.conversation_id, "Conversation", "conversationId"),
            current_workout_id=_id(input.current_workout_id, "WorkoutSession", "currentWorkoutId"),
            goal_ids=_ids(input.goal_ids, "Goal", "goalIds"),
            recent_exercise_ids=_ids(input.recent_exercise_ids, "Exercise", "recentExerciseIds"),
            last_topic=input.last_topic, needs_followup=input.needs_followup, pending_actions=input.pending_actions,
        )
        return ConversationPayload(conversation=Conversation.from_doc(doc))


# --- live events -----------------------------------------------------------------------------


@strawberry.interface(description="Something that happened in a conversation, delivered in order.")
class ConversationLiveEvent:
    event: strawberry.Private[Any]

    @strawberry.field(description="Opaque, ordered id: pass the last one received as `after` to resume without gaps.")
    def event_id(self) -> str:
        return events.encode_event_id(self.event.id)

    @strawberry.field(description="When it happened.")
    def occurred_at(self) -> datetime:
        return self.event.occurred_at

    @strawberry.field(description="The conversation.")
    async def conversation(self, info: Info) -> Conversation | None:
        return await Conversation.resolve_visible(info, uuid.UUID(self.event.data["conversation_id"]))


async def _event_message(info: Info, event: Any) -> Message | None:
    return await Message.resolve_visible(info, uuid.UUID(event.data["message_id"]))


@strawberry.type(description="A message was sent.")
class MessageSent(ConversationLiveEvent):
    @strawberry.field(description="The message: as sent when delivered live (a later edit or deletion follows as its own event), as it is now when replayed.")
    async def message(self, info: Info) -> Message | None:
        carried = self.event.data.get("message")
        if carried is not None:  # published by its writer; the stream checked the conversation for this event
            return Message.from_doc(store_ops.message_from_json(carried))
        return await _event_message(info, self.event)


@strawberry.type(description="A message was edited.")
class MessageEdited(ConversationLiveEvent):
    @strawberry.field(description="The message, as it is now.")
    async def message(self, info: Info) -> Message | None:
        return await _event_message(info, self.event)


@strawberry.type(description="A message was deleted.")
class MessageDeleted(ConversationLiveEvent):
    @strawberry.field(description="ID of the deleted message.")
    def message_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Message", uuid.UUID(self.event.data["message_id"])))


@strawberry.type(description="A participant read the conversation up to this event.")
class ConversationRead(ConversationLiveEvent):
    @strawberry.field(description="Who read it.")
    async def reader(self, info: Info) -> Participant | None:
        row = await info.context.loaders.get(UserByIdLoader).load(uuid.UUID(self.event.data["reader_id"]))
        return Participant(row=row) if row else None


ConversationEvent = Annotated[
    Union[MessageSent, MessageEdited, MessageDeleted, ConversationRead],
    strawberry.union("ConversationEvent", description="Everything that happens in one conversation."),
]
EVENT_TYPES = {store_ops.MESSAGE_SENT: MessageSent, store_ops.MESSAGE_EDITED: MessageEdited,
               store_ops.MESSAGE_DELETED: MessageDeleted, store_ops.CONVERSATION_READ: ConversationRead}


class SlowSubscriber(ApiError):
    code = "SLOW_CONSUMER"


class SubscriptionLimit(ApiError):
    code = "TOO_MANY_SUBSCRIPTIONS"


@contextlib.contextmanager
def counted(ctx: Any) -> Iterator[None]:
    """Conversation streams count towards the viewer's open live subscriptions like workout streams."""
    streams, limit = ctx.live.streams_by_user, ctx.settings.ws_max_subscriptions_per_user
    if streams[ctx.viewer_id] >= limit:
        raise SubscriptionLimit(f"At most {limit} live subscriptions per user are open at once; close one first", max=limit)
    streams[ctx.viewer_id] += 1
    try:
        yield
    finally:
        streams[ctx.viewer_id] -= 1
        if not streams[ctx.viewer_id]:
            del streams[ctx.viewer_id]


def _after(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        return events.decode_event_id(after)
    except ValueError as exc:
        raise BadUserInput("'after' is not a conversation event id", field="after") from exc


@strawberry.type
class ConversationSubscriptions:
    @strawberry.subscription(
        description="Messages sent, edited and deleted and reads in one conversation, in order. With `after`, first the "
        "events since that eventId (replayed from the conversation's own log)."
    )
    async def conversation_events(self, info: Info, conversation_id: strawberry.ID, after: str | None = None) -> AsyncGenerator[ConversationEvent, None]:
        ctx = info.context
        await ctx.require_viewer()
        key = decode_id(conversation_id, "Conversation", "conversationId")
        since = _after(after)
        # Who takes part in a conversation never changes: its document, read once, serves every
        # event's access check, which asks PostgreSQL again (an ended coaching ends the stream).
        conversation = await conversations.readable(ctx, key)
        try:
            with counted(ctx):
                async for event in events.conversation_stream(conversations.store_of(ctx), ctx.live, key, since):
                    ctx.fresh_loaders()
                    if not await conversations.can_read(ctx, conversation):
                        raise NotFound("Conversation", field="conversationId")
                    yield EVENT_TYPES[event.type](event=event)
        except SlowConsumer as exc:
            raise SlowSubscriber("Subscriber fell too far behind; resubscribe with `after` set to the last eventId") from exc

    @strawberry.subscription(description="A new message in any of the viewer's conversations.")
    async def inbox_events(self, info: Info) -> AsyncGenerator[MessageSent, None]:
        ctx = info.context
        viewer = await ctx.require_viewer()
        conversations.store_of(ctx)
        known: dict[uuid.UUID, dict | None] = {}  # conversations seen: who takes part never changes
        try:
            with counted(ctx):
                async for event in events.inbox_stream(ctx.live, viewer.id):
                    ctx.fresh_loaders()
                    key = uuid.UUID(event.data["conversation_id"])
                    if key not in known:
                        known[key] = await conversations.conversation_loader(ctx).load(key)
                    if await conversations.can_read(ctx, known[key]):
                        yield MessageSent(event=event)
        except SlowConsumer as exc:
            raise SlowSubscriber("Subscriber fell too far behind; resubscribe") from exc
