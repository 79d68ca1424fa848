"""The public protocol page under load: gunicorn serving it to 50 concurrent clients on loopback.

The council's own protocol text is published, gunicorn is started as the Procfile starts it
(``--workers 2 --threads 4``, DEBUG off) and wrk (Debian's package) keeps 50 connections busy
for ``DURATION`` seconds after a short warm-up. Figures: requests per second and the 95th
percentile of latency (wrk's own measurement, from a small Lua ``done`` hook), plus the number
of non-2xx answers, which must be 0.

PostgreSQL: gunicorn uses the benchmark's own database. SQLite: the test database lives in
memory, which another process cannot open, so gunicorn gets a file database of its own under
``var/bench`` with the same protocol imported. The cache is whatever the environment names
(Redis when REDIS_URL is set, otherwise the database cache), as in production.

If wrk is not installed the figures are skipped with a message (``apt-get install wrk``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.common import Results

BASE_DIR = Path(__file__).resolve().parent.parent
PROTOCOL_TEXT = BASE_DIR / "protocol" / "data" / "social-media-protocol-v1.txt"
URL_PATH = "/protocol/"
CONNECTIONS = 50
DURATION = 10
WARMUP = 2

_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
  io.write(string.format("NON2XX %d\\n", summary.errors.status))
  local e = summary.errors
  io.write(string.format("SOCKET_ERRORS %d\\n", e.connect + e.read + e.write + e.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env() -> dict[str, str]:
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING"}
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{db['NAME']}"
        call_command("import_protocol", str(PROTOCOL_TEXT), "--publish", stdout=open(os.devnull, "w"))  # noqa: SIM115
    else:
        path = Path(settings.VAR_DIR) / "bench" / "protocol-page.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
        manage = [sys.executable, str(BASE_DIR / "manage.py")]
        for args in (["migrate", "--verbosity", "0"], ["createcachetable"]):
            subprocess.run([*manage, *args], env=env, check=True, cwd=BASE_DIR)
        subprocess.run(
            [*manage, "import_protocol", str(PROTOCOL_TEXT), "--publish"],
            env=env,
            check=True,
            cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
        )
    return env


def _wait_for(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped before it served a page")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout}s")


def _wrk(url: str, seconds: int, script: Path) -> str:
    completed = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    )
    return completed.stdout


def run(results: Results) -> None:
    if shutil.which("wrk") is None:
        print("  wrk is not installed (apt-get install wrk): protocol.page.rps and p95 skipped", flush=True)
        return
    env = _server_env()
    port = _free_port()
    url = f"http://127.0.0.1:{port}{URL_PATH}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "council.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
    )
    script = Path(settings.VAR_DIR) / "bench" / "wrk-p95.lua"
    script.write_text(_LUA)
    try:
        _wait_for(url, server)
        _wrk(url, WARMUP, script)
        output = _wrk(url, DURATION, script)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p95_ms = int(re.search(r"P95_US (\d+)", output).group(1)) / 1000
    non2xx = int(re.search(r"NON2XX (\d+)", output).group(1))
    errors = int(re.search(r"SOCKET_ERRORS (\d+)", output).group(1))
    results.add("protocol.page.rps", rps, "requests/s")
    results.add("protocol.page.p95_ms", p95_ms, "ms")
    results.add("protocol.page.errors", non2xx + errors, "responses")
