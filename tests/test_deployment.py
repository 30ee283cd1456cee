"""The Dockerfile and compose file stay in step with the code (no Docker daemon needed)."""

from __future__ import annotations

import inspect
import re

import yaml

from server.settings import ROOT, Settings


def test_the_image_carries_every_package_the_server_imports():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages <= copied, f"Dockerfile does not copy {sorted(packages - copied)}"
    assert "alembic.ini" in dockerfile and "server/graphiql/node_modules" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "the image must not run as root"


def test_compose_sets_only_settings_the_app_reads():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    read = set(re.findall(r'env\.get\("([A-Z_]+)"', inspect.getsource(Settings.from_env)))
    app = compose["services"]["app"]
    assert set(app["environment"]) <= read, set(app["environment"]) - read
    assert {"postgres", "redis"} <= set(app["depends_on"])
    assert app["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert "@postgres:5432/" in app["environment"]["DATABASE_URL"]
