"""Reference-data administration (数据字典): system administrators only."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.people.dictionary_forms import DICTIONARIES
from tongxin.people.models import Ethnicity, PersonGroup, PoliticalStatus, SubCategory

OUTSIDERS = ["xingning_user", "city_user", "leader_user"]


def entry_changes():
    return AuditEntry.objects.exclude(action__in=["login", "logout"])


def test_it_lists_the_dictionary_kinds_with_counts(client_for, admin_user):
    Ethnicity.objects.filter(name="其他").update(is_active=False)

    response = client_for(admin_user).get(reverse("dictionaries:index"))

    assert response.status_code == 200
    page = response.content.decode()
    for label in ["民族", "政治面貌", "学历", "学位", "人员类别", "细分类别"]:
        assert label in page
    counts = {row["kind"].slug: (row["total"], row["active"]) for row in response.context["kinds"]}
    total = Ethnicity.objects.count()
    assert counts["ethnicities"] == (total, total - 1)
    assert counts["groups"] == (4, 4)


@pytest.mark.parametrize("slug", list(DICTIONARIES))
def test_it_lists_every_kind(client_for, admin_user, slug, django_assert_num_queries):
    client = client_for(admin_user)
    kind = DICTIONARIES[slug]
    first = kind.model.objects.first()

    # session, user, the placement (dictionaries are the whole deployment's:
    # regions.scope), entries with usage counts
    with django_assert_num_queries(4):
        response = client.get(reverse("dictionaries:list", args=[slug]))

    assert response.status_code == 200
    page = response.content.decode()
    assert kind.label in page
    assert first.name in page
    assert kind.usage_label in page


def test_it_counts_the_persons_using_an_entry(client_for, admin_user, make_person):
    make_person("张三")
    make_person("李四")

    response = client_for(admin_user).get(reverse("dictionaries:list", args=["ethnicities"]))

    counts = {entry.name: entry.usage_count for entry, _ in response.context["rows"]}
    assert counts["汉族"] == 2
    assert counts["壮族"] == 0


def test_it_shows_kind_specific_columns(client_for, admin_user):
    response = client_for(admin_user).get(reverse("dictionaries:list", args=["political-statuses"]))
    page = response.content.decode()
    assert "属中共党员（含预备党员）" in page
    cells = {entry.name: cells for entry, cells in response.context["rows"]}
    assert cells["中共党员"] == ["是"]
    assert cells["群众"] == ["否"]


def test_it_answers_404_for_an_unknown_kind(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(reverse("dictionaries:list", args=["nope"])).status_code == 404
    assert client.get(reverse("dictionaries:create", args=["nope"])).status_code == 404


def test_it_answers_404_for_a_missing_entry(client_for, admin_user):
    url = reverse("dictionaries:edit", args=["degrees", 9999])
    assert client_for(admin_user).get(url).status_code == 404


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("name", ["index", "list", "create", "edit"])
def test_it_refuses_everyone_but_the_admin_with_404(client_for, request, regions, outsider, name):
    entry = Ethnicity.objects.get(name="壮族")
    args = {
        "index": [],
        "list": ["ethnicities"],
        "create": ["ethnicities"],
        "edit": ["ethnicities", entry.pk],
    }[name]
    client = client_for(request.getfixturevalue(outsider))
    url = reverse(f"dictionaries:{name}", args=args)

    assert client.get(url).status_code == 404
    data = {"name": "新民族", "synonyms": "", "sort_order": "1", "is_active": "on"}
    assert client.post(url, data).status_code == 404
    entry.refresh_from_db()
    assert entry.name == "壮族"
    assert not Ethnicity.objects.filter(name="新民族").exists()
    assert not entry_changes().exists()


def test_it_shows_the_create_form(client_for, admin_user):
    response = client_for(admin_user).get(reverse("dictionaries:create", args=["groups"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "新增人员类别" in page
    assert "简称" in page
    assert "自由职业类" in page


def test_it_adds_an_entry_and_audits_it(client_for, admin_user):
    data = {
        "name": "研究生（博士）",
        "synonyms": "博士研究生",
        "sort_order": "0",
        "is_active": "on",
    }

    response = client_for(admin_user).post(
        reverse("dictionaries:create", args=["educations"]), data
    )

    assert response.status_code == 302
    assert response.url == reverse("dictionaries:list", args=["educations"])
    from tongxin.people.models import Education

    entry = Education.objects.get(name="研究生（博士）")
    assert entry.synonyms == "博士研究生"
    assert entry.is_active
    audit = entry_changes().get()
    assert audit.action == "create"
    assert audit.object_type == "people.education"
    assert audit.object_id == str(entry.pk)
    assert audit.user == admin_user
    assert audit.changes["name"] == [None, "研究生（博士）"]


def test_it_adds_a_political_status_with_its_flag(client_for, admin_user):
    data = {"name": "其他党派", "is_cpc": "", "sort_order": "20", "is_active": "on"}

    response = client_for(admin_user).post(
        reverse("dictionaries:create", args=["political-statuses"]), data
    )

    assert response.status_code == 302
    assert PoliticalStatus.objects.get(name="其他党派").is_cpc is False


def test_it_adds_a_subcategory_to_a_group(client_for, admin_user):
    group = PersonGroup.objects.get(sort_order=3)
    data = {
        "group": group.pk,
        "name": "自由摄影人员",
        "examples": "摄影师、摄像师",
        "sort_order": "7",
        "is_active": "on",
    }

    response = client_for(admin_user).post(
        reverse("dictionaries:create", args=["subcategories"]), data
    )

    assert response.status_code == 302
    entry = SubCategory.objects.get(name="自由摄影人员")
    assert entry.group == group
    assert entry.examples == "摄影师、摄像师"
    assert entry_changes().get().changes["group"] == [None, group.name]


def test_it_edits_an_entry_and_audits_old_and_new(client_for, admin_user):
    entry = PersonGroup.objects.get(sort_order=4)
    data = {
        "name": entry.name,
        "short_name": "新媒体行业",
        "is_freelance": "",
        "synonyms": entry.synonyms,
        "sort_order": str(entry.sort_order),
        "is_active": "on",
    }

    response = client_for(admin_user).post(
        reverse("dictionaries:edit", args=["groups", entry.pk]), data
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.short_name == "新媒体行业"
    audit = entry_changes().get()
    assert audit.action == "update"
    assert audit.object_type == "people.persongroup"
    assert audit.changes == {"short_name": ["新媒体", "新媒体行业"]}


def test_it_disables_an_entry_in_use_instead_of_deleting(client_for, admin_user, make_person):
    person = make_person("张三")
    entry = person.ethnicity
    data = {"name": entry.name, "synonyms": entry.synonyms, "sort_order": str(entry.sort_order)}

    response = client_for(admin_user).post(
        reverse("dictionaries:edit", args=["ethnicities", entry.pk]), data
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert not entry.is_active
    person.refresh_from_db()
    assert person.ethnicity == entry
    assert entry_changes().filter(object_type="people.ethnicity").get().changes == {
        "is_active": [True, False]
    }


def test_it_shows_the_edit_form(client_for, admin_user):
    entry = Ethnicity.objects.get(name="壮族")
    response = client_for(admin_user).get(
        reverse("dictionaries:edit", args=["ethnicities", entry.pk])
    )
    assert response.status_code == 200
    assert "编辑民族：壮族" in response.content.decode()


@pytest.mark.parametrize(
    ("slug", "data", "field", "message"),
    [
        ("ethnicities", {"name": "壮族"}, "name", "民族中已有“壮族”，名称不能重复。"),
        ("ethnicities", {"name": ""}, "name", "请填写名称。"),
        ("degrees", {"name": "学士"}, "name", "学位中已有“学士”，名称不能重复。"),
        ("ethnicities", {"name": "新", "sort_order": "-1"}, "sort_order", "确保该值大于或等于0。"),
        ("subcategories", {"name": "画家"}, "group", "请选择所属类别。"),
    ],
)
def test_it_rejects_bad_input_next_to_the_field(client_for, admin_user, slug, data, field, message):
    kind = DICTIONARIES[slug]
    before = kind.model.objects.count()
    data = {"sort_order": "0", "is_active": "on", **data}

    response = client_for(admin_user).post(reverse("dictionaries:create", args=[slug]), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert kind.model.objects.count() == before
    assert not entry_changes().exists()


def test_it_refuses_a_duplicate_subcategory_within_its_group(client_for, admin_user):
    existing = SubCategory.objects.select_related("group").first()
    data = {"group": existing.group_id, "name": existing.name, "sort_order": "0", "is_active": "on"}

    response = client_for(admin_user).post(
        reverse("dictionaries:create", args=["subcategories"]), data
    )

    assert response.status_code == 200
    message = f"“{existing.group.name}”下已有“{existing.name}”，名称不能重复。"
    assert message in response.context["form"].errors["name"]
    assert not entry_changes().exists()


def test_it_allows_the_same_subcategory_name_in_another_group(client_for, admin_user):
    existing = SubCategory.objects.select_related("group").first()
    other = PersonGroup.objects.exclude(pk=existing.group_id).first()
    data = {"group": other.pk, "name": existing.name, "sort_order": "0", "is_active": "on"}

    response = client_for(admin_user).post(
        reverse("dictionaries:create", args=["subcategories"]), data
    )

    assert response.status_code == 302
    assert SubCategory.objects.filter(name=existing.name).count() == 2


def test_it_renames_an_entry_to_its_own_name(client_for, admin_user):
    entry = Ethnicity.objects.get(name="壮族")
    data = {
        "name": "壮族",
        "synonyms": "僮族",
        "sort_order": str(entry.sort_order),
        "is_active": "on",
    }

    response = client_for(admin_user).post(
        reverse("dictionaries:edit", args=["ethnicities", entry.pk]), data
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.synonyms == "僮族"
