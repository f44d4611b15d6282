"""The leak test: every URL the product answers, for every scoped user.

It cannot fall behind the code: the URL patterns come from the resolver, and
a pattern with parameters that has no entry in PARAMS fails the suite. For
each user it requests

- every route with the ids of records outside the user's scope: 404 (a write
  route also refuses a POST);
- every route with ids the user may see, and every route without ids (as a
  page and as an htmx partial): the response may not contain a name, title,
  ID number or mobile of a record outside the scope. Downloads are opened
  (xlsx/docx/zip) and read too.
"""

import datetime
import io
import json
import re
import zipfile

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tongxin.accounts.models import User
from tongxin.api.models import ApiClient
from tongxin.dedupe.merge import person_merge
from tongxin.dedupe.models import DuplicatePair, Merge
from tongxin.engagement.models import (
    Activity,
    ActivityAttachment,
    ActivityParticipant,
    Cluster,
    ClusterMembership,
    Honour,
    Invitation,
    Nomination,
    Organisation,
    OrganisationMember,
    ParticipantBatch,
    Position,
    Secondment,
    Training,
    TrainingParticipant,
)
from tongxin.evaluations import access as evaluation_access
from tongxin.evaluations.models import (
    EvaluationRound,
    EvaluationSheet,
    IndicatorSystem,
    RemovalProposal,
)
from tongxin.flows.models import ChangeRequest as FlowRequest
from tongxin.flows.models import RequestAttachment
from tongxin.imports.access import (
    batches_visible_to,
    photo_batches_visible_to,
    proposals_visible_to,
)
from tongxin.imports.models import ImportBatch, PhotoBatch, ValueMappingProposal
from tongxin.people.models import Person
from tongxin.portal.models import ChangeItem, PersonalLink, SubmissionAttachment
from tongxin.portal.models import ChangeRequest as PortalChange
from tongxin.privacy.models import PrivacyRequest
from tongxin.qualification.models import Condition
from tongxin.regions.models import Region
from tongxin.regions.scope import read_scope
from tongxin.reports.access import report_jobs_visible_to
from tongxin.reports.models import ReportJob
from tongxin.service.models import Department, ServiceRequest, Suggestion

from .world import SUFFIXES, UNITS, build_world

pytestmark = pytest.mark.django_db

SCOPED_USERS = ["xingning", "jiedao", "liuzhou", "leader", "evaluator"]


def _region_owned(model):
    return lambda user: model.objects.visible_to(user)


def _by_parent(model, parent_field: str, parent_visible):
    return lambda user: model.objects.filter(**{f"{parent_field}__in": parent_visible(user)})


def _nobody(model):
    """Records that no scoped user reaches (system-admin pages)."""
    return lambda user: model.objects.none()


# model → the records `user` may see (what the product's access layer gives).
VISIBLE = {
    Person: _region_owned(Person),
    Activity: _region_owned(Activity),
    Training: _region_owned(Training),
    Secondment: _region_owned(Secondment),
    Position: _region_owned(Position),
    Nomination: _region_owned(Nomination),
    Honour: _region_owned(Honour),
    Organisation: _region_owned(Organisation),
    Cluster: _region_owned(Cluster),
    ServiceRequest: _region_owned(ServiceRequest),
    PersonalLink: _region_owned(PersonalLink),
    PortalChange: _region_owned(PortalChange),
    SubmissionAttachment: _region_owned(SubmissionAttachment),
    Suggestion: _region_owned(Suggestion),
    EvaluationRound: evaluation_access.rounds_visible_to,
    IndicatorSystem: evaluation_access.indicator_systems_visible_to,
    EvaluationSheet: evaluation_access.sheets_visible_to,
    ImportBatch: batches_visible_to,
    ValueMappingProposal: proposals_visible_to,
    PhotoBatch: photo_batches_visible_to,
    ReportJob: report_jobs_visible_to,
    FlowRequest: _region_owned(FlowRequest),
    User: _nobody(User),
    ApiClient: _nobody(ApiClient),
    Region: _nobody(Region),
    Department: None,  # a directory every reader uses, not region-owned
    Condition: None,  # deployment-wide settings
}
VISIBLE[DuplicatePair] = DuplicatePair.objects.seen_by
VISIBLE[Merge] = _region_owned(Merge)
VISIBLE[ActivityParticipant] = _by_parent(ActivityParticipant, "activity", VISIBLE[Activity])
VISIBLE[TrainingParticipant] = _by_parent(TrainingParticipant, "training", VISIBLE[Training])
VISIBLE[OrganisationMember] = _by_parent(OrganisationMember, "organisation", VISIBLE[Organisation])
VISIBLE[ClusterMembership] = _by_parent(ClusterMembership, "cluster", VISIBLE[Cluster])
VISIBLE[ActivityAttachment] = _by_parent(ActivityAttachment, "activity", VISIBLE[Activity])
VISIBLE[RemovalProposal] = _by_parent(RemovalProposal, "round", VISIBLE[EvaluationRound])
VISIBLE[PrivacyRequest] = _by_parent(PrivacyRequest, "person", VISIBLE[Person])
VISIBLE[ParticipantBatch] = lambda user: (
    ParticipantBatch.objects.filter(activity__in=VISIBLE[Activity](user))
    | ParticipantBatch.objects.filter(training__in=VISIBLE[Training](user))
    | ParticipantBatch.objects.filter(cluster__in=VISIBLE[Cluster](user))
)
VISIBLE[ChangeItem] = _by_parent(ChangeItem, "change_request", VISIBLE[PortalChange])
VISIBLE[RequestAttachment] = _by_parent(RequestAttachment, "request", VISIBLE[FlowRequest])


class ActivityInvitation:
    """The invitations to activities (one route's rows); TrainingInvitation likewise."""

    objects = Invitation.objects.filter(activity__isnull=False)


class TrainingInvitation:
    objects = Invitation.objects.filter(training__isnull=False)


# An invitation is reached through its record and shown when its person is in scope.
VISIBLE[ActivityInvitation] = lambda user: ActivityInvitation.objects.filter(
    activity__in=VISIBLE[Activity](user)
).visible_to(user)
VISIBLE[TrainingInvitation] = lambda user: TrainingInvitation.objects.filter(
    training__in=VISIBLE[Training](user)
).visible_to(user)


def _row(model, **kwargs_from_row):
    """A route keyed by a row: {kwarg: attribute of the row}."""
    return ("row", model, kwargs_from_row)


def _pk(model):
    return ("row", model, {"pk": "pk"})


def _fixed(**kwargs):
    """Parameters that name no region-owned record."""
    return ("fixed", None, kwargs)


ENGAGEMENT_MODELS = {
    "activities": Activity,
    "trainings": Training,
    "secondments": Secondment,
    "positions": Position,
    "nominations": Nomination,
    "honours": Honour,
    "organisations": Organisation,
    "clusters": Cluster,
}
WITHDRAW_ROWS = {
    "activities": (ActivityParticipant, "activity_id"),
    "trainings": (TrainingParticipant, "training_id"),
    "organisations": (OrganisationMember, "organisation_id"),
    "clusters": (ClusterMembership, "cluster_id"),
}

# How to fill each route's parameters. A new route with parameters must be added here.
PARAMS = {
    "dedupe:pair": _pk(DuplicatePair),
    "dedupe:dismiss": _pk(DuplicatePair),
    "dedupe:merge": _pk(DuplicatePair),
    "dedupe:merge_undo": _pk(Merge),
    "people:detail": _pk(Person),
    "people:edit": _pk(Person),
    "people:archive": _pk(Person),
    "people:restore": _pk(Person),
    "people:reveal": _pk(Person),
    "people:photo": _pk(Person),
    "manual": _fixed(page="imports"),
    "dictionaries:list": _fixed(slug="ethnicities"),
    "dictionaries:create": _fixed(slug="ethnicities"),
    "dictionaries:edit": _fixed(slug="ethnicities", pk=1),
    "regions:edit": _pk(Region),
    "accounts:user_edit": _pk(User),
    "accounts:user_password": _pk(User),
    "mfa:user": _pk(User),
    "mfa:user_reset": _pk(User),
    "imports:detail": _pk(ImportBatch),
    "imports:mapping": _pk(ImportBatch),
    "imports:progress": _pk(ImportBatch),
    "imports:commit": _pk(ImportBatch),
    "imports:undo": _pk(ImportBatch),
    "imports:rejected": _pk(ImportBatch),
    "imports:map_value": _pk(ImportBatch),
    "imports:recheck": _pk(ImportBatch),
    "imports:decide_proposal": _pk(ValueMappingProposal),
    "imports:photo_detail": _pk(PhotoBatch),
    "imports:photo_commit": _pk(PhotoBatch),
    "imports:photo_undo": _pk(PhotoBatch),
    "reports:person_form": _pk(Person),
    "reports:job": _pk(ReportJob),
    "reports:job_download": _pk(ReportJob),
    "evaluations:round_detail": _pk(EvaluationRound),
    "evaluations:round_edit": _pk(EvaluationRound),
    "evaluations:round_persons_add": _pk(EvaluationRound),
    "evaluations:round_persons_preview": _pk(EvaluationRound),
    "evaluations:round_person_remove": _row(EvaluationSheet, pk="round_id", person_pk="person_id"),
    "evaluations:round_evaluators_add": _pk(EvaluationRound),
    "evaluations:round_evaluator_remove": _row(
        EvaluationSheet, pk="round_id", user_pk="evaluator_id"
    ),
    "evaluations:round_open": _pk(EvaluationRound),
    "evaluations:round_close": _pk(EvaluationRound),
    "evaluations:round_export": _pk(EvaluationRound),
    "evaluations:proposal_decide": _pk(RemovalProposal),
    "evaluations:sheet_detail": _pk(EvaluationSheet),
    "evaluations:sheet_grid": _row(EvaluationSheet, pk="round_id"),
    "evaluations:system_detail": _pk(IndicatorSystem),
    "evaluations:system_edit": _pk(IndicatorSystem),
    "evaluations:system_set_active": _pk(IndicatorSystem),
    "engagement:nomination_stage": _pk(Nomination),
    "engagement:participant_update": _row(
        ActivityParticipant, pk="activity_id", participant_pk="pk"
    ),
    "engagement:attachment_upload": _pk(Activity),
    "engagement:attachment_download": _row(
        ActivityAttachment, pk="activity_id", attachment_pk="pk"
    ),
    "engagement:attachment_remove": _row(ActivityAttachment, pk="activity_id", attachment_pk="pk"),
    "engagement:member_add": _pk(Organisation),
    "engagement:member_end": _row(OrganisationMember, pk="organisation_id", member_pk="pk"),
    "engagement:person_timeline": _pk(Person),
    "service:department_edit": _row(Department, pk="pk"),
    "service:request_detail": _pk(ServiceRequest),
    "service:request_edit": _pk(ServiceRequest),
    "service:request_assign": _pk(ServiceRequest),
    "service:request_progress": _pk(ServiceRequest),
    "service:request_close": _pk(ServiceRequest),
    "service:request_follow_up": _pk(ServiceRequest),
    "service:request_cancel": _pk(ServiceRequest),
    "service:suggestion_detail": _pk(Suggestion),
    "service:suggestion_edit": _pk(Suggestion),
    "service:suggestion_forward": _pk(Suggestion),
    "service:suggestion_respond": _pk(Suggestion),
    "levels:change": _pk(Person),
    "levels:review_mark": _pk(Person),
    "qualification:condition_edit": _row(Condition, pk="pk"),
    "privacy:person": _pk(Person),
    "privacy:export": _pk(Person),
    "privacy:correct": _pk(Person),
    "privacy:erase": _pk(Person),
    "portal:change_detail": _pk(PortalChange),
    "portal:change_photo": _row(ChangeItem, pk="change_request_id", item_pk="pk"),
    "portal:link_revoke": _pk(PersonalLink),
    "portal:attachment": _pk(SubmissionAttachment),
    # A person's page (not under test here, see _is_person_page): an unknown
    # token, for the page walks that open every route (core/tests/test_chinese_only.py).
    "me:open": _fixed(token="x" * 32),
    "flows:new": _fixed(kind="recommend"),
    "flows:detail": _pk(FlowRequest),
    "flows:submit": _pk(FlowRequest),
    "flows:withdraw": _pk(FlowRequest),
    "flows:approve": _pk(FlowRequest),
    "flows:return": _pk(FlowRequest),
    "flows:comment": _pk(FlowRequest),
    "flows:attach": _pk(FlowRequest),
    "flows:attachment": _row(RequestAttachment, pk="request_id", attachment_pk="pk"),
}
# The API (tongxin/api): requested with a client's token by test_an_api_client_…
API_RECORD_MODELS = {
    "activities": Activity,
    "trainings": Training,
    "secondments": Secondment,
    "positions": Position,
    "nominations": Nomination,
    "honours": Honour,
    "service_requests": ServiceRequest,
    "suggestions": Suggestion,
}
PARAMS["api_clients:detail"] = _pk(ApiClient)
PARAMS["api_clients:rotate"] = _pk(ApiClient)
PARAMS["api_clients:revoke"] = _pk(ApiClient)
PARAMS["api:person"] = _row(Person, person_id="pk")
PARAMS["api:region"] = _row(Region, region_id="pk")
for _slug, _model in API_RECORD_MODELS.items():
    PARAMS[f"api:{_slug}_one"] = _row(_model, record_id="pk")
for _slug, _model in ENGAGEMENT_MODELS.items():
    for _action in ("detail", "edit", "cancel"):
        PARAMS[f"engagement:{_slug}_{_action}"] = _pk(_model)
for _slug in ("activities", "trainings", "clusters"):
    PARAMS[f"engagement:{_slug}_add_persons"] = _pk(ENGAGEMENT_MODELS[_slug])
for _slug, (_model, _parent) in WITHDRAW_ROWS.items():
    PARAMS[f"engagement:{_slug}_withdraw"] = _row(_model, pk=_parent, row_pk="pk")
for _slug in ("activities", "trainings", "clusters"):
    PARAMS[f"engagement:{_slug}_withdraw_chosen"] = _pk(ENGAGEMENT_MODELS[_slug])
for _slug in ("activities", "trainings"):
    PARAMS[f"engagement:{_slug}_attended"] = _pk(ENGAGEMENT_MODELS[_slug])
PARAMS["engagement:batch_undo"] = _pk(ParticipantBatch)
PARAMS["engagement:activities_invite"] = _pk(Activity)
PARAMS["engagement:trainings_invite"] = _pk(Training)
PARAMS["engagement:activities_invitation_withdraw"] = _row(
    ActivityInvitation, pk="activity_id", invitation_pk="pk"
)
PARAMS["engagement:trainings_invitation_withdraw"] = _row(
    TrainingInvitation, pk="training_id", invitation_pk="pk"
)
PARAMS["engagement:training_participant_update"] = _row(
    TrainingParticipant, pk="training_id", participant_pk="pk"
)


def _routes():
    """(name, pattern text, parameter names) of every URL pattern."""

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace + (f"{p.namespace}:" if p.namespace else "")
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}{p.name}" if p.name else None
                text = prefix + str(p.pattern)
                yield name, text, sorted(p.pattern.regex.groupindex)

    return list(walk(get_resolver().url_patterns))


def _is_admin(text: str) -> bool:
    return text.startswith("django-admin/")


def _is_api(text: str) -> bool:
    """The API answers tokens, not sessions (401): its own test below walks it."""
    return text.startswith("api/v1/")


def _is_person_page(text: str) -> bool:
    # The registered persons' own pages (tongxin/portal/person_urls.py) are
    # outside the staff login: they read no staff user and take no record id,
    # only the person's own signed cookie. Their page walk, lockouts and "A never
    # shows B" are in tongxin/portal/tests/test_person_pages.py.
    return text.startswith("p/")


def _routes_under_test():
    return [
        (n, t, params)
        for n, t, params in _routes()
        if n and not _is_admin(t) and not _is_person_page(t)
    ]


def test_every_route_with_parameters_is_in_the_table():
    missing = [
        f"{name} ({text})"
        for name, text, params in _routes_under_test()
        if params and name not in PARAMS
    ]
    assert not missing, "add these routes to PARAMS in test_leaks.py: " + ", ".join(missing)
    stale = set(PARAMS) - {name for name, _, _ in _routes()}
    assert not stale, f"PARAMS names routes that no longer exist: {sorted(stale)}"


def _kwargs(spec, row) -> dict:
    kind, _model, fields = spec
    if kind == "fixed":
        return dict(fields)
    return {key: getattr(row, attr) for key, attr in fields.items()}


def _pick(spec, user, *, inside: bool, table=None):
    """A row for the route: one the user may see (inside) or may not (outside)."""
    kind, model, _ = spec
    if kind == "fixed":
        return None if not inside else "fixed"
    visible = (table or VISIBLE)[model]
    if visible is None:
        return model.objects.order_by("pk").first() if inside else None
    ids = visible(user).values("pk")
    qs = model.objects.filter(pk__in=ids) if inside else model.objects.exclude(pk__in=ids)
    return qs.order_by("pk").first()


# --- what may not appear --------------------------------------------------------------


def forbidden_for(world, username: str, readable=None) -> set[str]:
    """Names, titles, ID numbers and mobiles of records outside the user's scope
    (or outside `readable`, an API client's scope)."""
    if readable is None:
        readable = read_scope(world.users[username])
    strings = set()
    for unit, label in UNITS.items():
        if readable.contains(world.unit_regions[unit]):
            continue
        person = world.persons[unit]
        suffixes = SUFFIXES
        if world.unit_regions[unit].pk in readable.ancestor_ids():
            # A node's indicator systems serve the nodes below it (Scope.q_shared_down).
            suffixes = [s for s in suffixes if s != "指标体系"]
        if username == "evaluator":
            # An evaluator sees the persons and rounds of the sheets assigned to them,
            # and beside a sheet that person's own records the rubric relies on,
            # made inside the round's region (engagement/evidence.py): here the
            # person's training and honour.
            suffixes = [s for s in SUFFIXES if s not in {"甲", "评价批次", "培训", "表彰"}]
        strings |= {f"{label}{s}" for s in suffixes}
        if username != "evaluator":
            strings |= {person.id_number, person.mobile, f"{label}公司"}
    mover = world.persons["mover"]
    if not readable.contains(mover.region_id):
        strings |= {mover.id_number, mover.mobile, "城中新单位"}
        if username != "evaluator":
            strings.add(mover.name)
    if not readable.contains(world.regions["xingning"]):
        strings.add("迁出人诉求")
    # Full identifiers of visible persons never appear unmasked either (reveal is separate).
    return {s for s in strings if s}


def _content(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if body[:2] == b"PK":
        texts = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                if data[:2] == b"PK":  # a docx inside a zip of forms
                    with zipfile.ZipFile(io.BytesIO(data)) as inner:
                        texts += [inner.read(n).decode("utf-8", "ignore") for n in inner.namelist()]
                else:
                    texts.append(data.decode("utf-8", "ignore"))
        return "\n".join(texts)
    if "text" in kind or "json" in kind or "csv" in kind or not kind:
        return body.decode("utf-8", "ignore")
    return body.decode("utf-8", "ignore")


def _leaks(text: str, forbidden: set[str]) -> list[str]:
    plain = re.sub(r"<[^>]+>", "", text)
    return sorted(s for s in forbidden if s in text or s in plain)


@pytest.fixture
def world(make_person, regions):
    world = build_world(make_person, regions)
    for unit, label in UNITS.items():  # system-admin pages: no scoped user opens them
        ApiClient.objects.create(
            name=f"{label}接口客户端",
            region=world.unit_regions[unit],
            expires_on=datetime.date.today(),
            token_digest=unit,
        )
    # Near-duplicates (tongxin/dedupe): an open pair in 兴宁区 and a merge there.
    twins = [
        make_person(name, region=regions["xingning"], mobile=f"1398888000{n}")
        for n, name in enumerate(["韦双", "韦双", "蒙合", "蒙合"])
    ]
    person_merge(actor=world.users["xingning"], survivor=twins[2], merged=twins[3], picks={})
    return world


@pytest.mark.parametrize("username", SCOPED_USERS)
def test_nothing_outside_the_scope_is_reachable_or_named(client, world, username):
    user = world.users[username]
    client.force_login(user, backend="tongxin.accounts.backends.TongxinBackend")
    forbidden = forbidden_for(world, username)
    assert forbidden, "the world must hold something outside every scoped user's reach"
    problems = []
    for name, text, params in _routes_under_test():
        if _is_api(text):
            continue
        if params:
            spec = PARAMS[name]
            outside = _pick(spec, user, inside=False)
            if outside is not None:
                url = reverse(name, kwargs=_kwargs(spec, outside))
                for method in ("get", "post"):
                    status = getattr(client, method)(url).status_code
                    if status not in {404, 403, 405}:
                        problems.append(f"{method.upper()} {url} ({name}) outside → {status}")
            inside = _pick(spec, user, inside=True)
            if inside is None:
                continue
            urls = [reverse(name, kwargs=_kwargs(spec, inside))]
        else:
            urls = [reverse(name)]
        for url in urls:
            if name in {"logout", "account:logout_everywhere"}:
                continue
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = client.get(url, **headers)
                if response.status_code != 200:
                    continue
                found = _leaks(_content(response), forbidden)
                if found:
                    problems.append(f"GET {url} ({name}) names {found}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("username", SCOPED_USERS)
def test_the_django_admin_is_closed_to_scoped_users(client, world, username):
    client.force_login(world.users[username], backend="tongxin.accounts.backends.TongxinBackend")
    for name, text, params in _routes():
        if not (name and _is_admin(text)) or params:
            continue
        response = client.get(reverse(name))
        assert response.status_code == 404, f"{name} → {response.status_code}"


# Routes a read-only account may post to: its own account, sign-in and second factor.
OWN_ACCOUNT_ROUTES = {
    "login",
    "logout",
    "account:password_change",
    "account:logout_everywhere",
    "mfa:setup",
    "mfa:verify",
    "mfa:recovery_codes",
    "mfa:disable",
    "account:security",
}
# Reads that a leader starts as a background job (exports of what they may see).
READ_JOB_ROUTES = {"reports:person_export", "reports:form_batch"}


def test_a_leader_changes_nothing_even_inside_the_scope(client, world):
    """Every write route refuses a read-only account, with ids it may read."""
    from tongxin.audit.models import AuditEntry

    leader = world.users["leader"]
    client.force_login(leader, backend="tongxin.accounts.backends.TongxinBackend")
    before = (Person.objects.count(), AuditEntry.objects.exclude(action="view").count())
    accepted = []
    for name, text, params in _routes_under_test():
        if name in OWN_ACCOUNT_ROUTES | READ_JOB_ROUTES or _is_api(text):
            continue
        if params:
            spec = PARAMS[name]
            row = _pick(spec, leader, inside=True)
            if row is None:
                continue
            url = reverse(name, kwargs=_kwargs(spec, row))
        else:
            url = reverse(name)
        status = client.post(url).status_code
        if status not in {404, 403, 405}:
            accepted.append(f"POST {url} ({name}) → {status}")
    assert not accepted, "\n".join(accepted)
    assert (Person.objects.count(), AuditEntry.objects.exclude(action="view").count()) == before


# --- the API ---------------------------------------------------------------------------

# name → (the node the client is limited to, may it write, does it receive full identifiers)
API_CLIENTS = {
    "xingning": ("xingning", True, True),
    "jiedao": ("street", False, False),
    "liuzhou": ("liuzhou", False, True),
}
API_VISIBLE = {**VISIBLE, Region: lambda scope: scope.regions()}


@pytest.mark.parametrize("name", API_CLIENTS)
def test_an_api_client_reaches_nothing_outside_its_region(client, world, name):
    from tongxin.api.services import api_client_create

    node, writes, unmasked = API_CLIENTS[name]
    superuser = User.objects.create_superuser(username="leak-admin", password="x" * 20)
    api_client, token = api_client_create(
        actor=superuser,
        data={
            "name": f"泄露测试{name}",
            "region": world.regions[node],
            "access": ApiClient.Access.READ_WRITE if writes else ApiClient.Access.READ,
            "unmasked_identifiers": unmasked,
            "expires_on": datetime.date.today() + datetime.timedelta(days=1),
        },
    )
    scope = api_client.read_scope()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    forbidden = forbidden_for(world, name, readable=scope)
    forbidden |= {r.name for r in world.unit_regions.values() if not scope.contains(r)}
    assert forbidden

    def text_of(response) -> str:
        # Parsed and dumped again, so an escaped \\uXXXX could not hide a name.
        return json.dumps(response.json(), ensure_ascii=False)

    problems, answered = [], 0
    for route, text, params in _routes_under_test():
        if not _is_api(text) or route in {"api:openapi-json", "api:openapi-view"}:
            continue
        if params:
            spec = PARAMS[route]
            outside = _pick(spec, scope, inside=False, table=API_VISIBLE)
            if outside is not None:
                url = reverse(route, kwargs=_kwargs(spec, outside))
                response = client.get(url, **headers)
                if response.status_code != 404 or response.json()["error"]["code"] != "not_found":
                    problems.append(f"GET {url} ({route}) outside → {response.status_code}")
            inside = _pick(spec, scope, inside=True, table=API_VISIBLE)
            if inside is None:
                continue
            url = reverse(route, kwargs=_kwargs(spec, inside))
        else:
            url = reverse(route)
        response = client.get(url, **headers)
        if response.status_code == 200:
            answered += 1
            found = _leaks(text_of(response), forbidden)
            if found:
                problems.append(f"GET {url} ({route}) names {found}")
    # Lists with every filter the list page has, and a search for every outside name.
    for params in ({"status": "all"}, {"q": "甲"}, *({"q": s} for s in sorted(forbidden))):
        response = client.get(reverse("api:persons"), params, **headers)
        found = _leaks(text_of(response), forbidden)
        if found:
            problems.append(f"GET persons {params} names {found}")
    # A batch naming every person outside: refused, with nothing about them.
    outside_ids = [
        p.id_number for p in Person.objects.exclude(pk__in=Person.objects.visible_to(scope))
    ]
    response = client.post(
        reverse("api:persons_batch"),
        {"items": [{"id_number": number, "employer": "改"} for number in outside_ids]},
        content_type="application/json",
        **headers,
    )
    if writes:
        messages = {i["message"] for i in response.json()["error"]["items"]}
        assert messages == {"该公民身份号码已在其他区域登记"}, messages
    else:
        assert response.status_code == 403
    found = _leaks(text_of(response), forbidden)
    if found:
        problems.append(f"POST batch names {found}")
    assert not Person.objects.filter(employer="改").exists()
    assert answered >= 15, answered  # the walk reached the API's routes
    assert not problems, "\n".join(problems)
