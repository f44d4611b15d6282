"""The record lists' filter bars (engagement/filters.py): each condition of the
query string narrows the list, with the query strings saved links use."""

import pytest
from django.urls import reverse

from tongxin.engagement.models import ActivityType, Organisation
from tongxin.engagement.tests.factories import make_record

pytestmark = pytest.mark.django_db


def _shown(client, slug: str, names: tuple[str, ...], **params) -> set[str]:
    text = client.get(reverse(f"engagement:{slug}_list"), params).content.decode()
    return {name for name in names if name in text}


def test_activities_filter_by_type_organisation_text_and_status(
    client_for, city_user, regions, make_person
):
    xingning = regions["xingning"]
    other_type = ActivityType.objects.exclude(name="主题教育").first()
    organisation = make_record("organisations", actor=None, region=xingning)
    make_record("activities", actor=None, region=xingning, title="读书班甲")
    make_record("activities", actor=None, region=xingning, title="座谈会乙", type=other_type,
                organisation=organisation)  # fmt: skip
    cancelled = make_record("activities", actor=None, region=xingning, title="联谊会丙")
    client = client_for(city_user)
    client.post(
        reverse("engagement:activities_cancel", args=[cancelled.pk]), {"note": "取消"}, follow=True
    )
    names = ("读书班甲", "座谈会乙", "联谊会丙")

    assert _shown(client, "activities", names) == {"读书班甲", "座谈会乙"}
    assert _shown(client, "activities", names, type=other_type.pk) == {"座谈会乙"}
    assert _shown(client, "activities", names, organisation=organisation.pk) == {"座谈会乙"}
    assert _shown(client, "activities", names, q="读书") == {"读书班甲"}
    assert _shown(client, "activities", names, status="cancelled") == {"联谊会丙"}
    assert _shown(client, "activities", names, status="all") == set(names)
    # An invalid condition is left out, as the hand-written parser did.
    assert _shown(client, "activities", names, type="x") == {"读书班甲", "座谈会乙"}


def test_organisations_filter_by_kind_and_cluster(client_for, city_user, regions):
    xingning = regions["xingning"]
    cluster = make_record("clusters", actor=None, region=xingning)
    make_record("organisations", actor=None, region=xingning, name="联谊会甲")
    make_record("organisations", actor=None, region=xingning, name="商会乙", cluster=cluster,
                kind=Organisation.Kind.BASE)  # fmt: skip
    client = client_for(city_user)
    names = ("联谊会甲", "商会乙")

    assert _shown(client, "organisations", names, cluster=cluster.pk) == {"商会乙"}
    assert _shown(client, "organisations", names, kind=Organisation.Kind.BASE) == {"商会乙"}
    assert _shown(client, "organisations", names, kind=Organisation.Kind.ASSOCIATION) == {
        "联谊会甲"
    }


def test_the_nomination_board_filters_by_region(client_for, city_user, regions, make_person):
    make_record("nominations", actor=None, region=regions["xingning"],
                person=make_person("张三", region=regions["xingning"]))  # fmt: skip
    make_record("nominations", actor=None, region=regions["qingxiu"],
                person=make_person("王五", region=regions["qingxiu"]))  # fmt: skip
    client = client_for(city_user)
    url = reverse("engagement:nomination_board")

    def shown(**params) -> set[str]:
        text = client.get(url, params).content.decode()
        return {name for name in ("张三", "王五") if name in text}

    assert shown() == {"张三", "王五"}
    assert shown(region=regions["qingxiu"].pk) == {"王五"}
    assert shown(region="x") == {"张三", "王五"}
