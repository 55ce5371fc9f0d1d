"""A throwaway PostgreSQL server for tests, started from the machine's PostgreSQL binaries.

`PostgresServer.find()` locates `initdb` and `pg_ctl` (on PATH, else under /usr/lib/postgresql/*/bin);
`start()` makes a cluster in a fresh temp dir and serves it on a free loopback port with `trust` auth;
`create_database()` returns the URL of a new empty database; `stop()` shuts it down and deletes the dir.
The session fixture `postgres_server` and the per-test `postgres_url` in conftest.py wrap it, so any store
that takes a PostgreSQL URL (events, chat sessions) can run its tests against a real server.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

# initdb and postgres refuse to run as root, so as root they run as this (packaged) user.
SERVER_USER = "postgres"


class PostgresServer:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir: Path | None = None
        self.port: int | None = None
        self._names = itertools.count(1)

    @classmethod
    def find(cls) -> PostgresServer | None:
        """The server, or None when the binaries (or, as root, the user to run them as) are missing."""
        initdb = shutil.which("initdb")
        candidates = [Path(os.path.realpath(initdb)).parent] if initdb else []
        candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        bindir = next((d for d in candidates if (d / "initdb").is_file() and (d / "pg_ctl").is_file()), None)
        if bindir is None or (os.geteuid() == 0 and not _user_exists(SERVER_USER)):
            return None
        return cls(bindir)

    def start(self) -> None:
        # Under /tmp, not pytest's tmp_path: the server user must reach it (pytest's dirs are 0700 root),
        # and the unix socket path must stay under the ~107-byte limit.
        self.dir = Path(tempfile.mkdtemp(prefix="shopassist-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, SERVER_USER)
        self.port = _free_port()
        self._run("initdb", "-D", self.dir / "data", "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        # fsync=off: a throwaway cluster; durability across an OS crash is not what these tests check.
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.dir} -c fsync=off"
        try:
            self._run("pg_ctl", "-D", self.dir / "data", "-l", self.dir / "server.log", "-o", options,
                      "-w", "-t", "30", "start")
        except RuntimeError as error:
            log = self.dir / "server.log"
            raise RuntimeError(f"{error}\n{log.read_text() if log.exists() else ''}") from None

    def stop(self) -> None:
        if self.dir is None:
            return
        if (self.dir / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", self.dir / "data", "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database (tens of milliseconds), so each test starts from nothing."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def _run(self, program: str, *args: object) -> None:
        command = [str(self.bindir / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
