"""Frozen peers on demand, for the fault tests and ``bench/frozen_peers.py``: a Redis server of
its own that can be stopped (SIGSTOP) and resumed, and a TCP gate in front of PostgreSQL that
can stop passing bytes. Both freeze the way a hung server does: connections stay open, the
kernel keeps acknowledging what is sent, and no answer comes back."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

__all__ = ["FrozenRedis", "Gate", "RedisServer", "free_port"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FrozenRedis:
    """A ``redis-server`` of its own on a free port, without persistence; ``freeze()`` stops the
    process (SIGSTOP), ``thaw()`` resumes it."""

    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = tempfile.TemporaryDirectory(prefix="frozen-redis-")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--bind", "127.0.0.1", "--dir", self.folder.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.close()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        self.frozen = False

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.frozen = False

    def close(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
        self.folder.cleanup()

    def __enter__(self) -> FrozenRedis:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RedisServer:
    """A ``redis-server`` of its own on a free port, writing every change to its append-only
    file in ``folder``, so that killed and started again it holds what it held; ``url`` names
    the server, or its database ``db``."""

    def __init__(self, folder, db: int | None = None):
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}" + ("" if db is None else f"/{db}")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from redis import Redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(200):
            try:
                Redis.from_url(self.url).ping()
                return
            except Exception:  # noqa: BLE001 — not listening yet
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class Gate:
    """A TCP proxy in front of ``target`` (e.g. PostgreSQL on 127.0.0.1:5432). ``freeze()``
    stops passing bytes on every connection, open or new (the bytes are read and held, as a
    hung server's kernel would), ``thaw()`` passes them on again; ``cut()`` drops every
    connection and refuses new ones for a moment, as a failover or a network blip does."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.sockets: list[socket.socket] = []
        self.refusing_until = 0.0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def frozen(self) -> bool:
        return not self.flowing.is_set()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def thaw_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.thaw)
        timer.daemon = True
        timer.start()
        return timer

    def cut(self, refuse_for: float = 3.0) -> int:
        """Drop every connection; refuse new ones for ``refuse_for`` seconds. How many ends."""
        self.refusing_until = time.monotonic() + refuse_for
        ends, self.sockets = self.sockets, []
        for end in ends:
            _close(end)
        return len(ends)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.refusing_until:
                client.close()
                continue
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        self.sockets.append(client)
        self.flowing.wait()  # a frozen server accepts and says nothing
        try:
            server = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        self.sockets.append(server)
        threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()
        self._pipe(client, server)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                _close(end)

    def close(self) -> None:
        self.thaw()
        self.listener.close()
        for end in self.sockets:
            _close(end)

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _close(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    end.close()
