"""The default indicator system: the four standards, scored from the office's own records.

Every rubric counts what the office records of its dealings with the person
(attendance, activities, recorded contributions, positions, honours); none asks
for opinions, speech or online activity.
"""

from decimal import Decimal

from django.db import migrations

DEFAULT_SYSTEM = "综合评价指标体系（默认）"

TREE = [
    (
        "政治素质",
        30,
        [
            (
                "学习培训出勤",
                10,
                "依据统战部门组织的学习培训考勤记录评分：全部参加得满分；"
                "每无故缺席一次扣 3 分，请假并经同意的不扣分，扣完为止。",
            ),
            (
                "参加组织活动",
                10,
                "依据本部门记录的主题教育、考察调研、联谊交流等活动参加情况评分："
                "每参加一次得 2 分，满分为止。",
            ),
            (
                "年度信息更新与联络",
                10,
                "按时完成年度信息更新、联系方式有效得满分；"
                "逾期未更新扣 5 分；全年联系不上的不得分。",
            ),
        ],
    ),
    (
        "社会贡献",
        30,
        [
            (
                "主要业绩",
                15,
                "依据登记表“主要业绩与社会贡献”及本部门记录的表彰评分："
                "国家级表彰每项 8 分，省级 5 分，市级 3 分，县级 1 分，满分为止。",
            ),
            (
                "社会公益活动",
                15,
                "依据本部门记录的公益慈善、志愿服务、服务团活动评分："
                "每次有记录的参与得 3 分，满分为止。",
            ),
        ],
    ),
    (
        "参政议政能力",
        20,
        [
            (
                "建言献策",
                10,
                "依据本部门登记的建言献策件数和办理结果评分："
                "每提交一件得 2 分，被采纳的每件另加 3 分，满分为止。",
            ),
            (
                "政治安排履职",
                10,
                "依据记录的人大代表、政协委员、政府参事等政治安排评分："
                "按时出席会议并有履职记录的得满分；无政治安排的按参加本部门座谈会次数每次 2 分。",
            ),
        ],
    ),
    (
        "社会影响",
        20,
        [
            (
                "行业地位",
                10,
                "依据登记的职务、职称/职业资格评分：单位主要负责人或高级职称 10 分，"
                "中层或中级职称 6 分，其他 3 分。",
            ),
            (
                "社会组织任职",
                10,
                "依据记录的联谊会、行业协会、商会等组织任职评分："
                "会长或副会长 10 分，理事 6 分，会员 3 分，无任职 0 分。",
            ),
        ],
    ),
]


def load(apps, schema_editor):
    IndicatorSystem = apps.get_model("evaluations", "IndicatorSystem")
    Dimension = apps.get_model("evaluations", "Dimension")
    Indicator = apps.get_model("evaluations", "Indicator")
    if IndicatorSystem.objects.filter(name=DEFAULT_SYSTEM).exists():
        return
    system = IndicatorSystem.objects.create(name=DEFAULT_SYSTEM, version=1, is_active=True)
    for n, (name, weight, indicators) in enumerate(TREE, start=1):
        dimension = Dimension.objects.create(system=system, name=name, weight=weight, sort_order=n)
        for m, (iname, max_points, rubric) in enumerate(indicators, start=1):
            Indicator.objects.create(
                dimension=dimension,
                name=iname,
                max_points=Decimal(max_points),
                rubric=rubric,
                sort_order=m,
            )


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
