"""The app as an import string for uvicorn's worker processes (`WORKERS=N`).

`python -m server` prepares the database once (migrations, library) and puts its URL
in DATABASE_URL; each worker then builds its own app from the environment.
"""

from __future__ import annotations

import gc

from server import logs
from server.app import create_app
from server.settings import Settings


def create():
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)  # a spawned worker starts with no logging set up
    app = create_app(settings)
    gc.freeze()  # see server/__main__.py
    gc.set_threshold(20_000, 50, 100)
    return app
