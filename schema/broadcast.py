"""Live events rendered once per group of identical subscriptions, written to every socket.

Thousands of websocket clients following one workout mostly hold the same
subscription: the same document, variables and viewer. Running Strawberry's
per-operation stream pipeline for each of them (an async generator chain,
extension hooks, result processing, JSON encoding) costs far more than the
socket write itself. So once a subscription is live (its access check and any
replay done by the ordinary path), it joins a `Group`: the group holds the
process's one broker subscription for that key, executes the document once per
event, encodes the payload once, and writes `prefix + payload + "}"` to each
member's socket without a task switch per member.

A member whose socket cannot take more (the write would wait for the client)
gets a bounded backlog and one task that drains it; when the backlog overflows,
the member is cut off with SLOW_CONSUMER and the others never wait for it.

Ordering and resume: a group remembers the last event id it handled; a member
joins only once it has itself replayed at least that far (replaying from the
outbox until it has, with no await between the check and the join), and each
member skips events at or below the last id it has seen. Joining never opens a
gap, and no event reaches a member twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from compiler.renders import CompiledRenders, Unrenderable
from db.outages import outages, service_of
from live.broker import OVERFLOW, RESYNC
from live.events import Event
from loaders import Loaders
from schema.errors import INTERNAL_ERROR_MESSAGE, FastMaskErrors, log_unexpected, should_mask
from schema.observe import shadow_run

log = logging.getLogger(__name__)

BACKLOG_LIMIT = 256  # frames a member may have waiting for its socket before it is cut off
MAX_RENDER_ATTEMPTS = 3
RETRY_DELAY = 0.5  # seconds before a failed group replays from the outbox


@dataclass(frozen=True)
class Sink:
    """Where a websocket operation's results go: set by the websocket handler for each operation."""

    send_text: Callable[[str], Awaitable[None]]
    prefix: str  # the protocol's frame up to the payload, e.g. '{"id":"1","type":"next","payload":'
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None


current_sink: contextvars.ContextVar[Sink | None] = contextvars.ContextVar("repgraph_live_sink", default=None)

_masker = FastMaskErrors(should_mask_error=should_mask, error_message=INTERNAL_ERROR_MESSAGE)


class _Resume:
    """Awaits a coroutine that has already been stepped once and is suspended on `waiting`."""

    def __init__(self, coro: Any, waiting: Any) -> None:
        self.coro = coro
        self.waiting = waiting

    def __await__(self) -> Generator[Any, Any, Any]:
        value = self.waiting
        while True:
            try:
                sent = yield value
            except BaseException as exc:  # noqa: BLE001 - cancellation is forwarded into the coroutine
                try:
                    value = self.coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = self.coro.send(sent)
                except StopIteration as stop:
                    return stop.value


class Member:
    """One websocket operation in a group."""

    def __init__(self, sink: Sink, last: int) -> None:
        self.sink = sink
        self.last = last
        self.backlog: deque[str] = deque()
        self.writer: asyncio.Task | None = None
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()
        self.overflowed = False

    def push(self, frame: str) -> None:
        if self.done.done():
            return
        if self.writer is not None:
            if len(self.backlog) >= BACKLOG_LIMIT:
                self.overflowed = True
                self.close()
                return
            self.backlog.append(frame)
            return
        # Step the send once: on a socket that can take it, it completes without suspending.
        coro = self.sink.send_text(frame)
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - a vanished client: this member ends
            self.close(exc)
            return
        self.writer = asyncio.ensure_future(self._drain(coro, waiting))

    async def _drain(self, coro: Any, waiting: Any) -> None:
        try:
            await _Resume(coro, waiting)
            while self.backlog:
                await self.sink.send_text(self.backlog.popleft())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            self.close(exc)
        finally:
            self.writer = None

    def close(self, error: BaseException | None = None) -> None:
        self.backlog.clear()
        if self.writer is not None and self.writer is not asyncio.current_task():
            self.writer.cancel()
        if not self.done.done():
            self.done.set_result(error)


class Group:
    """Members sharing (channel, document, operation, variables, viewer), and their one broker subscription."""

    def __init__(self, registry: Broadcasts, key: tuple, channel: str, sink: Sink, context: Any) -> None:
        self.registry = registry
        self.key = key
        self.channel = channel
        self.document = parse(sink.query)
        self.operation_name = sink.operation_name
        self.variables = sink.variables
        self.context = context
        self.members: set[Member] = set()
        self.pending = 0  # subscriptions on their way in (replaying); the group stays while any are
        self.last = 0
        self.failures = 0  # attempts at rendering the current event that failed
        self.subscriber = None
        self.task: asyncio.Task | None = None
        self.ready = asyncio.get_running_loop().create_future()

    async def start(self) -> None:
        try:
            live = self.registry.live
            self.subscriber = await live.broker.subscribe(self.channel)
            self.last = await live.last_event_id(self.channel)
            self.task = asyncio.create_task(self._run(), name=f"live-group {self.channel}")
            self.ready.set_result(None)
        except BaseException as exc:
            self.ready.set_exception(exc)
            raise

    def join(self, sink: Sink, last: int) -> Member:
        member = Member(sink, last)
        self.members.add(member)
        self.pending -= 1
        return member

    def release(self, member: Member | None = None) -> None:
        if member is None:
            self.pending -= 1
        else:
            self.members.discard(member)
            member.close()
        if not self.members and self.pending <= 0:
            self.registry.drop(self)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        if self.subscriber is not None:
            await self.registry.live.broker.unsubscribe(self.subscriber)

    async def _run(self) -> None:
        live = self.registry.live
        resync = False
        while True:
            try:
                item = RESYNC if resync else await self.subscriber.get()
                resync = False
                if item is OVERFLOW:
                    # This group fell behind its own broker queue: take a new subscription and
                    # read what was missed from the outbox.
                    await live.broker.unsubscribe(self.subscriber)
                    self.subscriber = await live.broker.subscribe(self.channel)
                    item = RESYNC
                if item is RESYNC:
                    async for event in live.replay(self.channel, self.last):
                        await self._handle(event)
                    continue
                self.registry.received += 1
                await self._handle(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # e.g. PostgreSQL unreachable during a replay: members keep their place and
                # the group catches up from the outbox once it can (an outage is logged once).
                if not outages.report(exc):
                    log.warning("live group on %s failed; replaying after event %s shortly", self.channel, self.last, exc_info=True)
                await asyncio.sleep(RETRY_DELAY)
                resync = True

    async def _handle(self, event: Event) -> None:
        if event.id <= self.last:
            return
        targets = [m for m in self.members if event.id > m.last and not m.done.done()]
        if targets:
            try:
                payload = await self.render(event)
            except Exception as exc:
                # Not handled yet: the group replays it from the outbox. An event that
                # keeps failing goes out as an error rather than stalling its workout; an
                # outage is no fault of the event's, so the group waits it out instead.
                self.failures += 1
                if self.failures < MAX_RENDER_ATTEMPTS or service_of(exc) is not None:
                    raise
                log.exception("rendering live event %s on %s failed", event.id, self.channel)
                payload = orjson.dumps({"data": None, "errors": [{"message": INTERNAL_ERROR_MESSAGE, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}).decode()
            for member in targets:
                member.last = event.id
                if payload is not None:
                    member.push(member.sink.prefix + payload + "}")
            if payload is not None:
                self.registry.delivered += len(targets)
        self.failures = 0
        self.last = event.id

    async def render(self, event: Event) -> str | None:
        """The event's frame for this group's members, or None when it is not theirs to see."""
        self.registry.renders += 1
        compiled = self.registry.compiled
        plan = compiled.plan(self, event.type) if compiled is not None else None
        if plan is not None:
            try:
                payload = await compiled.render(self, event, plan)
            except Unrenderable:
                pass
            else:
                if compiled.state.settings.read_path_verify:
                    payload = await self._verify(event, payload)
                return payload
        return await self.execute(event)

    async def _verify(self, event: Event, compiled: str | None) -> str | None:
        """The compiled render, or an error frame when the executor renders the event differently."""
        token = shadow_run.set(True)
        try:
            executor = await self.execute(event)
        finally:
            shadow_run.reset(token)
        if (executor and orjson.loads(executor)) == (compiled and orjson.loads(compiled)):
            self.registry.compiled.verified += 1
            return compiled
        log.error("compiled live render differs from the executor's", extra={"compiled": compiled, "executor": executor, "channel": self.channel})
        return orjson.dumps({"data": None, "errors": [{"message": "The compiled answer differs from the executor's", "extensions": {
            "code": "COMPILED_ANSWER_DIFFERS", "compiled": compiled, "executor": executor}}]}).decode()

    async def execute(self, event: Event) -> str | None:
        """The event rendered by the executor."""
        from schema.live import EVENT_TYPES, shown  # the types import this module's Sink

        # A fresh `extra`: the sign-in and coaching grants are checked again for each event,
        # so a revoked sign-in or an ended coaching relationship stops the stream's data.
        context = dataclasses.replace(self.context, loaders=self.registry.loaders(), extra={})
        if not await shown(context, event):
            return None
        result = execute(
            self.registry.schema,
            self.document,
            root_value=EVENT_TYPES[event.type](event=event),
            context_value=context,
            variable_values=self.variables,
            operation_name=self.operation_name,
            executor_class=StrawberryGraphQLCoreExecutionContext,
        )
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        assert isinstance(result, ExecutionResult)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            log_unexpected(result.errors)
            payload["errors"] = [e.formatted for e in _masker._process_errors(result.errors)]
        return orjson.dumps(payload).decode()


class Broadcasts:
    """The process's groups, by key."""

    def __init__(self, live: Any, schema: Any) -> None:
        self.live = live
        self.schema = schema
        self.groups: dict[tuple, Group] = {}
        self.received = 0  # events the groups took from the broker
        self.renders = 0  # events executed (once per group)
        self.delivered = 0  # frames handed to sockets
        self._loaders: Loaders | None = None
        self.compiled: CompiledRenders | None = None  # on the compiled read path (compiler/renders.py)

    def loaders(self) -> Loaders:
        """Loaders shared by the renders that start in the same turn of the event loop.

        Events published together (the relay drains in batches, more of them under
        load) wake their groups together, so one query loads the sets of all of them.
        Loaders hold rows, not decisions: each render still applies its own viewer's
        access rule. The cache lives for one turn of the loop, so it is never stale.
        """
        if self._loaders is None:
            self._loaders = Loaders(self.live.sessionmaker)
            asyncio.get_running_loop().call_soon(self._forget_loaders)
        return self._loaders

    def _forget_loaders(self) -> None:
        self._loaders = None

    async def acquire(self, channel: str, sink: Sink, viewer_id: Any, context: Any) -> Group:
        """The group for this subscription, started and subscribed; the caller must join or release it."""
        key = (
            channel,
            sink.query,
            sink.operation_name,
            orjson.dumps(sink.variables or {}, option=orjson.OPT_SORT_KEYS),
            viewer_id,
        )
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(self, key, channel, sink, context)
            group.pending += 1
            try:
                await group.start()
            except BaseException:
                group.release()
                raise
            return group
        group.pending += 1
        try:
            await asyncio.shield(group.ready)
        except BaseException:
            group.release()
            raise
        return group

    def drop(self, group: Group) -> None:
        if self.groups.get(group.key) is group:
            del self.groups[group.key]
            asyncio.ensure_future(group.stop())

    @property
    def member_count(self) -> int:
        return sum(len(g.members) for g in self.groups.values())

    async def close(self) -> None:
        groups = list(self.groups.values())
        self.groups.clear()
        for group in groups:
            for member in list(group.members):
                member.close()
            await group.stop()
