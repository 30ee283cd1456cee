"""Subscriptions over plain HTTP: which `Accept` header gets which stream.

Strawberry ships both transports; this only decides when each applies, so that
ordinary requests keep their JSON answers:

- multipart (`Accept: multipart/mixed;subscriptionSpec=1.0`, Apollo Client's HttpLink):
  Strawberry's own rule, a `subscriptionSpec` parameter is required.
- server-sent events (urql's `fetchSubscriptions`, `Accept: text/event-stream, multipart/mixed`):
  only when `text/event-stream` is the client's *first* choice. urql's ordinary queries
  also list it, after the JSON types, and Strawberry's own rule ("anywhere in Accept")
  would stream them as events. Events end with LF line breaks: urql splits the stream on
  "\n\n", which Strawberry's CRLF framing never contains (both are valid SSE).

Both serve the same subscriptions as the websockets, through the same resolvers:
authorization, limits, `after` and events are theirs.
"""

from __future__ import annotations

from strawberry.http.streaming import MultipartSubscriptionTransport, SSETransport
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL


class FirstChoiceEventStream(SSETransport):
    def accepts(self, accept: str) -> bool:
        first = accept.split(",", 1)[0]
        return first.split(";", 1)[0].strip().lower() == "text/event-stream"

    def encode_event(self, event: str, data: str | None = None) -> str:
        return super().encode_event(event, data).replace("\r\n", "\n")

    def encode_comment(self, comment: str) -> str:
        return super().encode_comment(comment).replace("\r\n", "\n")


HTTP_STREAM_PROTOCOLS = (MULTIPART_SUBSCRIPTION_PROTOCOL, GRAPHQL_SSE_PROTOCOL)
TRANSPORTS = {MULTIPART_SUBSCRIPTION_PROTOCOL: MultipartSubscriptionTransport, GRAPHQL_SSE_PROTOCOL: FirstChoiceEventStream}
