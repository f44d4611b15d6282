"""The proof of issue #7: erasing a person leaves no trace of their data in any
table of the database (history included), except one audit entry that says
who erased which record when, and holds none of the erased values.

The person is imported from a roster, updated by a second import, scored in
an evaluation round, added to an activity, registered with a service request
and a suggestion, moved to another level; staff view, reveal and export them.
Then every column of every table is read back and searched.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.conftest import make_id_number
from tongxin.engagement import services as engagement_services
from tongxin.engagement.tests.factories import make_record
from tongxin.evaluations import results, rounds, sheets, systems
from tongxin.evaluations.models import EvaluationSheet, Indicator
from tongxin.imports.committing import import_file
from tongxin.imports.models import ImportBatch, ImportedRecord
from tongxin.imports.tests.rosters import HEADER, roster_row, write_xlsx
from tongxin.levels.services import person_change_level
from tongxin.people.models import Person
from tongxin.privacy.erasure import ERASED_TEXT
from tongxin.privacy.models import PrivacyRequest
from tongxin.service import services as service_services
from tongxin.service.models import RequestCategory, ServiceRequest

pytestmark = pytest.mark.django_db(transaction=False)

NAME = "甄宓珂"
MOBILE = "13977001234"


def _text(value) -> str:
    """A stored value as searchable text: JSON decoded (SQLite keeps it
    \\u-escaped), bytes as UTF-8."""
    if value is None:
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text[:1] in "[{":
        try:
            return text + json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


def scan_database(needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, value) of every cell in the database containing a needle."""
    hits = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT * FROM {quote(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=False):
                    text = _text(value)
                    for needle in needles:
                        if needle in text:
                            hits.append((table, column, text[:120]))
    return hits


def search_index_bytes(*, flush: bool) -> bytes:
    """The raw blocks of SQLite's FTS5 name index, where a deleted name's
    tokens linger until the segments are merged."""
    if connection.vendor != "sqlite":
        return b""
    with connection.cursor() as cursor:
        if flush:  # FTS5 holds a transaction's new terms in memory until then
            cursor.execute("INSERT INTO people_person_fts(people_person_fts) VALUES ('optimize')")
        cursor.execute("SELECT block FROM people_person_fts_data")
        return b"".join(bytes(row[0]) for row in cursor.fetchall() if row[0])


def _name_chars_in(blob: bytes) -> set[str]:
    return {c for c in NAME if c.encode() in blob}


def _make_everything(tmp_path, *, city_user, admin_user, regions, evaluators, simple_system):
    id_number = make_id_number("450102", datetime.date(1979, 3, 4), "F")
    first = write_xlsx(
        tmp_path / "first.xlsx",
        [roster_row(1, NAME, 身份证号=id_number, 手机=MOBILE, 性别="女",
                    出生年月="1979.03.04", 工作单位="甄宓珂工作室")],
    )  # fmt: skip
    import_file(actor=city_user, path=first, file_name="first.xlsx", commit=True)
    person = Person.objects.get(name=NAME)
    # A second roster updates the person: the import keeps the previous values.
    second = write_xlsx(
        tmp_path / "second.xlsx",
        [roster_row(1, NAME, 身份证号=id_number, 手机=MOBILE, 性别="女",
                    出生年月="1979.03.04", 工作单位="甄宓珂设计事务所")],
        header=HEADER,
    )  # fmt: skip
    import_file(
        actor=city_user,
        path=second,
        file_name="second.xlsx",
        commit=True,
        on_duplicate=ImportBatch.OnDuplicate.UPDATE,
    )
    person.refresh_from_db()
    assert person.employer == "甄宓珂设计事务所"

    # An evaluation: the person in a round, scored, the round closed.
    evaluation_round = rounds.round_create(
        actor=city_user,
        name="2026年度",
        region=regions["city"],
        system=simple_system,
        persons=Person.objects.filter(pk=person.pk),
        evaluators=evaluators[:1],
        deadline=datetime.date(2026, 12, 31),
    )
    evaluation_round = rounds.round_open(actor=city_user, evaluation_round=evaluation_round)
    sheet = EvaluationSheet.objects.get(round=evaluation_round, person=person)
    indicators = Indicator.objects.filter(dimension__system=simple_system)
    sheets.sheet_save(
        actor=sheet.evaluator,
        sheet=sheet,
        entries={i.pk: (Decimal(8), f"{NAME}表现良好") for i in indicators},
        submit=True,
    )
    results.round_close(actor=city_user, evaluation_round=evaluation_round)

    # Engagement: an activity with the person as participant, and an honour.
    activity = make_record("activities", actor=city_user, region=regions["xingning"])
    engagement_services.persons_bulk_add(
        actor=city_user, target=activity, persons=Person.objects.filter(pk=person.pk)
    )
    make_record("honours", actor=city_user, region=regions["xingning"], person=person)

    # Service: a request with progress, and a suggestion the person submitted.
    service_request = service_services.service_request_create(
        actor=city_user,
        person=person,
        data={
            "category": RequestCategory.objects.get(name="社会保障"),
            "content": f"{NAME}反映社保转移接续办理慢，电话{MOBILE}",
            "channel": ServiceRequest.Channel.IN_PERSON,
            "received_on": datetime.date(2026, 10, 1),
        },
    )
    suggestion_data = {
        "title": "关于优化营商环境的建议",
        "content": "简化审批流程",
        "submitted_on": datetime.date(2026, 10, 2),
        "region": regions["xingning"],
    }
    service_services.suggestion_create(actor=city_user, data=suggestion_data, submitters=[person])

    person_change_level(
        actor=admin_user, person=person, level=Person.Level.CITY, reason="市政协委员"
    )
    return person, id_number, service_request


@pytest.fixture
def evaluators(regions):
    from tongxin.accounts.models import User
    from tongxin.conftest import PASSWORD

    return [User.objects.create_user(username="eval1", password=PASSWORD, role=User.Role.EVALUATOR)]


@pytest.fixture
def simple_system(city_user):
    from tongxin.evaluations.tests.conftest import simple_tree

    return systems.indicator_system_save(
        actor=city_user, system=None, name="测试体系", region=None, groups=[],
        dimensions=simple_tree(),
    )  # fmt: skip


def test_erase_leaves_no_trace_but_one_audit_entry(
    tmp_path,
    client_for,
    city_user,
    admin_user,
    regions,
    evaluators,
    simple_system,
    django_capture_on_commit_callbacks,
):
    person, id_number, service_request = _make_everything(
        tmp_path,
        city_user=city_user,
        admin_user=admin_user,
        regions=regions,
        evaluators=evaluators,
        simple_system=simple_system,
    )
    pk = person.pk
    client = client_for(city_user)
    # Staff look at the person in every way the product logs.
    assert client.get(reverse("people:detail", args=[pk])).status_code == 200
    assert client.post(reverse("people:reveal", args=[pk])).status_code == 200
    assert client.get(reverse("people:list"), {"q": NAME}).status_code == 200
    assert client.get(reverse("reports:person_export"), {"q": NAME}).status_code == 200
    assert (
        client.get(reverse("service:request_detail", args=[service_request.pk])).status_code == 200
    )
    details = {"requester": NAME, "received_on": "2026-11-01", "reference": f"{NAME}书面申请"}
    response = client.post(reverse("privacy:export", args=[pk]), details)
    assert response.status_code == 200

    needles = [NAME, id_number, MOBILE]
    for field in Person._meta.concrete_fields:
        if field.name.endswith("_hash"):
            value = Person.objects.filter(pk=pk).values_list(field.attname, flat=True).get()
            if value:
                needles.append(value if isinstance(value, str) else bytes(value).hex())
    before = scan_database(needles)
    tables_before = {table for table, _, _ in before}
    # The scan does find the person where the product put them.
    assert {"people_person", "people_historicalperson", "audit_auditentry"} <= tables_before
    assert "imports_importedrecord" in tables_before

    if connection.vendor == "sqlite":
        assert _name_chars_in(search_index_bytes(flush=True))

    admin = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("privacy:erase", args=[pk]),
            {
                "erase-requester": NAME,
                "erase-received_on": "2026-11-02",
                "erase-reference": f"{NAME}删除申请 2026-17号",
                "erase-confirm_name": NAME,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert scan_database(needles) == []
    assert not _name_chars_in(search_index_bytes(flush=False))
    assert not Person.objects.filter(pk=pk).exists()
    assert not Person.history.filter(id=pk).exists()
    assert not ImportedRecord.objects.filter(person_ref=pk).exists()

    entry = AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, object_type="people.person", object_id=str(pk)
    ).get()
    assert entry.user == admin_user
    assert entry.object_repr == ERASED_TEXT
    assert entry.changes["reference"] == "（已删除）删除申请 2026-17号"
    assert entry.changes["deleted"]["代表人士"] == 1
    # Earlier entries about the person keep who/when/what, not the text.
    views = AuditEntry.objects.filter(
        object_type="people.person", object_id=str(pk), action=AuditEntry.Action.VIEW
    )
    assert views.exists()
    assert {e.object_repr for e in views} == {ERASED_TEXT}
    assert {e.username for e in views} == {"city"}
    # The request stays on record, unlinked.
    erase_request = PrivacyRequest.objects.get(kind=PrivacyRequest.Kind.ERASE)
    assert erase_request.person_id is None and erase_request.person_ref == pk
