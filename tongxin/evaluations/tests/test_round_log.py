"""A round's change log (变更记录) reads in Chinese and names people as colleagues call them."""

from django.urls import reverse

from tongxin.evaluations.tests.conftest import score
from tongxin.evaluations.tests.test_views import sheet_of


def test_a_rounds_log_reads_the_grade_distribution_and_who_closed_it(
    client_for, city_user, make_round, make_person, evaluators
):
    city_user.display_name = "王科长"
    city_user.save(update_fields=["display_name"])
    scored, unscored = make_person("张三"), make_person("李四")
    evaluation_round = make_round([scored, unscored], evaluator_list=evaluators[:1])
    score(sheet_of(evaluation_round, scored, evaluators[0]), 10, 10, 15)
    client = client_for(city_user)
    client.post(
        reverse("evaluations:round_close", args=[evaluation_round.pk]), {"unsubmitted": "1"}
    )

    page = client.get(reverse("evaluations:round_detail", args=[evaluation_round.pk]))

    log = page.content.decode().split('data-testid="round-changes"')[1]
    assert "等次分布</span>：A：1，无评分：1" in log
    assert "{'" not in log
    assert "<td>王科长</td>" in log
    assert "<td>city</td>" not in log
