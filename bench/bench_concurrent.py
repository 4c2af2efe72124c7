"""Web latency under concurrent load: a real gunicorn serving a year of history.

`measure_web()` fills a database of its own (PostgreSQL `towerwatch_bench` when PostgreSQL
answers, else a temporary SQLite file) with bench/bench_web.py's year of 15-member history,
prints that script's one-at-a-time figures, then serves the app with gunicorn on a free
loopback port and times 1, 2 and 8 concurrent clients (bounded request count, loopback only) on
every dashboard page and API list that answers anonymously, next to the floor: a static file
served by the same gunicorn. The cache is whatever CACHE_BACKEND says (the local-memory cache,
one per worker, by default; Redis in production).
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CLIENT_LEVELS = (1, 2, 8)  # one at a time, one per core, and a crowd
REQUESTS_PER_URL = 120
STATIC_FLOOR = "/static/css/towerwatch.css"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/towerwatch_bench"


def bench_database() -> str:
    """A database that holds nothing else: the fill starts by emptying it."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"),
                             autocommit=True, connect_timeout=3) as conn:  # fmt: skip
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname='towerwatch_bench'")
            if exists.fetchone() is None:
                conn.execute("CREATE DATABASE towerwatch_bench")
        return PG_BENCH
    except Exception:  # no PostgreSQL here: SQLite still gives figures, labelled as such
        return f"sqlite:///{tempfile.mkdtemp(prefix='towerwatch-bench-')}/bench.sqlite3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_get(session: requests.Session, url: str) -> tuple[float, int]:
    """(ms, status); a connection the server dropped counts as status 0, not as a crash."""
    started = time.perf_counter()
    try:
        status = session.get(url, timeout=30).status_code
    except requests.ConnectionError:
        status = 0
    return (time.perf_counter() - started) * 1000, status


def load(base: str, path: str, clients: int) -> dict:
    """p50/p95 over REQUESTS_PER_URL GETs from `clients` threads."""
    sessions = [requests.Session() for _ in range(clients)]
    jobs = [(sessions[i % clients], base + path) for i in range(REQUESTS_PER_URL)]
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda job: timed_get(*job), jobs))
    timings = [ms for ms, _ in results]
    cuts = statistics.quantiles(timings, n=100)
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(cuts[94], 1),
            "non_200": sum(1 for _, status in results if status != 200)}  # fmt: skip


def measure_web() -> dict:
    database = bench_database()
    env = {**os.environ, "DATABASE_URL": database, "DEBUG": "0", "SECRET_KEY": "bench-only",
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
           "SECURE_COOKIES": "0"}  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )  # DEBUG off serves hashed static files: build them
    fill_command = [sys.executable, "bench/bench_web.py", "--requests", "30", "--keep"]
    filled = subprocess.run(fill_command, cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)  # fmt: skip
    if database.startswith("sqlite"):
        kept = [line for line in filled.stdout.splitlines() if line.startswith("database kept:")]
        env["DATABASE_URL"] = "sqlite:///" + kept[-1].split(": ", 1)[1]
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="towerwatch-gunicorn-")) / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "towerwatch.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base)
        urls, skipped = warm_up(base, filled.stdout)
        concurrent = {f"{clients} clients": level(base, urls, clients) for clients in CLIENT_LEVELS}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"database": database.split("://")[0],
            "cache": env.get("CACHE_BACKEND", "locmem (default)").rsplit(".", 1)[-1],
            "requests_per_url": REQUESTS_PER_URL, "floor": STATIC_FLOOR,
            "skipped_not_anonymous": skipped, "concurrent": concurrent, "server_log": str(log),
            "sequential_report": filled.stdout.strip().splitlines()}  # fmt: skip


def warm_up(base: str, fill_report: str) -> tuple[list[str], dict[str, int]]:
    """The pages and API lists bench_web.py names, each requested by 8 clients at once so that
    every worker has computed it; those that answer an anonymous client otherwise are left out."""
    line = next(line for line in fill_report.splitlines() if line.startswith("urls: "))
    urls, skipped = [], {}
    with ThreadPoolExecutor(8) as pool:
        for path in json.loads(line.removeprefix("urls: ")):
            statuses = set(pool.map(status_of, [base + path] * 8))
            if statuses == {200}:
                urls.append(path)
            else:
                skipped[path] = max(statuses)
    return urls, skipped


def status_of(url: str) -> int:
    return requests.get(url, timeout=60).status_code


def level(base: str, urls: list[str], clients: int) -> dict:
    """Every URL at one concurrency, the static floor first; each with its p50 over the floor's,
    and the worst p95 of all."""
    floor = load(base, STATIC_FLOOR, clients)
    figures = {"floor": floor}
    for path in urls:
        figures[path] = load(base, path, clients)
        figures[path]["p50_over_floor"] = round(figures[path]["p50_ms"] / floor["p50_ms"], 1)
    figures["worst_p95_ms"] = max(figures[path]["p95_ms"] for path in urls)
    return figures


def _wait_until_up(base: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/api/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(f"gunicorn did not answer on {base}")
