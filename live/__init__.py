"""Live updates: the outbox relay, the broker (Redis or in-process) and event streams.

write:  mutation ─► outbox row (same transaction) ─► commit ─► relay.kick()
relay:  unpublished outbox rows, in id order ─► broker.publish(channel) ─► mark published
live:   broker (one Redis subscription per channel per process) ─► fan-out ─► subscriber queues
resume: the outbox table is the durable log: `after` and reconnects replay from it
"""

from live.hub import Live

__all__ = ["Live"]
