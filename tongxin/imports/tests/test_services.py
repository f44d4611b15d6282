"""The import service end to end: preview, commit, undo, region scoping, atomicity."""

import datetime

import pytest
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.conftest import make_id_number
from tongxin.imports import checking, committing
from tongxin.imports.committing import import_file
from tongxin.imports.models import ImportBatch, ImportedRecord
from tongxin.imports.tests.rosters import HEADER, roster_row, write_csv, write_ods, write_xlsx
from tongxin.imports.undo import UndoBlocked, import_batch_undo
from tongxin.people.models import Person
from tongxin.people.services import person_update

pytestmark = pytest.mark.django_db


def test_it_previews_without_writing(tmp_path, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1), roster_row(2)])
    result = import_file(actor=city_user, path=path)
    assert result.batch is None
    assert result.analysis.counts["rows"] == 2
    assert result.analysis.counts["created"] == 2
    assert Person.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_it_commits_every_valid_row_with_history_and_a_batch(tmp_path, city_user):
    rows = [roster_row(1, "张三"), roster_row(2, "李四", 身份证号="123")]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    result = import_file(actor=city_user, path=path, commit=True)
    assert result.analysis.counts["created"] == 1
    assert result.analysis.counts["invalid"] == 1
    person = Person.objects.get()
    assert person.name == "张三"
    assert person.region.name == "兴宁区"
    assert person.education.name == "大学本科"  # synonym 本科
    assert person.birth_date == datetime.date(1985, 6, 1)
    assert person.name_pinyin == "zhangsan"
    history = person.history.get()
    assert history.history_type == "+"
    assert history.history_user == city_user
    batch = result.batch
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.counts["created"] == 1
    assert len(batch.sha256) == 64
    assert batch.mapping["4"] == "id_number"
    record = ImportedRecord.objects.get()
    assert record.person == person and record.action == "created"
    assert record.row_number == 4  # title, blank row, header, then data
    assert (record.person_ref, record.version_after, record.previous) == (person.pk, 1, {})
    audit = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert audit.user == city_user
    assert audit.changes["created"] == 1


def test_it_records_each_created_person_with_its_own_row_over_several_batches(
    tmp_path, city_user, monkeypatch
):
    monkeypatch.setattr(committing, "WRITE_BATCH", 2)
    names = ["甲一", "乙二", "丙三", "丁四", "戊五", "己六"]
    rows = [roster_row(n + 1, name) for n, name in enumerate(names)]
    rows[2] = roster_row(3, "丙三", 身份证号="123")  # rejected: the rows after it shift
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    result = import_file(actor=city_user, path=path, commit=True)
    assert result.analysis.counts["created"] == 5
    recorded = {
        r.row_number: r.person.name
        for r in ImportedRecord.objects.filter(batch=result.batch).select_related("person")
    }
    assert recorded == {4: "甲一", 5: "乙二", 7: "丁四", 8: "戊五", 9: "己六"}
    assert Person.history.filter(history_type="+").count() == 5


def test_it_reports_the_excel_row_and_column_of_each_problem(tmp_path, city_user):
    rows = [
        roster_row(1),
        roster_row(2, 身份证号="450102198506010011", 手机="12345"),
        roster_row(3, 身份证号=make_id_number("450102", datetime.date(1990, 1, 2), "F"),
                   性别="女", 出生年月="1990-01-02", 手机="12345"),
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    analysis = import_file(actor=city_user, path=path).analysis
    # A mobile number that cannot be read does not reject its row (an optional
    # field: imported blank, with a warning); an unreadable ID does.
    assert {(p["row"], p["column"], p["message"]) for p in analysis.problems()} == {
        (5, "E列“身份证号”", "公民身份号码校验位不正确"),
    }
    assert [(w["row"], w["column"], w["message"]) for w in analysis.warnings()] == [
        (
            6,
            "I列“手机”",
            "手机号码应为11位中国大陆手机号；该项未导入（留空），已标记为待补充，请在人员信息中补充",
        ),
    ]
    assert analysis.counts["created"] == 2 and analysis.counts["warnings"] == 1


def test_it_reports_ids_repeated_inside_the_file(tmp_path, city_user):
    first = roster_row(1, "张三")
    again = roster_row(2, "张三丰", 身份证号=first[4])
    path = write_xlsx(tmp_path / "名单.xlsx", [first, again], title=None, blank_rows=0)
    analysis = import_file(actor=city_user, path=path).analysis
    assert analysis.counts["created"] == 1
    assert analysis.counts["duplicates_in_file"] == 1
    assert analysis.problems() == [
        {
            "row": 3,
            "column": "E列“身份证号”",
            "message": "与第2行的公民身份号码重复",
            "kind": "duplicate",
        }  # fmt: skip
    ]


def test_existing_persons_are_skipped_or_updated_with_history(
    tmp_path, city_user, make_person, regions
):
    person = make_person("张三", region=regions["xingning"], employer="旧单位")
    same = make_person("李四", region=regions["xingning"], employer="南宁某公司")
    rows = [
        roster_row(1, "张三", 身份证号=person.id_number, 政治面貌="无党派人士"),
        roster_row(2, "李四", 身份证号=same.id_number, 政治面貌="无党派人士"),
    ]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    skip = import_file(actor=city_user, path=path, commit=True).analysis.counts
    assert (skip["skipped"], skip["unchanged"], skip["updated"]) == (1, 1, 0)
    person.refresh_from_db()
    assert person.employer == "旧单位"

    result = import_file(actor=city_user, path=path, commit=True, on_duplicate="update")
    assert result.analysis.counts["updated"] == 1
    person.refresh_from_db()
    assert person.employer == "南宁某公司"
    assert person.version == 2
    assert person.history.first().history_change_reason.startswith("导入：")
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, object_id=str(person.pk)
    ).exists()
    record = ImportedRecord.objects.get(batch=result.batch)
    assert record.previous == {"employer": "旧单位"}


def test_county_staff_import_only_into_their_region(tmp_path, xingning_user, make_person, regions):
    elsewhere = make_person("王五", region=regions["qingxiu"], employer="青秀某所")
    rows = [
        roster_row(1, "张三"),
        roster_row(2, "李四", region="青秀区"),
        roster_row(3, "王五", 身份证号=elsewhere.id_number),
    ]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    analysis = import_file(actor=xingning_user, path=path, on_duplicate="update").analysis
    assert analysis.counts["created"] == 1
    assert analysis.counts["invalid"] == 2
    messages = {p["row"]: p["message"] for p in analysis.problems()}
    assert messages[5] == "无权导入到“青秀区”：只能导入本人负责区域的人员"
    assert "已在其他区域登记" in messages[6]
    # Nothing of the other region's record is revealed.
    assert "王五" not in str(analysis.problems()) and "青秀某所" not in str(analysis.problems())


def test_county_staff_rows_without_region_go_to_their_region(tmp_path, xingning_user):
    header = [h for h in HEADER if h != "所在县区"]
    rows = [[v for h, v in zip(HEADER, roster_row(1), strict=True) if h != "所在县区"]]
    path = write_xlsx(tmp_path / "名单.xlsx", rows, header=header)
    import_file(actor=xingning_user, path=path, commit=True)
    assert Person.objects.get().region.name == "兴宁区"
    assert ImportBatch.objects.get().region.name == "兴宁区"


def test_an_error_midway_through_the_commit_writes_nothing(
    tmp_path, city_user, make_person, regions, monkeypatch
):
    existing = make_person("张三", region=regions["xingning"], employer="旧单位")
    rows = [roster_row(n) for n in range(1, 30)]
    rows.append(roster_row(30, "张三", 身份证号=existing.id_number))
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    persons_before = Person.objects.count()
    history_before = Person.history.count()
    audit_before = AuditEntry.objects.count()

    def crash(**kwargs):
        # The 29 new persons are already inserted when the update runs.
        assert Person.objects.count() == persons_before + 29
        raise RuntimeError("断电")

    monkeypatch.setattr(committing, "person_update", crash)
    with pytest.raises(RuntimeError):
        import_file(actor=city_user, path=path, commit=True, on_duplicate="update")
    assert Person.objects.count() == persons_before
    assert Person.history.count() == history_before
    assert AuditEntry.objects.count() == audit_before
    assert ImportBatch.objects.count() == 0
    assert ImportedRecord.objects.count() == 0


def test_undo_removes_created_and_restores_updated(tmp_path, city_user, make_person, regions):
    existing = make_person("张三", region=regions["xingning"], employer="旧单位")
    rows = [roster_row(1, "新人"), roster_row(2, "张三", 身份证号=existing.id_number)]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    batch = import_file(actor=city_user, path=path, commit=True, on_duplicate="update").batch
    created = Person.objects.get(name="新人")
    import_batch_undo(actor=city_user, batch=batch)
    assert not Person.objects.filter(pk=created.pk).exists()
    # History is kept: the creation and the removal.
    assert list(
        Person.history.filter(id=created.pk)
        .order_by("history_id")
        .values_list("history_type", flat=True)
    ) == ["+", "-"]
    existing.refresh_from_db()
    assert existing.employer == "旧单位"
    assert existing.version == 3
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert batch.undone_by == city_user
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, object_id=str(created.pk)
    ).exists()
    # The same file can be imported again afterwards.
    again = import_file(actor=city_user, path=path, commit=True).analysis.counts
    assert again["created"] == 1


def test_undo_is_refused_after_a_later_edit(tmp_path, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1, "张三"), roster_row(2, "李四")])
    batch = import_file(actor=city_user, path=path, commit=True).batch
    person = Person.objects.get(name="李四")
    person_update(actor=city_user, person=person, data={"employer": "新单位"}, expected_version=1)
    with pytest.raises(UndoBlocked) as blocked:
        import_batch_undo(actor=city_user, batch=batch)
    assert blocked.value.blockers == [
        {"row": 5, "name": "李四", "reason": "导入后已被修改（版本 1 → 2）"}
    ]
    assert Person.objects.count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED


def test_undo_takes_the_tier_a_person_got_at_registration_with_them(tmp_path, city_user):
    """Persons imported at 县区联系 hold their county's tier from the import
    (tiers.persons_created): that membership was made from their own row, so
    it does not keep the import from being undone, and goes with them. A
    membership given afterwards is a record of its own and does."""
    from tongxin.levels.models import TierMembership

    rows = [[*roster_row(1, "张三"), "县区联系"], [*roster_row(2, "李四"), "县区联系"]]
    path = write_xlsx(tmp_path / "名单.xlsx", rows, header=[*HEADER, "分级"])
    batch = import_file(actor=city_user, path=path, commit=True).batch
    assert TierMembership.objects.count() == 2
    later = TierMembership.objects.get(person__name="李四")
    TierMembership.objects.filter(pk=later.pk).update(reason="分级调整")
    with pytest.raises(UndoBlocked) as blocked:
        import_batch_undo(actor=city_user, batch=batch)
    assert [b["name"] for b in blocked.value.blockers] == ["李四"]
    TierMembership.objects.filter(pk=later.pk).update(reason="登记时分级")

    import_batch_undo(actor=city_user, batch=batch)
    assert not Person.objects.exists() and not TierMembership.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_it_reads_csv_in_every_usual_encoding(tmp_path, city_user, encoding):
    path = write_csv(tmp_path / "名单.csv", [roster_row(1, "覃秀珍")], encoding=encoding)
    analysis = import_file(actor=city_user, path=path, commit=True).analysis
    assert analysis.counts["created"] == 1, analysis.problems()
    assert Person.objects.get().name == "覃秀珍"


def test_it_reads_ods(tmp_path, city_user):
    path = write_ods(tmp_path / "名单.ods", [roster_row(1, "韦小宝")])
    analysis = import_file(actor=city_user, path=path, commit=True).analysis
    assert analysis.counts["created"] == 1, analysis.problems()


def test_it_copes_with_messy_values(tmp_path, city_user):
    born = datetime.date(1990, 2, 3)
    number = make_id_number("450102", born, "F")
    messy_id = " " + "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number[:6])
    messy_id += " " + number[6:].lower()
    header = ["  姓 名 ", "公民身份号码（18位）", "出生日期", "性别", "民族", "政治面貌",
              "学　历", "联系电话", "群体类别", "所属区域", "分级"]  # fmt: skip
    rows = [
        [
            "黄丽",
            messy_id,
            born,
            "",
            "壮族 ",
            "无党派",
            "大专 ",
            "+86 138-0013-8000",
            "民营企业和外商投资企业管理技术人员",
            "450102",
            "县区联系",
        ],  # fmt: skip
        [
            "黄二",
            make_id_number("450102", datetime.date(1985, 6, 1)),
            1985.06,
            "男",
            "汉族",
            "群众",
            "研究生",
            "13800138000",
            "民营企业和外商投资企业管理技术人员",
            "兴宁区 ",
            "储备",
        ],  # fmt: skip
    ]
    path = write_xlsx(tmp_path / "名单.xlsx", rows, header=header)
    analysis = import_file(actor=city_user, path=path, commit=True).analysis
    assert analysis.counts["created"] == 2, analysis.problems()
    person = Person.objects.get(name="黄丽")
    assert person.id_number == number.upper()
    assert person.sex == "F"  # filled from the ID
    assert person.education.name == "大学专科"
    assert person.ethnicity.name == "壮族"
    assert person.mobile == "13800138000"
    assert person.level == Person.Level.COUNTY
    assert Person.objects.get(name="黄二").birth_date == datetime.date(1985, 6, 1)


def test_formulas_are_read_as_their_cached_values(tmp_path, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1, 工作单位='=HYPERLINK("x")')])
    import_file(actor=city_user, path=path, commit=True)
    assert Person.objects.get().employer == "缓存值"


def test_birth_date_and_sex_must_agree_with_the_id(tmp_path, city_user):
    rows = [roster_row(1, 出生年月="1985-06-02", 性别="女")]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    messages = [p["message"] for p in import_file(actor=city_user, path=path).analysis.problems()]
    assert messages == [
        "出生日期与公民身份号码不一致（号码中为1985年6月1日）",
        "性别与公民身份号码不一致（号码中为男）",
    ]


def test_the_rows_are_decided_alike_whatever_the_chunk_they_are_checked_in(
    tmp_path, xingning_user, make_person, regions, monkeypatch
):
    """The rows are checked CHECK_CHUNK at a time (memory): each row gets the
    outcome, errors and warnings it gets when the whole file is one chunk: a
    repeated ID is a duplicate of its first row in an earlier chunk, a
    registered ID is found, dedupe's hook warns the same."""
    make_person("蓝天", mobile="13600000001")
    make_person("白云", region=regions["qingxiu"], mobile="13600000002")
    registered = make_person("青山", mobile="13600000009")
    again = roster_row(1, "新人", 手机="13600000003", 工作单位="别处")
    rows = [again,
            roster_row(2, "蓝田", 手机="13600000001"),
            roster_row(3, "又一新人", 手机="13600000004", 工作单位="别处"),
            roster_row(4, "白芸", 手机="13600000002"),
            roster_row(5, "重复者", 身份证号=again[HEADER.index("身份证号")]),
            roster_row(6, "青山", 手机="13600000009", 身份证号=registered.id_number)]  # fmt: skip
    path = write_xlsx(tmp_path / "名单.xlsx", rows)

    def decided_with(chunk: int) -> dict:
        monkeypatch.setattr(checking, "CHECK_CHUNK", chunk)
        analysis = import_file(actor=xingning_user, path=path).analysis
        return {r.row_number: (r.outcome, r.errors, [m for _, m in r.warnings])
                for r in analysis.results}  # fmt: skip

    whole = decided_with(5000)
    outcomes = [outcome for outcome, _e, _w in whole.values()]
    assert outcomes == ["create", "create", "create", "create", "duplicate", "skip"]
    assert [bool(w) for _o, _e, w in whole.values()][:4] == [False, True, False, True]
    assert decided_with(1) == decided_with(4) == whole


def test_imported_persons_get_their_search_columns_and_the_tier_of_their_level(tmp_path, city_user):
    # The pinyin is made once in analyse (for dedupe's check and the write),
    # the tier through insert_rows (docs/benchmarks/imports.md).
    from tongxin.levels.models import TierMembership

    rows = [
        [*roster_row(1, "张三"), "县区联系"],
        [*roster_row(2, "欧阳娜娜", born=datetime.date(1990, 2, 3)), "储备"],
    ]
    path = write_xlsx(tmp_path / "名单.xlsx", rows, header=[*HEADER, "分级"])
    import_file(actor=city_user, path=path, commit=True)
    columns = Person.objects.order_by("name_pinyin").values_list(
        "name_pinyin", "name_initials", "search_tokens"
    )
    assert list(columns) == [
        ("ouyangnana", "oynn", "欧 阳 娜 欧阳 阳娜 娜娜"),
        ("zhangsan", "zs", "张 三 张三"),
    ]
    held = TierMembership.objects.values_list("person__name", "tier__region__name", "reason")
    assert list(held) == [("张三", "兴宁区", "登记时分级")]  # 储备: no tier
    since = TierMembership.objects.get().since
    assert since.tzinfo is not None and abs((timezone.now() - since).total_seconds()) < 60


def test_a_commit_writes_each_chunk_before_it_checks_the_next(tmp_path, city_user, monkeypatch):
    """Checked and written a chunk at a time: when a chunk is compared with
    the registered persons, the rows before it are in the database already
    and their values are no longer held (memory: docs/benchmarks/imports.md)."""
    monkeypatch.setattr(checking, "CHECK_CHUNK", 2)
    seen = []
    lookup = checking._existing_persons

    def looking_up(numbers):
        seen.append(Person.objects.count())
        return lookup(numbers)

    monkeypatch.setattr(checking, "_existing_persons", looking_up)
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(n) for n in range(1, 6)])
    analysis = import_file(actor=city_user, path=path, commit=True).analysis
    assert seen == [0, 2, 4]
    assert Person.objects.count() == 5 == analysis.counts["created"]
    assert all(result.values == {} for result in analysis.results)


def test_the_preview_keeps_no_values_of_the_rows(tmp_path, city_user):
    from tongxin.imports import batches
    from tongxin.imports.tests.test_recovery import previewed_batch

    batch = previewed_batch(tmp_path, city_user, [roster_row(1), roster_row(2)])
    analysis = batches._batch_analyse(batch, city_user)
    assert [r.outcome for r in analysis.results] == ["create", "create"]
    assert all(result.values == {} for result in analysis.results)
    assert batch.counts["created"] == 2


def test_a_commit_failing_in_a_later_chunk_writes_nothing_and_can_be_run_again(
    tmp_path, city_user, monkeypatch
):
    """The chunks are written one after another in one transaction: a failure
    in the second leaves nothing of the first, and the batch is previewed
    again with the reason."""
    from django.db import IntegrityError

    from tongxin.imports import batches
    from tongxin.imports.tests.test_recovery import previewed_batch

    batch = previewed_batch(tmp_path, city_user, [roster_row(n) for n in range(1, 6)])
    monkeypatch.setattr(checking, "CHECK_CHUNK", 2)
    made = committing._new_person
    calls = []

    def failing_on_the_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise IntegrityError("UNIQUE constraint failed: people_person.id_number_hash")
        return made(*args, **kwargs)

    monkeypatch.setattr(committing, "_new_person", failing_on_the_fourth)
    with pytest.raises(batches.ImportCommitError, match="本次未写入任何数据"):
        batches.import_batch_commit(batch=batch, actor=city_user)
    assert len(calls) == 4  # the first chunk had been written before
    assert not Person.objects.exists() and not ImportedRecord.objects.exists()
    assert not Person.history.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert "本次未写入任何数据" in batch.error_message

    monkeypatch.setattr(committing, "_new_person", made)
    batches.import_batch_commit(batch=batch, actor=city_user)
    assert Person.objects.count() == 5 == ImportedRecord.objects.count()
