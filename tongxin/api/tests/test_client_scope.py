"""An API client's scope is kept in the shared cache under the placements'
version: after the first call no call reads the region tree, and a change of
the tree is seen by the next call."""

from tongxin.regions.models import Region


def test_a_call_reads_no_region_rows_once_the_scope_is_kept(
    make_api_client, make_person, call, django_assert_num_queries
):
    person = make_person("王芳")
    _client, token = make_api_client()
    path = f"/api/v1/persons/{person.pk}"
    call(token, "get", path)  # the first call keeps the tree and the scope

    # The client by its token, the person inside the scope, the audit row.
    with django_assert_num_queries(3) as captured:
        assert call(token, "get", path).status_code == 200

    assert not [q["sql"] for q in captured.captured_queries if 'FROM "regions_region"' in q["sql"]]


def test_a_region_moved_into_the_client_s_node_is_seen_by_the_next_call(
    make_api_client, make_person, call, regions
):
    person = make_person("王芳", region=regions["qingxiu"])
    _client, token = make_api_client(regions["xingning"])
    path = f"/api/v1/persons/{person.pk}"
    assert call(token, "get", path).status_code == 404  # the scope is kept now

    qingxiu = Region.objects.get(pk=regions["qingxiu"].pk)
    qingxiu.parent = regions["xingning"]
    qingxiu.save()

    assert call(token, "get", path).status_code == 200


def test_a_region_moved_out_of_the_client_s_node_is_gone_at_the_next_call(
    make_api_client, make_person, call, regions
):
    street = Region.objects.create(
        code="450102001", name="民生街道", kind=Region.Kind.STREET, parent=regions["xingning"]
    )
    person = make_person("王芳", region=street)
    _client, token = make_api_client(regions["xingning"])
    path = f"/api/v1/persons/{person.pk}"
    assert call(token, "get", path).status_code == 200

    street.parent = regions["qingxiu"]
    street.save()

    assert call(token, "get", path).status_code == 404
