"""The client contract: Apollo Client, Relay, urql and GraphQL Code Generator, run by Node
against a real server (clients/, `npm test`), as the frontend teams' own code would run.

The Node suite compiles its generated types with strict `tsc` first, so a schema change that
breaks a typed client fails here as well as one that breaks a running one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CLIENTS = Path(__file__).resolve().parent.parent / "clients"


def test_the_client_libraries_work_against_a_live_server(live_server):
    npm = shutil.which("npm")
    assert npm, "npm is needed for the client contract (clients/)"
    lock = CLIENTS / "node_modules" / ".package-lock.json"
    if not lock.exists() or lock.stat().st_mtime < (CLIENTS / "package-lock.json").stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CLIENTS, check=True, timeout=600)
    result = subprocess.run(
        [npm, "test", "--silent"], cwd=CLIENTS, env={**os.environ, "REPGRAPH_URL": live_server},
        capture_output=True, text=True, timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-8000:]
    assert "# fail 0" in report and "# pass 0" not in report, report[-4000:]
