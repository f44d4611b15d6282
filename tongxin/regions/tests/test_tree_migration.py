"""An existing flat deployment (a city and its counties, city staff placed
nowhere) migrates to the tree with no change to what any user sees."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("regions", "0001_initial"), ("accounts", "0002_security")]
AFTER = [("regions", "0002_tree"), ("accounts", "0003_placement")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_flat_deployment_migrates_with_no_change_in_what_users_see():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Region = apps.get_model("regions", "Region")
    User = apps.get_model("accounts", "User")
    city = Region.objects.create(code="450100", name="南宁市", kind="city")
    xingning = Region.objects.create(code="450102", name="兴宁区", kind="district", parent=city)
    qingxiu = Region.objects.create(code="450103", name="青秀区", kind="district", parent=city)
    staff = {}
    for username, role in [("admin", "admin"), ("city", "city"), ("leader", "leader"),
                           ("xingning", "county"), ("ev", "evaluator")]:  # fmt: skip
        staff[username] = User.objects.create(username=username, role=role)
    staff["xingning"].regions.set([xingning])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    from tongxin.accounts.models import User as CurrentUser
    from tongxin.regions.models import Region as CurrentRegion
    from tongxin.regions.scope import read_scope

    paths = dict(CurrentRegion.objects.values_list("code", "path"))
    assert paths == {
        "450100": f"/{city.pk}/",
        "450102": f"/{city.pk}/{xingning.pk}/",
        "450103": f"/{city.pk}/{qingxiu.pk}/",
    }
    users = {u.username: u for u in CurrentUser.objects.all()}
    for name in ("admin", "city", "leader"):
        assert read_scope(users[name]).everything, name
    county = read_scope(users["xingning"])
    assert county.contains(xingning.pk) and not county.contains(qingxiu.pk)
    assert read_scope(users["ev"]).is_empty
    # Migrate to the newest state again for the tests after this one.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
