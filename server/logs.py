"""Log output: one JSON object per line in production, readable text in development.

Every record carries the request id of the request it was logged in (see
server/request_id.py), so a client's `requestId` finds the server's detail.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from server.request_id import current_request_id

# Extra fields a record may carry (`log.info(..., extra={...})`) that belong in the JSON line.
FIELDS = ("operation", "operation_type", "user_id", "duration_ms", "outcome", "sql_statements", "error_codes", "statement")


def attach_request_ids() -> None:
    """Stamp every log record with the request id current when it is made (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "stamps_request_ids", False):
        return

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    make_record.stamps_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = getattr(record, "request_id", None) or current_request_id()
        return f"{text} [request {rid}]" if rid else text


def configure(level: str, fmt: str) -> None:
    """Root logging for the server process: `fmt` is "json" or "text"."""
    attach_request_ids()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
