"""OpenTelemetry tracing, when configured (OTEL_ENABLED=1 or OTEL_EXPORTER_OTLP_ENDPOINT).

Spans come from Strawberry's OpenTelemetryExtension (operation, parsing, validation,
resolvers). With OTEL_EXPORTER_OTLP_ENDPOINT set they are exported over OTLP/HTTP
(`pip install '.[otel]'`); the standard OTEL_* variables configure the exporter.
"""

from __future__ import annotations

import os
from typing import Any


def tracer_provider(settings: Any) -> Any | None:
    if not settings.otel:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "repgraph")}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
