"""The checks of deploy/scaleout-check, run against two live web servers.

    scaleout_check.py before STATE_FILE   # primary + replica, two servers, a worker
    scaleout_check.py after STATE_FILE    # after the replica was promoted and the
                                          # servers restarted on it

Talks HTTP to the servers like a browser behind a load balancer (one cookie
jar for both: they share the sessions through the database) and reads the
databases' own views (LSNs, pg_stat_activity) through psycopg. Every failed
check raises CheckFailed; the exit code is 1 then. Standard library plus
psycopg (already installed with the product).

Environment: WEB1, WEB2 (base URLs), PRIMARY_DSN, REPLICA_DSN (libpq
connection strings to the maintenance database "postgres"), APP_DB (the
application's database name), READ_YOUR_WRITES_SECONDS, LOCAL_DIRS (each
machine's own data directory, colon-separated) and, when files go to a
bucket, the servers' TONGXIN_S3_* variables (read with boto3, installed
with the product).
"""

import datetime
import http.cookiejar
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg

PASSWORD = "tongxin-demo"
COOKIE_PRIMARY = "tongxin_primary"  # tongxin/core/db_router.py


class CheckFailed(Exception):
    pass


def ok(what: str) -> None:
    print(f"  ✓ {what}", flush=True)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)
    ok(what)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user's browser: a cookie jar shared by both servers (same host)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, url: str, data: dict | None = None, *, referer: str | None = None):
        """(status, body bytes, headers); redirects are not followed."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        if referer:
            request.add_header("Referer", referer)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def get(self, url: str):
        return self.request(url)

    def post(self, page_url: str, action_url: str, data: dict):
        """POST `data` with the CSRF token of the form on `page_url`."""
        status, body, _ = self.get(page_url)
        if status != 200:
            raise CheckFailed(f"GET {page_url} answered {status}")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        value = token[1].decode() if token else self.cookie("csrftoken")
        if not value:
            raise CheckFailed(f"no CSRF token from {page_url}")
        return self.request(action_url, {**data, "csrfmiddlewaretoken": value}, referer=page_url)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def login(self, base: str, username: str) -> None:
        status, _, headers = self.post(
            f"{base}/login/", f"{base}/login/", {"username": username, "password": PASSWORD}
        )
        if status != 302 or "/login/" in headers.get("Location", ""):
            raise CheckFailed(f"{username} could not sign in at {base} (status {status})")

    def forget(self, name: str) -> None:
        for cookie in list(self.jar):
            if cookie.name == name:
                self.jar.clear(cookie.domain, cookie.path, cookie.name)

    def set_cookie(self, name: str, value: str) -> None:
        template = next(iter(self.jar))
        cookie = http.cookiejar.Cookie(
            0, name, value, None, False, template.domain, template.domain_specified,
            template.domain_initial_dot, "/", True, False, None, False, None, None, {},
        )  # fmt: skip
        self.jar.set_cookie(cookie)


def text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def first_person(browser: Browser, base: str) -> int:
    status, body, _ = browser.get(f"{base}/persons/")
    if status != 200:
        raise CheckFailed(f"person list answered {status}")
    found = re.search(r'href="/persons/(\d+)/"', text(body))
    if not found:
        raise CheckFailed("no person on the list page")
    return int(found[1])


def person_version(browser: Browser, base: str, pk: int) -> tuple[int, str]:
    status, body, _ = browser.get(f"{base}/persons/{pk}/")
    if status != 200:
        raise CheckFailed(f"person {pk} answered {status} at {base}")
    page = text(body)
    version = re.search(r'<dt class="col-5">版本</dt><dd class="col-7">(\d+)</dd>', page)
    state = "已出库" if 'badge text-bg-secondary">已出库' in page else "在库"
    return int(version[1]), state


def summary_table(browser: Browser, base: str) -> str:
    status, body, _ = browser.get(f"{base}/reports/summary/")
    if status != 200:
        raise CheckFailed(f"附件1 answered {status} at {base}")
    tables = re.findall(r"<table.*?</table>", text(body), flags=re.S)
    if not tables:
        raise CheckFailed("附件1 has no table")
    return "\n".join(tables)


def app_figures(dsn: str, database: str) -> dict:
    """What must survive the switch-over, read from the database itself."""
    with psycopg.connect(dsn.replace("dbname=postgres", f"dbname={database}")) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "persons": one("SELECT count(*) FROM people_person"),
            "archived": one("SELECT count(*) FROM people_person WHERE status = 'archived'"),
            "person_history": one(
                "SELECT coalesce(max(history_id), 0) FROM people_historicalperson"
            ),
            "audit_entries": one("SELECT count(*) FROM audit_auditentry"),
            "report_jobs_done": one("SELECT count(*) FROM reports_reportjob WHERE status = 'done'"),
        }


def replica_caught_up(primary_dsn: str, replica_dsn: str, timeout: float = 60) -> float:
    """Wait until the replica has replayed the primary's WAL as it is now; the seconds it took."""
    started = time.monotonic()
    with psycopg.connect(primary_dsn) as primary:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = started + timeout
    with psycopg.connect(replica_dsn, autocommit=True) as replica:
        while True:
            behind = replica.execute(
                "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())", [target]
            ).fetchone()[0]
            if behind <= 0:
                return time.monotonic() - started
            if time.monotonic() > deadline:
                raise CheckFailed(f"the replica is still {behind} bytes behind after {timeout}s")
            time.sleep(0.01)


def app_connections(dsn: str, database: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchone()[0]


def wait_for_file(browser: Browser, url: str, timeout: float = 180) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        status, body, _ = browser.get(url)
        if status == 200:
            return body
        if time.monotonic() > deadline:
            raise CheckFailed(f"{url} still answers {status} after {timeout}s")
        time.sleep(1)


def bucket_objects() -> list[tuple[str, int]]:
    """(key, size) of every object in the servers' bucket."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=os.environ.get("TONGXIN_S3_ENDPOINT_URL") or None,
        region_name=os.environ.get("TONGXIN_S3_REGION") or None,
        aws_access_key_id=os.environ.get("TONGXIN_S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("TONGXIN_S3_SECRET_ACCESS_KEY") or None,
    )
    listed = client.list_objects_v2(Bucket=os.environ["TONGXIN_S3_BUCKET"])
    return [(item["Key"], item["Size"]) for item in listed.get("Contents", [])]


def _files_under(directory: str) -> list[str]:
    return [os.path.join(root, name) for root, _dirs, names in os.walk(directory) for name in names]


def before(state_file: str) -> None:
    web1, web2 = os.environ["WEB1"], os.environ["WEB2"]
    primary_dsn, replica_dsn = os.environ["PRIMARY_DSN"], os.environ["REPLICA_DSN"]
    database = os.environ["APP_DB"]
    wait = float(os.environ["READ_YOUR_WRITES_SECONDS"])

    print("1. A change through one server is seen through the other at once")
    staff = Browser()
    staff.login(web1, "xingning")
    pk = first_person(staff, web1)
    version, state = person_version(staff, web2, pk)
    check(state == "在库", f"person {pk} is 在库 on server 2")
    status, _, _ = staff.post(
        f"{web1}/persons/{pk}/",
        f"{web1}/persons/{pk}/archive/",
        {"reason": "moved_away", "on_date": datetime.date.today().isoformat(), "version": version},
    )
    check(status == 302, "archived through server 1")
    lag = replica_caught_up(primary_dsn, replica_dsn)
    print(f"   (the replica had replayed the change {lag * 1000:.0f} ms after the response)")
    _, state = person_version(staff, web2, pk)
    check(state == "已出库", "server 2 shows it 已出库 at once (same database, shared cache)")

    print("2. A file made by the worker is served by either server (shared storage)")
    status, _, headers = staff.post(f"{web1}/reports/", f"{web1}/reports/persons/export/", {})
    job = re.search(r"/reports/jobs/(\d+)/", headers.get("Location", "") or "")
    check(status == 302 and job is not None, "export job queued through server 1")
    data = wait_for_file(staff, f"{web2}/reports/jobs/{job[1]}/download/")
    check(data[:2] == b"PK", f"server 2 hands out the worker's file ({len(data)} bytes, xlsx)")
    if os.environ.get("TONGXIN_S3_BUCKET"):
        stored = bucket_objects()
        check(
            any(size == len(data) for key, size in stored if "/exports/" in key),
            f"the file is in the bucket ({len(stored)} objects there)",
        )
    local = [
        path
        for directory in filter(None, os.environ.get("LOCAL_DIRS", "").split(":"))
        for path in _files_under(os.path.join(directory, "media"))
    ]
    check(not local, "no machine keeps an uploaded or generated file on its own disk")

    print("3. A report served from the replica matches the primary after catch-up")
    reader = Browser()
    reader.login(web2, "city")
    # Signing in is a write: read-your-writes keeps this browser on the
    # primary until its marker expires.
    time.sleep(wait + 1)
    reader.forget(COOKIE_PRIMARY)  # the browser has dropped it by now (max-age)
    replica_caught_up(primary_dsn, replica_dsn)
    ok("replica caught up with the primary's WAL")
    # Nothing so far was a page that may read the replica: no server is connected to it.
    check(app_connections(replica_dsn, database) == 0, "no server has read the replica yet")
    started = time.monotonic()
    from_replica = summary_table(reader, web2)
    replica_ms = (time.monotonic() - started) * 1000
    check(app_connections(replica_dsn, database) > 0, "serving 附件1 connected to the replica")
    reader.set_cookie(COOKIE_PRIMARY, "1")  # as after a change: read from the primary
    started = time.monotonic()
    from_primary = summary_table(reader, web2)
    print(
        f"   (附件1 page: {replica_ms:.0f} ms from the replica, "
        f"{(time.monotonic() - started) * 1000:.0f} ms from the primary)"
    )
    check(
        from_replica == from_primary and "<td" in from_replica,
        f"附件1 from the replica equals the primary's ({len(from_replica)} characters of table)",
    )

    figures = app_figures(primary_dsn, database)
    with open(state_file, "w") as out:
        json.dump({"person": pk, "job": int(job[1]), "figures": figures}, out)
    print(f"   figures on the primary before the switch-over: {figures}")


def after(state_file: str) -> None:
    web1, web2 = os.environ["WEB1"], os.environ["WEB2"]
    new_primary_dsn = os.environ["PRIMARY_DSN"]
    database = os.environ["APP_DB"]
    with open(state_file) as handle:
        state = json.load(handle)

    print("4. After promotion and switch-over: nothing lost, the servers work again")
    figures = app_figures(new_primary_dsn, database)
    check(figures == state["figures"], f"the promoted database holds everything: {figures}")
    staff = Browser()
    staff.login(web2, "xingning")
    pk = state["person"]
    version, status_text = person_version(staff, web1, pk)
    check(status_text == "已出库", f"person {pk} is still 已出库 (server 1)")
    status, _, _ = staff.post(
        f"{web2}/persons/{pk}/", f"{web2}/persons/{pk}/restore/", {"note": "", "version": version}
    )
    check(status == 302, "restored through server 2 (the new primary takes writes)")
    _, status_text = person_version(staff, web1, pk)
    check(status_text == "在库", "server 1 sees it 在库 at once")
    data = wait_for_file(staff, f"{web1}/reports/jobs/{state['job']}/download/", timeout=5)
    check(data[:2] == b"PK", "the export made before the switch-over is still there")


def main() -> int:
    phase, state_file = sys.argv[1], sys.argv[2]
    try:
        {"before": before, "after": after}[phase](state_file)
    except CheckFailed as failure:
        print(f"  ✗ {failure}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
