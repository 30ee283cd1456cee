# RepGraph: `make run` serves the API with GraphiQL, `make test` runs the suite.
# Both install what they need first; nothing but Python 3.11+ is required beforehand.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GRAPHIQL := server/graphiql/node_modules/.package-lock.json
CLIENTS := clients/node_modules/.package-lock.json

.PHONY: install run test migrate demo backfill admin service-key revoke-service-key schema bench bench-live bench-floors chromium pgbouncer clean chaos fuzz

install: $(STAMP) $(GRAPHIQL)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[test]'
	touch $(STAMP)

# GraphiQL's assets come from npm at install time, so the page works offline.
$(GRAPHIQL): server/graphiql/package-lock.json
	npm ci --prefix server/graphiql --no-audit --no-fund --loglevel=error

# Headless Chromium for the GraphiQL page test (Debian package; skipped when present).
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

run: install
	$(PY) -m server

migrate: install
	$(PY) -m server migrate

demo: install
	$(PY) -m server demo

# Re-derive records, points, streaks and achievements from the stored sets.
backfill: install
	$(PY) -m server backfill

# Appoint an administrator (manages the exercise library): `make admin USER=dana` (username or e-mail).
# USER must be given on the command line: the shell's own $USER is never used.
admin: install
	$(if $(filter command line,$(origin USER)),,$(error give the account: make admin USER=<username-or-email>))
	$(PY) -m server make-admin '$(USER)'

# A key for the coaching assistant service (printed once, stored hashed): `make service-key NAME=coach-bot`;
# `make revoke-service-key NAME=coach-bot` stops it. Uses MONGO_URL, else the embedded MongoDB.
service-key: install
	$(if $(NAME),,$(error give the key a name: make service-key NAME=<name>))
	@$(PY) -m server service-key '$(NAME)'

revoke-service-key: install
	$(if $(NAME),,$(error name the key: make revoke-service-key NAME=<name>))
	$(PY) -m server revoke-service-key '$(NAME)'

# PgBouncer for the transaction-pooling test (Debian package; skipped when present).
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null)

# The client contract (Apollo, Relay, urql, codegen; tests/test_clients.py runs it on a live server).
$(CLIENTS): clients/package-lock.json
	npm ci --prefix clients --no-audit --no-fund --loglevel=error

# The whole suite on each read path: compiled (every compiled answer checked against the
# executor's) and the executor alone.
test: install chromium pgbouncer $(CLIENTS)
	READ_PATH=compiled $(PY) -m pytest $(PYTEST_ARGS)
	READ_PATH=executor $(PY) -m pytest $(PYTEST_ARGS)

BENCH_NODE := bench/node/node_modules/.package-lock.json

# The live benchmark's subscriber process runs on Node's `ws` (npm, pinned by the lock file).
$(BENCH_NODE): bench/node/package-lock.json
	npm ci --prefix bench/node --no-audit --no-fund --loglevel=error

bench-live: install $(BENCH_NODE)
	$(PY) -m bench.live

# The SDL and the interface/union map client caches need (Apollo's possibleTypes), both committed.
schema: install
	$(VENV)/bin/strawberry export-schema schema:schema --output schema.graphql
	$(PY) -m schema.possible_types > possibleTypes.json

clean:
	rm -rf $(VENV) .data server/graphiql/node_modules clients/node_modules clients/build

# `make bench`: the query benchmark at scale (dataset built once, ~1 min; a run ~8 min).
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--duration 10 --fanout 0".
bench: install $(BENCH_NODE)
	$(PY) -c "import matplotlib" 2>/dev/null || $(PY) -m pip install --quiet --editable '.[test,bench]'
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.compiled $(COMPILED_BENCH_ARGS)

# `make bench-floors`: what HTTP, Strawberry and graphql-core cost before RepGraph's own code
# runs, the efficiency ceilings that leaves on this machine, and one process's logSet capacity.
bench-floors: install
	$(PY) -m bench.floors $(BENCH_ARGS)

# `make chaos`: mixed load while a PostgreSQL, a Redis and a MongoDB of the run's own restart (about
# 3 minutes; figures in docs/resilience.md). CHAOS_ARGS="--duration 300 --writers 16" scales it.
chaos: install
	$(PY) -m tests.chaos $(CHAOS_ARGS)

# `make fuzz`: the hostile-input fuzz test with many more examples than `make test` runs.
FUZZ_EXAMPLES ?= 2000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:randomly tests/test_fuzz.py
