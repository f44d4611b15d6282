"""Merging two records of one person: every related record moves; undo."""

import datetime

import pytest

from tongxin.audit.models import AuditEntry
from tongxin.dedupe import merge as merging
from tongxin.dedupe.merge import (
    MergeError,
    merge_undo,
    missing_rules,
    person_merge,
    person_relations,
)
from tongxin.dedupe.models import DuplicatePair, Merge
from tongxin.engagement.models import Activity, ActivityParticipant, ActivityType, Honour, Position
from tongxin.levels.models import LevelChange
from tongxin.people.models import Person
from tongxin.service.models import RequestCategory, ServiceRequest, Suggestion

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 1)


def test_every_model_pointing_at_a_person_has_a_merge_rule():
    assert missing_rules() == []


def test_a_model_without_a_rule_is_named(monkeypatch):
    rules = dict(merging.MERGE_RULES)
    del rules["engagement.Honour"]
    monkeypatch.setattr(merging, "MERGE_RULES", rules)
    assert missing_rules() == ["engagement.Honour"]


@pytest.fixture
def twins(make_person):
    survivor = make_person("覃海燕", mobile="13700000011", employer="旧单位")
    merged = make_person("覃海艳", mobile="13700000012", employer="新单位", email="q@example.cn")
    return survivor, merged


def _activity(region, title):
    kind = ActivityType.objects.first() or ActivityType.objects.create(name="座谈会")
    return Activity.objects.create(region=region, type=kind, title=title, start_date=TODAY)


def _records(person, region, both_in: Activity, own: Activity):
    category = RequestCategory.objects.first() or RequestCategory.objects.create(name="其他")
    suggestion = Suggestion.objects.create(
        region=region, title="建议", content="内容", submitted_on=TODAY
    )
    suggestion.submitters.add(person)
    return {
        "position": Position.objects.create(
            region=region, person=person, type=Position.type.field.choices[0][0], start_date=TODAY
        ),
        "honour": Honour.objects.create(
            region=region,
            person=person,
            title="优秀",
            level=Honour.level.field.choices[0][0],
            awarding_body="市委",
            date=TODAY,
        ),
        "both": ActivityParticipant.objects.create(activity=both_in, person=person),
        "own": ActivityParticipant.objects.create(activity=own, person=person),
        "request": ServiceRequest.objects.create(
            person=person,
            region=region,
            category=category,
            content="诉求",
            channel=ServiceRequest.channel.field.choices[0][0],
            received_on=TODAY,
        ),
        "level": LevelChange.objects.create(
            person=person, from_level="reserve", to_level="county", reason="调整"
        ),
        "suggestion": suggestion,
    }


def test_it_moves_every_related_record_and_undoes(twins, xingning_user, regions):
    survivor, merged = twins
    region = regions["xingning"]
    shared, other = _activity(region, "座谈会"), _activity(region, "培训")
    _records(survivor, region, shared, _activity(region, "调研"))
    theirs = _records(merged, region, shared, other)
    history_before = merged.history.count()

    merge = person_merge(
        actor=xingning_user,
        survivor=survivor,
        merged=merged,
        picks={"employer": "merged", "email": "merged", "name": "survivor"},
    )

    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert (survivor.employer, survivor.email, survivor.name) == (
        "新单位",
        "q@example.cn",
        "覃海燕",
    )
    assert merged.status == Person.Status.ARCHIVED
    assert merged.archived_note == f"已合并至 #{survivor.pk} 覃海燕"
    for model, field in person_relations():
        if merging._rule_of(model) == merging.MOVE:
            assert not model._base_manager.filter(**{field.name: merged.pk}).exists(), model
    assert Position.objects.get(pk=theirs["position"].pk).person == survivor
    assert ActivityParticipant.objects.filter(activity=other, person=survivor).exists()
    # Both were at the same meeting: the survivor's one participation stays.
    assert ActivityParticipant.objects.filter(activity=shared).count() == 1
    assert list(theirs["suggestion"].submitters.all()) == [survivor]
    # Both histories are kept, the merge named in each.
    assert merged.history.count() == history_before + 1
    assert merged.history.first().history_change_reason == f"合并至 #{survivor.pk}"
    assert survivor.history.first().history_change_reason == f"合并：并入 #{merged.pk}"
    entry = AuditEntry.objects.filter(changes__has_key="merge").get()
    assert entry.changes["employer"] == ["旧单位", "新单位"]
    assert (entry.changes["merge"]["moved"], entry.changes["merge"]["dropped"]) == (6, 1)

    merge_undo(actor=xingning_user, merge=merge)
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert (survivor.employer, survivor.email) == ("旧单位", "")
    assert merged.status == Person.Status.ACTIVE and merged.archived_note == ""
    assert Position.objects.get(pk=theirs["position"].pk).person == merged
    assert ActivityParticipant.objects.filter(activity=shared, person=merged).exists()
    assert ActivityParticipant.objects.filter(activity=other, person=merged).exists()
    assert set(theirs["suggestion"].submitters.all()) == {merged}
    assert Merge.objects.get().undone_at is not None


def test_undo_is_refused_once_a_record_changed(twins, xingning_user):
    from tongxin.people.services import person_update

    survivor, merged = twins
    merge = person_merge(actor=xingning_user, survivor=survivor, merged=merged, picks={})
    survivor.refresh_from_db()
    person_update(
        actor=xingning_user,
        person=survivor,
        data={"job_title": "主任"},
        expected_version=survivor.version,
    )
    with pytest.raises(MergeError, match="已有修改"):
        merge_undo(actor=xingning_user, merge=merge)
    assert Person.objects.get(pk=merged.pk).status == Person.Status.ARCHIVED


def test_a_merge_across_regions_is_refused(make_person, xingning_user, city_user, regions):
    mine = make_person("黄华", mobile="13700000021")
    theirs = make_person("黄华", mobile="13700000021", region=regions["qingxiu"])
    with pytest.raises(MergeError, match="跨区域合并"):
        person_merge(actor=xingning_user, survivor=mine, merged=theirs, picks={})
    assert not Merge.objects.exists()
    # Someone who may change both regions merges them.
    person_merge(actor=city_user, survivor=mine, merged=theirs, picks={})
    pair = DuplicatePair.objects.get()
    assert pair.status == DuplicatePair.Status.MERGED


def test_a_merged_record_is_not_proposed_again(make_person, xingning_user):
    from tongxin.dedupe.services import candidates_refresh

    a = make_person("陆军", mobile="13700000031")
    b = make_person("陆军", mobile="13700000031")
    make_person("陆君", mobile="13700000031")
    person_merge(actor=xingning_user, survivor=a, merged=b, picks={})
    candidates_refresh()
    open_pairs = DuplicatePair.objects.filter(status="open").values_list("person_a", "person_b")
    assert all(b.pk not in pair for pair in open_pairs)
    assert len(open_pairs) == 1
