"""The one write tail (core/writes.py): lock, version, history, save, audit, after commit."""

import pytest
from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.core.writes import (
    StaleEditError,
    create_audited,
    create_tracked,
    lock,
    save_audited,
)
from tongxin.levels.models import Tier
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


def _entries_of(row) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=row._meta.label_lower, object_id=str(row.pk)))


def test_it_creates_a_row_with_its_history_and_one_audit_entry(
    regions, city_user, django_capture_on_commit_callbacks
):
    done = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        tier = create_audited(
            Tier(region=regions["xingning"], name="县区联系", quota=50),
            actor=city_user,
            fields=["name", "quota"],
            reason="测试新增",
            region=regions["city"],
            after_commit=lambda: done.append(True),
        )
        assert done == []  # not before the commit
    assert done == [True]
    assert Tier.objects.filter(pk=tier.pk, name="县区联系", quota=50).exists()
    [history] = tier.history.all()
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        city_user,
        "测试新增",
    )
    [entry] = _entries_of(tier)
    assert (entry.action, entry.user, entry.region, entry.changes) == (
        AuditEntry.Action.CREATE,
        city_user,
        regions["city"],
        {"name": [None, "县区联系"], "quota": [None, 50]},
    )


def test_it_records_the_changes_given_after_what_goes_in_with_the_row(regions, city_user):
    seen = []

    def before_audit():
        seen.append((Tier.objects.filter(region=regions["qingxiu"]).exists(), _entries_of(tier)))

    tier = Tier(region=regions["qingxiu"], name="县区联系")
    with transaction.atomic():
        create_audited(
            tier,
            actor=city_user,
            changes={"说明": "按规定设立"},
            action=AuditEntry.Action.UPDATE,
            audit_obj=regions["qingxiu"],
            before_audit=before_audit,
        )
    assert seen == [(True, [])]  # inserted, and no entry yet
    assert _entries_of(tier) == []
    [entry] = _entries_of(regions["qingxiu"])
    assert (entry.action, entry.changes) == (AuditEntry.Action.UPDATE, {"说明": "按规定设立"})


def test_a_rolled_back_create_leaves_nothing_and_runs_nothing_after(
    regions, city_user, django_capture_on_commit_callbacks
):
    done = []
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tier = create_audited(
            Tier(region=regions["xingning"], name="县区联系"),
            actor=city_user,
            fields=["name"],
            after_commit=lambda: done.append(True),
        )
        assert len(_entries_of(tier)) == 1
        raise RuntimeError
    assert not Tier.objects.filter(region=regions["xingning"]).exists()
    assert not Tier.history.filter(region=regions["xingning"]).exists()
    assert _entries_of(tier) == [] and callbacks == [] and done == []


def test_it_takes_the_changes_or_the_fields_not_both(regions, city_user):
    with pytest.raises(TypeError):
        create_audited(
            Tier(region=regions["xingning"], name="县区联系"),
            actor=city_user,
            changes={"name": [None, "县区联系"]},
            fields=["name"],
        )
    assert not Tier.objects.exists()


def test_create_tracked_leaves_history_and_no_audit_entry(regions, city_user):
    tier = create_tracked(
        Tier(region=regions["xingning"], name="县区联系"), actor=city_user, reason="随批次设立"
    )
    [history] = tier.history.all()
    assert (history.history_user, history.history_change_reason) == (city_user, "随批次设立")
    assert _entries_of(tier) == []
