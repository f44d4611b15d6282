from django.db import migrations

# (code, name, weights, threshold, blocking): the rules of issue 21. A system
# administrator changes weights and thresholds on 查重规则; the seed only adds
# missing codes.
RULES = [
    ("id_15", "18位号码与其15位形式相同", {"id_15": 10}, 10, ["id15"]),
    (
        "id_one_digit",
        "公民身份号码仅差一位且姓名相同",
        {"id_one_digit": 5, "name": 5},
        10,
        ["name_id_head", "name_id_tail"],
    ),
    (
        "name_birth",
        "姓名（或拼音）与出生日期相同",
        {"name_or_pinyin": 6, "birth_date": 4},
        10,
        ["pinyin_birth"],
    ),
    ("mobile", "手机号码相同", {"mobile": 10}, 10, ["mobile"]),
    ("email", "电子邮箱相同", {"email": 10}, 10, ["email"]),
    (
        "similar_name_employer",
        "姓名相近且工作单位相同",
        {"name_similar": 6, "employer": 4},
        9.4,
        ["employer_surname", "employer_given"],
    ),
]


def seed(apps, schema_editor):
    DuplicateRule = apps.get_model("dedupe", "DuplicateRule")
    for order, (code, name, weights, threshold, blocking) in enumerate(RULES, start=1):
        DuplicateRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "weights": weights,
                "threshold": threshold,
                "blocking": blocking,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("dedupe", "0001_dedupe_rules_keys_pairs_merges")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
