"""The one write tail (core/writes.py): lock, version, history, save, audit, after commit."""

import pytest
from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.core.writes import StaleEditError, lock, save_audited
from tongxin.people.models import Person


def test_it_refuses_a_stale_version_under_the_lock(make_person):
    person = make_person("张三")
    assert lock(Person.objects, person.pk, version=person.version).pk == person.pk
    with pytest.raises(StaleEditError) as refused:
        lock(Person, person.pk, version=person.version + 1)
    assert refused.value.current_version == person.version
    assert "已被他人修改" in str(refused.value)


def test_it_saves_only_the_fields_named_and_leaves_history_and_audit(
    make_person, city_user, django_capture_on_commit_callbacks
):
    person = make_person("张三", employer="甲公司")
    before = person.version
    Person.objects.filter(pk=person.pk).update(remarks="别处改的")  # not in `fields`
    done = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        current = lock(Person.objects, person.pk, version=before)
        current.employer = "乙公司"
        current.remarks = "不该保存"
        save_audited(
            current,
            actor=city_user,
            fields=["employer"],
            action=AuditEntry.Action.UPDATE,
            changes={"employer": ["甲公司", "乙公司"]},
            reason="测试修改",
            after_commit=lambda: done.append(True),
            versioned=True,
        )
        assert done == []  # not before the commit
    assert done == [True]
    person.refresh_from_db()
    assert (person.employer, person.remarks, person.version) == ("乙公司", "别处改的", before + 1)
    history = person.history.latest("history_date")
    assert (history.history_user, history.history_change_reason) == (city_user, "测试修改")
    entry = AuditEntry.objects.filter(object_id=str(person.pk)).latest("id")
    assert (entry.action, entry.user, entry.changes) == (
        AuditEntry.Action.UPDATE,
        city_user,
        {"employer": ["甲公司", "乙公司"]},
    )


def test_nothing_runs_after_a_rolled_back_write(make_person, city_user):
    person = make_person("张三")
    done = []
    with pytest.raises(RuntimeError), transaction.atomic():
        current = lock(Person.objects, person.pk)
        current.employer = "乙公司"
        save_audited(
            current,
            actor=city_user,
            fields=["employer"],
            action=AuditEntry.Action.UPDATE,
            after_commit=lambda: done.append(True),
        )
        raise RuntimeError
    person.refresh_from_db()
    assert person.employer != "乙公司" and done == []


def test_it_leaves_a_domain_version_alone_unless_told(make_person, city_user):
    person = make_person("张三")
    before = person.version
    with transaction.atomic():
        current = lock(Person.objects, person.pk)
        current.employer = "丙公司"
        save_audited(current, actor=city_user, fields=["employer"], action=AuditEntry.Action.UPDATE)
    person.refresh_from_db()
    assert (person.employer, person.version) == ("丙公司", before)
