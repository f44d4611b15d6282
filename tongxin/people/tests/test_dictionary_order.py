"""Dictionary lists (数据字典) follow their 排序 column, as every form's choices do."""

import pytest
from django.urls import reverse

from tongxin.people.dictionary_forms import DICTIONARIES
from tongxin.people.models import Ethnicity


@pytest.mark.parametrize("slug", list(DICTIONARIES))
def test_it_lists_entries_by_sort_order(client_for, admin_user, slug):
    kind = DICTIONARIES[slug]

    response = client_for(admin_user).get(reverse("dictionaries:list", args=[slug]))

    listed = [entry.pk for entry, _ in response.context["rows"]]
    assert listed == list(kind.model.objects.values_list("pk", flat=True))


def test_a_changed_sort_order_moves_the_entry(client_for, admin_user):
    Ethnicity.objects.filter(name="壮族").update(sort_order=0)

    response = client_for(admin_user).get(reverse("dictionaries:list", args=["ethnicities"]))

    page = response.content.decode()
    assert page.index("<td>壮族</td>") < page.index("<td>汉族</td>") < page.index("<td>回族</td>")
