"""Reference data every deployment starts with (loaded by migration 0002).

Admins may add entries or disable them later; migrations never overwrite
what an admin changed.
"""

ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族",
    "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip
ETHNICITY_OTHER = "其他"

# (name, synonyms, is_cpc)
POLITICAL_STATUSES = [
    ("中共党员", "党员、中国共产党党员", True),
    ("中共预备党员", "预备党员", True),
    ("共青团员", "团员、共青团", False),
    ("民革党员", "民革、民革会员", False),
    ("民盟盟员", "民盟", False),
    ("民建会员", "民建", False),
    ("民进会员", "民进", False),
    ("农工党党员", "农工党、农工民主党", False),
    ("致公党党员", "致公党", False),
    ("九三学社社员", "九三学社、九三", False),
    ("台盟盟员", "台盟", False),
    ("无党派人士", "无党派", False),
    ("群众", "无", False),
]

EDUCATIONS = [
    ("研究生", "博士研究生、硕士研究生、博士、硕士"),
    ("大学本科", "本科、大本"),
    ("大学专科", "大专、专科、高职"),
    ("中等专科", "中专、中职、中等职业教育"),
    ("高中", "普通高中、高级中学"),
    ("初中及以下", "初中、小学"),
]

DEGREES = [
    ("博士", "博士学位"),
    ("硕士", "硕士学位"),
    ("学士", "学士学位"),
    ("无", "无学位"),
]

# (name, short name, is_freelance, [(subcategory, examples)])
GROUPS = [
    (
        "民营企业和外商投资企业管理技术人员",
        "民营外资企业",
        False,
        [
            ("民营企业管理人员", ""),
            ("民营企业技术人员", ""),
            ("外商投资企业管理人员", ""),
            ("外商投资企业技术人员", ""),
        ],
    ),
    (
        "中介组织和社会组织从业人员",
        "中介和社会组织",
        False,
        [
            ("律师", ""),
            ("注册会计师", ""),
            ("税务师", ""),
            ("资产评估师", ""),
            ("专利代理师", ""),
            ("其他中介组织从业人员", ""),
            ("社会团体从业人员", ""),
            ("基金会从业人员", ""),
            ("社会服务机构从业人员", ""),
        ],
    ),
    (
        "自由职业人员",
        "自由职业",
        True,
        [
            ("自由写作人员", "自由撰稿人、网络作家、编剧"),
            ("自由文艺创作人员", "画家、书法家、工艺美术师、音乐创作人、摄影师"),
            ("自由演艺人员", "自由导演、制片人、独立演员、歌手"),
            ("自由策划咨询人员", "营销策划师、企业培训师、市场调研咨询师"),
            ("知识型市场服务人员", "经纪人、设计师、翻译"),
            (
                "技能型市场服务人员",
                "个体工程机械技术人员、电器及电子信息产品维修人员、软件开发、互联网营销师",
            ),
        ],
    ),
    (
        "新媒体从业人员",
        "新媒体",
        False,
        [
            ("新媒体投资人", ""),
            ("新媒体经营管理人员", ""),
            ("新媒体内容从业人员", "采编、内容创作"),
            ("新媒体技术人员", ""),
        ],
    ),
]


def load_reference_data(apps) -> None:
    """Create the seed entries that do not exist yet (by name)."""
    Ethnicity = apps.get_model("people", "Ethnicity")
    PoliticalStatus = apps.get_model("people", "PoliticalStatus")
    Education = apps.get_model("people", "Education")
    Degree = apps.get_model("people", "Degree")
    PersonGroup = apps.get_model("people", "PersonGroup")
    SubCategory = apps.get_model("people", "SubCategory")

    for order, name in enumerate([*ETHNICITIES, ETHNICITY_OTHER], start=1):
        synonyms = name[:-1] if name.endswith("族") and len(name) > 2 else ""
        Ethnicity.objects.get_or_create(
            name=name, defaults={"sort_order": order, "synonyms": synonyms}
        )
    for order, (name, synonyms, is_cpc) in enumerate(POLITICAL_STATUSES, start=1):
        PoliticalStatus.objects.get_or_create(
            name=name, defaults={"sort_order": order, "synonyms": synonyms, "is_cpc": is_cpc}
        )
    for order, (name, synonyms) in enumerate(EDUCATIONS, start=1):
        Education.objects.get_or_create(
            name=name, defaults={"sort_order": order, "synonyms": synonyms}
        )
    for order, (name, synonyms) in enumerate(DEGREES, start=1):
        Degree.objects.get_or_create(
            name=name, defaults={"sort_order": order, "synonyms": synonyms}
        )
    for order, (name, short, freelance, subcategories) in enumerate(GROUPS, start=1):
        group, _ = PersonGroup.objects.get_or_create(
            name=name,
            defaults={"sort_order": order, "short_name": short, "is_freelance": freelance},
        )
        for sub_order, (sub, examples) in enumerate(subcategories, start=1):
            SubCategory.objects.get_or_create(
                group=group, name=sub, defaults={"sort_order": sub_order, "examples": examples}
            )
