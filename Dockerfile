# RepGraph API image: `docker compose up` runs it with PostgreSQL and Redis.

# GraphiQL's assets come from npm (the page must work without internet access).
FROM node:20-slim AS graphiql
WORKDIR /build
COPY server/graphiql/package.json server/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 PORT=8000 APP_ENV=production LOG_FORMAT=json
WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir '.[otel]' && rm -rf build *.egg-info
COPY alembic.ini ./
COPY server ./server
COPY schema ./schema
COPY resolvers ./resolvers
COPY loaders ./loaders
COPY compiler ./compiler
COPY live ./live
COPY domain ./domain
COPY db ./db
COPY documents ./documents
COPY migrations ./migrations
COPY --from=graphiql /build/node_modules ./server/graphiql/node_modules
RUN useradd --system --uid 10001 --home /app repgraph && chown -R repgraph /app
USER repgraph
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"]
# Applies migrations and loads the exercise library, then serves (WORKERS=N for more processes).
CMD ["python", "-m", "server"]
