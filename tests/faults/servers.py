"""Servers a fault test starts and stops itself (never the shared ones), by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

PG_OPTIONS = ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
AOF = ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
LINKLEDGER = str(Path(sys.executable).with_name("linkledger"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class RedisServer:
    """A redis-server of the test's own on `port`, with an append-only file in `folder` so a
    restart comes back with everything it acknowledged."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder = port, folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder), *AOF],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while True:  # up, and done loading its append-only file
            try:
                client.ping()
                break
            except redis.BusyLoadingError:
                assert time.monotonic() < deadline, "redis-server did not finish loading"
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """A crash: SIGKILL by pid."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=20)
            self.proc = None


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), folder)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung server): its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


class PostgresServer:
    """A PostgreSQL cluster of the test's own (initdb in `folder`, trust auth) on `port`,
    run as the `postgres` user when the tests run as root (PostgreSQL refuses root)."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder = port, folder
        self.data = folder / "data"
        self.proc: subprocess.Popen[bytes] | None = None
        self.as_user = (
            ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"] if os.geteuid() == 0 else []
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.folder.chmod(0o777)
        subprocess.run(
            [*self.as_user, "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                *self.as_user,
                "postgres",
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.folder),
                *PG_OPTIONS,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                assert self.proc.poll() is None and time.monotonic() < deadline, "postgres did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        """A fast shutdown by pid (SIGINT to the postmaster): every connection is cut."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)
            self.proc = None


@contextmanager
def postgres_server(folder: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(free_port(), folder)
    server.init()
    server.start()
    try:
        yield server
    finally:
        if server.proc is not None:
            server.proc.send_signal(signal.SIGQUIT)
            server.proc.wait(timeout=30)
