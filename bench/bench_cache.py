"""The shared cache: file cache vs PostgreSQL (Django's DatabaseCache) vs Redis,
for what the product actually keeps in it.

Usage (from the checkout, with the virtualenv; PostgreSQL and Redis running):

    .venv/bin/python bench/bench_cache.py \
        --pg postgres://postgres@127.0.0.1:5432/tx_cachebench --redis redis://127.0.0.1:6379/15

The database named in --pg is created if missing and gets the cache table.
Each backend is driven through Django's cache API with the values and
calls the product makes:

- "page": what one page view asks of the cache before any query: the
  placements version and the user's kept scope (regions/scope.py: ~300
  region ids for a city user), the figures epoch and three remembered
  figures (core/versioned_cache.py, kept_counts.py: a dict of ~400 grouped
  counts each, as the structure analysis keeps);
- "write": what a change costs: bumping the scope version (incr) and an
  import's progress (set);
- "counter": a per-client request counter (add + incr with a timeout), the
  shape of a rate limit.

Each is run --runs times after a warm-up, in one process, then with
--procs processes at once (several web workers on one cache). Prints p50
and p95 per operation in milliseconds and a Markdown table.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_ALLOW_INSECURE_KEY", "1")

SCOPE = ("45.4501.", False, list(range(1000, 1300)))
FIGURES = (
    time.time(),
    {
        (g, level, band): (g * 7 + band, band)
        for g in range(20)
        for level in range(4)
        for band in range(5)
    },
)


def _cache_url(backend: str, args) -> str:
    """The product's own setting (TONGXIN_CACHE_URL) for each backend."""
    if backend == "file":
        return "file://" + tempfile.mkdtemp(prefix="tx-cache-bench-")
    if backend == "postgres":
        return "db://"
    return args.redis


def _setup_django(args, backend: str) -> None:
    os.environ["TONGXIN_DATABASE_URL"] = args.pg
    os.environ["TONGXIN_CACHE_URL"] = _cache_url(backend, args)
    import django

    django.setup()


def _ops():
    """{name: callable}: one call is one operation as the product makes it."""
    from django.core.cache import caches

    cache = caches["default"]
    cache.set("scope:version", 7, None)
    cache.set("figures:epoch", 1, None)
    cache.set("scope:7:42", SCOPE, 3600)
    for n in range(3):
        cache.set(f"counts:v2:figure{n}", FIGURES, 600)

    def page():
        cache.get("scope:version")
        cache.get("scope:7:42")
        cache.get("figures:epoch")
        for n in range(3):
            cache.get(f"counts:v2:figure{n}")

    def write():
        cache.incr("scope:version")
        cache.set("import:progress:1", (5000, 100000), 3600)

    def counter():
        key = f"rate:client:{int(time.time()) // 60}"
        cache.add(key, 0, 120)
        cache.incr(key)

    return {"page": page, "write": write, "counter": counter}


def _measure(runs: int) -> dict[str, list[float]]:
    ops = _ops()
    timings = {}
    for name, op in ops.items():
        for _ in range(min(50, runs)):
            op()
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            op()
            samples.append((time.perf_counter() - start) * 1000)
        timings[name] = samples
    return timings


def _worker(runs, queue):
    queue.put(_measure(runs))


def _child(args) -> None:
    """One backend: alone, then --procs processes at once; prints a repr of the result."""
    _setup_django(args, args.child)
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connections

    if args.child == "postgres":
        call_command("createcachetable", verbosity=0)
    alone = _measure(args.runs)
    for cache in caches.all(initialized_only=True):
        cache.close()
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    procs = [
        context.Process(target=_worker, args=(args.runs // 2, queue)) for _ in range(args.procs)
    ]
    for p in procs:
        p.start()
    together: dict[str, list[float]] = {}
    for _ in procs:
        for name, samples in queue.get().items():
            together.setdefault(name, []).extend(samples)
    for p in procs:
        p.join()
    result = {
        name: [
            _pct(alone[name], 50),
            _pct(alone[name], 95),
            _pct(together[name], 50),
            _pct(together[name], 95),
        ]
        for name in alone
    }
    print(repr(result))


def _pct(samples, q):
    return statistics.quantiles(samples, n=100)[q - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/tx_cachebench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--backends", default="file,postgres,redis")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return 0

    import ast
    import subprocess

    _ensure_database(args.pg)
    subprocess.run(
        [sys.executable, "-m", "tongxin.cli", "migrate", "--noinput", "-v", "0"],
        env={**os.environ, "TONGXIN_DATABASE_URL": args.pg},
        check=True,
    )
    rows = []
    for backend in args.backends.split(","):
        output = subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--child", backend],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = ast.literal_eval(output.strip().splitlines()[-1])
        for name, values in result.items():
            rows.append((backend, name, *values))
            print(f"{backend:9} {name:8} " + " ".join(f"{v:7.3f}" for v in values), flush=True)
    load = os.getloadavg()
    print(f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; runs {args.runs}")
    print(
        f"\n| backend | operation | p50 ms | p95 ms | p50 ms, {args.procs} processes "
        f"| p95 ms, {args.procs} processes |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | " + " | ".join(f"{v:.3f}" for v in row[2:]) + " |")
    return 0


def _ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
