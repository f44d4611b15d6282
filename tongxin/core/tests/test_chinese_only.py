"""The page walk of issue 18: every page, for every role, speaks Chinese.

It walks the resolver like the leak test (regions/tests/test_leaks.py), so a
new page is crawled the day it is added: every route without parameters, and
every route with parameters through the leak test's table of ids, for a
system admin, a city user, a county user, a leader and an evaluator, in a
small world of persons and records. A page fails on English Django default
text, on Python values shown as values (None, True, False) and on model
field names shown as text. Only what a user reads counts: tags, scripts and
styles are stripped first, so attribute values (name="id_number") pass.

Forms are then sent back empty, and filter bars given nonsense, so their
error messages are read too.
"""

import html
import re

import pytest
from django.apps import apps
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.conftest import PASSWORD
from tongxin.regions.tests.test_leaks import PARAMS, _kwargs, _pick, _routes
from tongxin.regions.tests.world import build_world

pytestmark = pytest.mark.django_db

ROLES = ["admin", "city", "xingning", "leader", "evaluator"]

# Never requested: they end the session, or belong to Django's own admin.
SKIPPED = {"logout", "account:logout_everywhere"}

ENGLISH = [
    "This field is required",
    "Not Found",
    "Server Error",
    "Forbidden",
    "Bad Request",
    "Page not found",
    "Select a valid choice",
    "Enter a valid",
    "Enter a whole number",
    "Ensure this value",
    "Ensure this field",
    "already exists",
    "Currently:",
    "Upload a valid image",
    "The submitted file is empty",
    "No file was submitted",
    "CSRF verification failed",
    "Please correct the",
    "Next page",
    "Previous page",
]
PYTHON_VALUES = re.compile(r"(?<![A-Za-z_])(None|True|False)(?![A-Za-z_])")
# Python's repr of a dict, list, model or object: {'B': 1}, ['a'], <Person: 张三>.
PYTHON_REPR = re.compile(r"[{\[]'|<[A-Z][A-Za-z]+: |<QuerySet|object at 0x")
# snake_case words: the shape of a field, model or template variable name.
IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_/@-])")


def _field_names() -> set[str]:
    """Every field name of the product's own models (user-facing text never shows them)."""
    names = set()
    for model in apps.get_models():
        if not model.__module__.startswith("tongxin."):
            continue
        names |= {f.name for f in model._meta.get_fields() if "_" in f.name}
    return names


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles, comments or tags; entities decoded."""
    page = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"<[^>]+>", " ", page)
    # Placeholders a user types into a Word template ({{ id_number }}) are names by design.
    return re.sub(r"\{\{ *[a-z0-9_]+ *\}\}", " ", html.unescape(page))


def problems_in(text: str, field_names: set[str]) -> list[str]:
    found = [phrase for phrase in ENGLISH if phrase in text]
    found += [f"repr {m.group(0)!r}: …{_around(text, m)}…" for m in PYTHON_REPR.finditer(text)]
    found += [f"value {m.group(0)!r}: …{_around(text, m)}…" for m in PYTHON_VALUES.finditer(text)]
    for m in IDENTIFIER.finditer(text):
        kind = "field name" if m.group(0) in field_names else "identifier"
        found.append(f"{kind} {m.group(0)!r}: …{_around(text, m)}…")
    return found


def _around(text: str, match) -> str:
    return " ".join(text[max(0, match.start() - 30) : match.end() + 30].split())


@pytest.fixture
def world(make_person, regions):
    made = build_world(make_person, regions)
    for username, role in (("admin", User.Role.ADMIN), ("city", User.Role.CITY)):
        user = User.objects.create_user(username=username, password=PASSWORD, role=role)
        user.regions.set([regions["city"]])
        made.users[username] = user
    _act(made)
    return made


def _act(world):
    """What an office does in a day, through the services: the audit log,
    histories and logs then hold real entries to render."""
    from django.utils import timezone

    from tongxin.evaluations import results, rounds
    from tongxin.people import services as people
    from tongxin.service import services as service
    from tongxin.service.models import Department

    admin, today = world.users["admin"], timezone.localdate()
    person = world.persons["xingning"]
    person = people.person_update(
        actor=admin, person=person, data={"mobile": "13700000001", "employer": "新单位"},
        expected_version=person.version,
    )  # fmt: skip
    people.person_reveal(actor=admin, person=person)
    request = world.by_unit["xingning"]["request"]
    department = Department.objects.create(name="市工商联")
    service.service_request_assign(
        actor=admin, service_request=request, department=department, due_date=today,
        assigned_on=today,
    )  # fmt: skip
    service.service_request_progress_add(
        actor=admin, service_request=request, on_date=today, note="已联系"
    )
    evaluation_round = world.by_unit["xingning"]["round"]
    evaluation_round = rounds.round_open(actor=admin, evaluation_round=evaluation_round)
    results.round_close(actor=admin, evaluation_round=evaluation_round)


def _urls_for(user):
    """(route name, url) of every page the walk opens for `user`."""
    for name, text, params in _routes():
        if not name or text.startswith("django-admin/") or name in SKIPPED:
            continue
        if not params:
            yield name, reverse(name)
            continue
        row = _pick(PARAMS[name], user, inside=True)
        if row is not None:
            yield name, reverse(name, kwargs=_kwargs(PARAMS[name], row))


def _is_html(response) -> bool:
    return not response.streaming and "text/html" in response.get("Content-Type", "")


def _log_in(client, user):
    client.force_login(user, backend="tongxin.accounts.backends.TongxinBackend")


@pytest.mark.parametrize("username", ROLES)
def test_every_page_speaks_chinese(client, world, username):
    user = world.users[username]
    _log_in(client, user)
    field_names = _field_names()
    person = world.persons["xingning"]
    outside = world.persons["chengzhong"]  # 柳州: most roles get the 404 page
    urls = [
        *_urls_for(user),
        ("people:detail", reverse("people:detail", args=[person.pk])),
        ("people:detail", reverse("people:detail", args=[outside.pk])),
        ("missing", "/no-such-page/"),
    ]
    problems, pages = [], 0
    for name, url in urls:
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url, **headers)
            if response.status_code >= 500:
                problems.append(f"GET {url} ({name}) → {response.status_code}")
            if not _is_html(response):
                continue
            pages += 1
            for found in problems_in(visible_text(response.content.decode()), field_names):
                problems.append(f"GET {url} ({name}): {found}")
    assert pages > 50, "the walk must reach the product's own pages"
    assert not problems, "\n".join(sorted(set(problems)))


# A GET page holding a <form method="post"> that posts back to itself.
POSTS_BACK = re.compile(r'<form\b[^>]*method="post"(?![^>]*action="(?!")[^"]+")', re.I)


@pytest.mark.parametrize("username", ["admin", "xingning"])
def test_every_form_sent_empty_answers_in_chinese(client, world, username):
    user = world.users[username]
    field_names = _field_names()
    problems = []
    for name, url in _urls_for(user):
        _log_in(client, user)  # a form may end the session (e.g. a password change)
        page = client.get(url)
        if not _is_html(page) or not POSTS_BACK.search(page.content.decode()):
            continue
        # A browser always sends the CSRF token: the form is bound, every field empty.
        response = client.post(url, {"csrfmiddlewaretoken": "x"})
        if response.status_code >= 500:
            problems.append(f"POST {url} ({name}) → {response.status_code}")
        if not _is_html(response):
            continue
        for found in problems_in(visible_text(response.content.decode()), field_names):
            problems.append(f"POST {url} ({name}): {found}")
    assert not problems, "\n".join(sorted(set(problems)))


GET_FORM = re.compile(r'<form\b(?![^>]*method="post")[^>]*>(.*?)</form>', re.I | re.S)
FIELD_NAME = re.compile(r'<(?:input|select)\b[^>]*\bname="([^"]+)"', re.I)


@pytest.mark.parametrize("username", ["admin", "xingning"])
def test_every_filter_given_nonsense_answers_in_chinese(client, world, username):
    """A filter bar fed letters where it expects a number, a date or a choice
    (a hand-edited or outdated link) explains itself in Chinese."""
    user = world.users[username]
    _log_in(client, user)
    field_names = _field_names()
    problems = []
    for name, url in _urls_for(user):
        page = client.get(url)
        if not _is_html(page):
            continue
        for form in GET_FORM.findall(page.content.decode()):
            fields = {f for f in FIELD_NAME.findall(form) if f != "csrfmiddlewaretoken"}
            if not fields:
                continue
            response = client.get(url, {f: "abc" for f in fields})
            if response.status_code >= 500:
                problems.append(f"GET {url}?… ({name}) → {response.status_code}")
            if not _is_html(response):
                continue
            for found in problems_in(visible_text(response.content.decode()), field_names):
                problems.append(f"GET {url} filtered ({name}): {found}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_detector_sees_english_and_raw_values():
    page = (
        '<script>var x = "None";</script><input name="id_number" value="True">'
        "<ul class='errorlist'><li>This field is required.</li></ul>"
        "<td>None</td><td>birth_date</td><td>False</td><p>等次分布：{'B': 1}</p>"
    )
    found = problems_in(visible_text(page), {"birth_date"})
    assert "This field is required" in found
    assert any("'None'" in f for f in found) and any("'False'" in f for f in found)
    assert any("field name 'birth_date'" in f for f in found)
    assert any(f.startswith("repr") for f in found)
    assert not any("id_number" in f or "'True'" in f for f in found)
