"""A throwaway PostgreSQL server for the test session.

``PgServer.start()`` runs ``initdb`` into a temporary folder and starts
``postgres`` on 127.0.0.1 at a free port (fsync off: nothing here must
survive).  initdb and postgres refuse to run as root, so under root (CI, the
dev image) they run as the ``postgres`` system user through ``runuser`` with
the folder chowned to it.  ``new_database()`` is ``CREATE DATABASE ...
TEMPLATE`` a migrated template: a fresh, migrated database in milliseconds.

``stop_server()`` / ``start_server()`` take it down and bring it back (same
port, same data), for tests of what survives a database restart.

``INFOMACHINE_TEST_PG_URL`` (a server URL whose user may create databases)
uses that server instead of starting one.  ``unavailable()`` says, in one
line, why PostgreSQL tests cannot run here (None when they can).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/bin")
TEMPLATE = "im_template"


def find_bin() -> Path | None:
    env = os.environ.get("INFOMACHINE_TEST_PG_BIN")
    candidates: list[str] = [env] if env else []
    for pattern in PG_BIN_GLOBS if not env else ():
        candidates += sorted(glob.glob(pattern), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self) -> None:
        self.url = ""  # the server's maintenance database
        self.base = ""  # URL without the database name
        self.dir: Path | None = None
        self.bin: Path | None = None
        self.runas: list[str] = []
        self._names = itertools.count(1)
        self.error: str | None = None
        self._opts = ""

    # ------------------------------------------------------------------ lifecycle

    def unavailable(self) -> str | None:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return "psycopg is not installed (pip install 'infomachine[postgres]')"
        if os.environ.get("INFOMACHINE_TEST_PG_URL"):
            return None
        if find_bin() is None:
            return "no PostgreSQL binaries (initdb, pg_ctl) found; set INFOMACHINE_TEST_PG_BIN or INFOMACHINE_TEST_PG_URL"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' user to run PostgreSQL as"
            if shutil.which("runuser") is None:
                return "running as root and runuser is missing"
        return None

    def start(self) -> None:
        external = os.environ.get("INFOMACHINE_TEST_PG_URL")
        if external:
            self.url = external
        else:
            self.bin = find_bin()
            assert self.bin is not None
            self.dir = Path(tempfile.mkdtemp(prefix="infomachine-pg-"))
            if os.geteuid() == 0:
                self.runas = ["runuser", "-u", "postgres", "--"]
                shutil.chown(self.dir, "postgres")
                os.chmod(self.dir, 0o700)
            data = self.dir / "data"
            self._run([str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                       "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
            port = _free_port()
            opts = (f"-h 127.0.0.1 -p {port} -k {self.dir} -c fsync=off -c synchronous_commit=off "
                    "-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB")
            self._opts = opts
            self.start_server()
            self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self.base = self.url.rsplit("/", 1)[0]
        self._make_template()

    def start_server(self) -> None:
        """(Re)start the server this object runs (after ``stop_server``)."""
        assert self.bin is not None and self.dir is not None
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-o", self._opts,
                   "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start"])

    def stop_server(self) -> None:
        """Stop the server (``-m fast``: every session is terminated, as in a
        restart or failover) but keep its data for ``start_server``."""
        assert self.bin is not None and self.dir is not None
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"])

    @property
    def restartable(self) -> bool:
        """Whether this object runs the server (not ``INFOMACHINE_TEST_PG_URL``'s)."""
        return self.dir is not None

    def stop(self) -> None:
        if self.dir is None:
            return
        assert self.bin is not None
        subprocess.run([*self.runas, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "immediate", "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def _run(self, cmd: list[str]) -> None:
        proc = subprocess.run([*self.runas, *cmd], capture_output=True, text=True, cwd="/")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr or proc.stdout}")

    # ------------------------------------------------------------------ databases

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def _make_template(self) -> None:
        from infomachine.store.postgres.store import PostgresStore

        self.admin(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        self.admin(f"CREATE DATABASE {TEMPLATE}")
        PostgresStore(f"{self.base}/{TEMPLATE}").close()

    def new_database(self, migrated: bool = True) -> str:
        name = f"t_{os.getpid()}_{next(self._names)}"
        template = TEMPLATE if migrated else "template0"
        for attempt in range(50):  # the template is briefly busy while another copy starts
            try:
                self.admin(f"CREATE DATABASE {name} TEMPLATE {template}")
                break
            except Exception as exc:  # noqa: BLE001
                if "being accessed by other users" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.05)
        return f"{self.base}/{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        try:
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception:  # noqa: BLE001 - best effort, the server is thrown away
            pass
