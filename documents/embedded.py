"""An embedded MongoDB-compatible server for machines with no MONGO_URL: SecantusDB.

SecantusDB (a development and test dependency, GPL-2.0) runs as a separate process started from
its `secantusd-py` executable; RepGraph never imports it. It prints the port it listens on
(`--port 0` picks a free one), which is read from its log.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

EXECUTABLE = "secantusd-py"
LISTENING = re.compile(rb"listening on ([0-9.]+):(\d+)")
START_TIMEOUT = 30.0
URL_FILE = "repgraph-url"
DATABASE = "repgraph"


def running_url(storage: Path) -> str | None:
    """The URL of a server already running on `storage` (started by another command), if it answers."""
    import pymongo

    path = Path(storage) / URL_FILE
    if not path.exists():
        return None
    url = path.read_text().strip()
    try:
        with pymongo.MongoClient(url, serverSelectionTimeoutMS=500) as client:
            client.admin.command("ping")
        return url
    except pymongo.errors.PyMongoError:
        return None


def find_executable() -> str:
    """`secantusd-py` beside this interpreter (the virtualenv), else on PATH."""
    beside = Path(sys.executable).parent / EXECUTABLE
    found = str(beside) if beside.exists() else shutil.which(EXECUTABLE)
    if not found:
        raise RuntimeError(
            f"no MONGO_URL and no {EXECUTABLE} (the test extra, `make install`): conversations are unavailable until MONGO_URL is set"
        )
    return found


class EmbeddedMongo:
    """One SecantusDB process: `storage` is a directory, or ':memory:' for a throwaway one."""

    def __init__(self, storage: str | Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.storage = str(storage)
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="repgraph-mongo-", suffix=".log")[1])

    def url(self, database: str) -> str:
        return f"mongodb://{self.host}:{self.port}/{database}?directConnection=true"

    @property
    def url_file(self) -> Path | None:
        """Where a server on a storage directory leaves its URL for other commands (see `running_url`)."""
        return None if self.storage == ":memory:" else Path(self.storage) / URL_FILE

    def start(self) -> EmbeddedMongo:
        if self.url_file is not None:
            Path(self.storage).mkdir(parents=True, exist_ok=True)
        command = [find_executable(), "--host", self.host, "--port", str(self.requested_port), "--storage-path", self.storage]
        with open(self.log_path, "ab") as out:
            offset = out.tell()
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            found = LISTENING.search(self.log_path.read_bytes()[offset:])
            if found:
                self.port = int(found.group(2))
                if self.url_file is not None:
                    self.url_file.write_text(self.url(DATABASE))
                log.info("embedded MongoDB (SecantusDB) at %s:%d, data in %s", self.host, self.port, self.storage)
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"SecantusDB did not start: {self.log_path.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.url_file is not None and self.proc is not None:
            self.url_file.unlink(missing_ok=True)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def kill(self) -> None:
        """Stop at once, as a crash would (tests of MongoDB going away)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        """Start again on the same port and storage (after `stop` or `kill`)."""
        self.requested_port = self.port or self.requested_port
        self.start()

    def cleanup(self) -> None:
        if self.storage == ":memory:":
            self.kill()  # nothing to flush: its data goes with it
        self.stop()
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)
