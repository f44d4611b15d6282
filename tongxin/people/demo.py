"""Synthetic but realistic persons for the demo deployment and benchmarks.

Everything here is invented: names are drawn from common surnames (weighted
towards Guangxi) and a pool of given-name characters, resident IDs carry the
address code of the person's county-level unit, a birth date and a correct GB 11643 check digit, but
belong to nobody.

Resident IDs never collide within a run, nor across runs that continue with
`start_index`: the birth date and the 3-digit sequence are a function of the
person's index alone (see `_id_slot`), so two indexes never share both.
"""

import bisect
import datetime
import math
import random
from collections.abc import Iterator, Sequence

from stdnum.cn.ric import calc_check_digit

from tongxin.core import pii
from tongxin.core.bulk import unsaved
from tongxin.regions.models import Region

from .models import Degree, Education, Ethnicity, Person, PersonGroup, PoliticalStatus, SubCategory
from .search import id_derived_fields, mobile_derived_fields, name_derived_fields

__all__ = ["generate_persons", "resident_id_for"]


class _Weighted:
    """Pick from (value, weight) pairs with one random() and a bisect."""

    def __init__(self, pairs: Sequence[tuple], rng: random.Random):
        self.values = [v for v, _ in pairs]
        self.cumulative = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            self.cumulative.append(total)
        self.total = total
        self.rng = rng

    def __call__(self):
        return self.values[bisect.bisect_right(self.cumulative, self.rng.random() * self.total)]


# --- Names ------------------------------------------------------------------

# Roughly how common each surname is among adults in Nanning: the national
# top names plus the Zhuang-area surnames 韦 覃 黄 蒙 莫 陆 农 梁 ….
SURNAMES = [
    ("黄", 90), ("李", 60), ("陈", 55), ("韦", 55), ("梁", 40), ("刘", 35), ("覃", 30),
    ("张", 30), ("王", 28), ("莫", 22), ("蒙", 20), ("陆", 18), ("林", 18), ("杨", 18),
    ("罗", 16), ("农", 14), ("周", 14), ("吴", 13), ("谢", 12), ("何", 12), ("廖", 12),
    ("邓", 11), ("卢", 11), ("苏", 10), ("唐", 10), ("蓝", 9), ("潘", 9), ("钟", 8),
    ("赵", 8), ("甘", 7), ("黎", 7), ("冯", 7), ("曾", 7), ("蒋", 7), ("许", 6),
    ("徐", 6), ("朱", 6), ("胡", 6), ("郭", 6), ("马", 5), ("孙", 5), ("宋", 4),
    ("郑", 5), ("叶", 5), ("高", 4), ("秦", 4), ("石", 4), ("邱", 4), ("闭", 3),
    ("凌", 3), ("雷", 3), ("阮", 3), ("龙", 3), ("滕", 3), ("宁", 3), ("班", 2),
    ("磨", 2), ("零", 2), ("庞", 3), ("岑", 2), ("颜", 2), ("施", 2), ("骆", 2),
    ("邝", 1), ("区", 1), ("单", 1), ("查", 1), ("仇", 1), ("解", 1), ("盘", 2),
    ("文", 3), ("方", 3), ("沈", 3), ("韩", 3), ("曹", 3), ("彭", 3), ("董", 2),
    ("袁", 2), ("邹", 2), ("余", 2), ("丁", 2), ("欧阳", 1.5), ("司马", 0.3),
    ("上官", 0.3), ("诸葛", 0.2), ("司徒", 0.5), ("东方", 0.2),
]  # fmt: skip

# About 300 characters used in given names: men's, women's and either.
GIVEN_MALE = (
    "伟强军杰斌涛勇刚明辉华建国平峰宇浩鹏飞超波俊磊鑫鸿亮宏志忠文武"
    "东海林松柏山川江龙虎彪雄壮健康福禄寿庆喜祥瑞德仁义礼智信诚坚定"
    "永刚锋锐立新胜利振兴旭晖晨朗豪毅博泽彬森荣耀光耀家国邦卫兵"
)
GIVEN_FEMALE = (
    "丽芳娜敏静秀英华慧巧美娟燕玲萍红艳梅兰菊莲桂凤霞琴云莉婷雪琳"
    "倩颖洁佳怡欣悦宁娇媛婕妍璐瑶琪蕾薇芸蓉菲珊晶晓雯露月妮嫣婉"
    "淑惠丹青碧翠珍珠玉春夏秋冬彩虹蔓茜姗爽"
)
GIVEN_EITHER = (
    "文明安宁嘉乐思远子诗书雨晴阳光海天一心小永春秋志成家昌盛利民"
    "秀俊振兴宏图卓越韵逸凡若帆涵洋航舟望远"
)


# Distinct given names per sex. Real given names repeat a lot; a bounded pool
# also bounds the pinyin work (the slowest part of generating a person).
GIVEN_POOL_SIZE = 800


def _unique_chars(text: str) -> list[str]:
    return list(dict.fromkeys(text))


# --- Reference values -------------------------------------------------------

# Nanning's population is about half Zhuang; among registered staff of the new
# social strata in the city districts the Han share is higher.
ETHNICITY_WEIGHTS = [
    ("汉族", 62), ("壮族", 31), ("瑶族", 2), ("苗族", 1), ("侗族", 0.8),
    ("仫佬族", 0.6), ("回族", 0.5), ("满族", 0.4), ("土家族", 0.4), ("毛南族", 0.3),
    ("京族", 0.3), ("布依族", 0.2), ("蒙古族", 0.1), ("其他", 0.1),
]  # fmt: skip

# 党外人士: CPC members are not registered as representatives.
POLITICAL_WEIGHTS = [
    ("群众", 52), ("无党派人士", 22), ("共青团员", 3), ("民盟盟员", 3), ("民建会员", 5),
    ("民进会员", 3), ("农工党党员", 2.5), ("致公党党员", 2.5), ("九三学社社员", 2.5),
    ("民革党员", 2.5), ("台盟盟员", 0.3),
]  # fmt: skip

EDUCATION_WEIGHTS = [
    ("研究生", 14), ("大学本科", 48), ("大学专科", 22), ("中等专科", 7), ("高中", 6),
    ("初中及以下", 3),
]  # fmt: skip

SCHOOLS = [
    ("广西大学", 18), ("广西师范大学", 8), ("广西民族大学", 10), ("广西医科大学", 4),
    ("桂林电子科技大学", 6), ("桂林理工大学", 5), ("南宁师范大学", 6), ("广西艺术学院", 5),
    ("广西财经学院", 7), ("广西科技大学", 4), ("中山大学", 3), ("华南理工大学", 3),
    ("武汉大学", 2), ("暨南大学", 2), ("中南大学", 2), ("厦门大学", 1), ("西南政法大学", 2),
    ("南宁职业技术学院", 5), ("广西职业技术学院", 3), ("北京大学", 0.5), ("清华大学", 0.5),
]  # fmt: skip

MAJORS = [
    "工商管理", "会计学", "法学", "计算机科学与技术", "软件工程", "市场营销", "金融学",
    "汉语言文学", "新闻学", "广播电视编导", "美术学", "视觉传达设计", "音乐学", "英语",
    "土木工程", "机械设计制造及其自动化", "电子信息工程", "国际经济与贸易", "财务管理",
    "电子商务", "数字媒体艺术", "环境设计", "物流管理", "社会工作", "税收学", "知识产权",
]  # fmt: skip

NATIVE_PLACES = [
    ("广西南宁", 45), ("广西桂林", 6), ("广西柳州", 6), ("广西玉林", 7), ("广西百色", 5),
    ("广西河池", 4), ("广西钦州", 4), ("广西贵港", 5), ("广西梧州", 3), ("广西崇左", 4),
    ("广西来宾", 3), ("广西北海", 2), ("广西防城港", 1), ("广西贺州", 1), ("广东广州", 1),
    ("广东湛江", 1), ("湖南衡阳", 1), ("湖南永州", 1), ("湖北武汉", 0.5), ("四川成都", 0.5),
    ("江西赣州", 0.5), ("福建莆田", 0.5), ("浙江温州", 0.5),
]  # fmt: skip

# Two-character trade names for invented organisations.
TRADE_NAMES = [
    "博远", "恒信", "华信", "八桂", "邕江", "绿城", "东盟", "北部湾", "五象", "青山", "南湖",
    "凤岭", "金桂", "嘉和", "鼎盛", "天誉", "瑞丰", "盛源", "创新", "智汇", "星辰", "云帆",
    "银海", "新锐", "永泰", "宏达", "君安", "正和", "弘毅", "明德", "德正", "同济", "锦绣",
    "荣和", "中谷", "海川", "昆仑", "相思湖", "朝阳", "民生", "汇通", "联创", "启航", "源丰",
    "匠心", "万象", "方圆", "桂韵", "壮锦", "铜鼓", "榕树", "木棉", "茉莉", "扬美", "良凤",
]  # fmt: skip

INDUSTRIES = [
    "科技", "信息技术", "网络科技", "电子商务", "建设工程", "房地产开发", "物流", "食品",
    "农业科技", "医药", "生物科技", "新材料", "机械制造", "环保科技", "文化旅游", "商贸",
    "投资", "供应链管理", "糖业", "林产", "铝业", "汽车销售", "教育科技", "餐饮管理",
]  # fmt: skip

ROADS = [
    "民族大道", "朝阳路", "友爱路", "星光大道", "五象大道", "大学东路", "竹溪大道", "江南路",
    "白沙大道", "长湖路", "金湖路", "园湖路", "安吉大道", "昆仑大道", "凤岭北路", "青秀路",
    "邕宾路", "秀厢大道", "明秀路", "建政路", "东葛路", "中华路", "北湖路", "望州路",
    "壮锦大道", "平乐大道", "良庆大道", "邕武路", "兴宁路", "人民东路", "科园大道", "高新大道",
]  # fmt: skip

# How many persons each county-level unit holds relative to the others.
REGION_WEIGHTS = {
    "450102": 10, "450103": 16, "450105": 10, "450107": 12, "450108": 6, "450109": 3,
    "450110": 4, "450123": 2, "450124": 2, "450125": 2, "450126": 4, "450181": 4,
    "450171": 8, "450172": 5, "450173": 3,
    "450202": 5, "450203": 5, "450204": 5, "450205": 4, "450206": 3, "450222": 2, "450223": 2,
    "450102001": 2, "450102002": 2, "450102100": 1,
    "450102001001": 1, "450102001002": 1, "450102100201": 1,
}  # fmt: skip

# Development zones have no code of their own in GB/T 2260 (450171-450173 are
# local conventions), so their residents' IDs carry the host district's code.
ID_ADDRESS_CODES = {"450171": "450107", "450172": "450105", "450173": "450110"}

LEVEL_CITY_QUOTA = 200
LEVEL_COUNTY_QUOTA = 50
# Quotas are sized for a database of this many persons; smaller demos get
# proportionally fewer city- and county-level persons.
QUOTA_REFERENCE_SIZE = 4000

ARCHIVE_SHARE = 0.03
ARCHIVE_REASONS = [
    ("moved_away", 35), ("withdrew", 25), ("joined_cpc", 15), ("grade_d", 10), ("died", 5),
    ("other", 10),
]  # fmt: skip
ARCHIVE_NOTES = {
    "moved_away": "工作调动至区外",
    "withdrew": "本人申请退出",
    "joined_cpc": "已加入中国共产党",
    "grade_d": "年度综合评价为D级",
    "died": "",
    "other": "长期无法联系",
}

# Mainland mobile prefixes in common use (China Mobile, Unicom, Telecom).
MOBILE_PREFIXES = [
    ("135", 8), ("136", 6), ("137", 6), ("138", 8), ("139", 8), ("150", 4), ("151", 4),
    ("152", 3), ("157", 2), ("158", 4), ("159", 4), ("178", 3), ("182", 3), ("183", 3),
    ("187", 4), ("188", 3), ("198", 2), ("130", 3), ("131", 3), ("132", 3), ("155", 3),
    ("156", 3), ("166", 2), ("175", 2), ("176", 3), ("185", 3), ("186", 4), ("133", 3),
    ("153", 2), ("173", 2), ("177", 3), ("180", 3), ("181", 3), ("189", 4), ("191", 2),
    ("199", 2), ("134", 2), ("147", 1),
]  # fmt: skip
EMAIL_DOMAINS = [("qq.com", 50), ("163.com", 25), ("126.com", 10), ("foxmail.com", 5), ("", 10)]

# Per sub-category: (employer templates, job titles, professional titles — a
# list, or a dict by job title when the title depends on the job).
# "{t}" is a trade name, "{i}" an industry, "{r}" the region's name.
_COMPANY = [
    "广西{t}{i}有限公司",
    "南宁{t}{i}有限公司",
    "南宁市{t}{i}有限责任公司",
    "广西{t}{i}集团有限公司",
]
_FOREIGN = ["南宁{t}{i}有限公司（外商独资）", "广西{t}{i}（中外合资）有限公司"]
EMPLOYERS = {
    "民营企业管理人员": (_COMPANY, ["董事长", "总经理", "副总经理", "执行董事", "财务总监", "行政总监"], ["经济师", "高级经济师", "", ""]),
    "民营企业技术人员": (_COMPANY, ["技术总监", "总工程师", "研发部经理", "首席技术官", "高级工程师"], ["工程师", "高级工程师", "正高级工程师"]),
    "外商投资企业管理人员": (_FOREIGN, ["总经理", "副总经理", "中国区负责人", "运营总监"], ["经济师", "", ""]),
    "外商投资企业技术人员": (_FOREIGN, ["技术总监", "研发经理", "质量总监"], ["工程师", "高级工程师"]),
    "律师": (["广西{t}律师事务所", "广西{t}（南宁）律师事务所"], ["主任", "高级合伙人", "合伙人", "专职律师"], ["一级律师", "二级律师", "三级律师", "律师"]),
    "注册会计师": (["广西{t}会计师事务所有限公司", "{t}会计师事务所（特殊普通合伙）广西分所"], ["主任会计师", "合伙人", "审计经理"], ["注册会计师", "高级会计师"]),
    "税务师": (["广西{t}税务师事务所有限公司"], ["所长", "合伙人", "执业税务师"], ["税务师"]),
    "资产评估师": (["广西{t}资产评估有限公司"], ["总经理", "评估部经理"], ["资产评估师"]),
    "专利代理师": (["南宁{t}专利代理事务所（普通合伙）", "广西{t}知识产权代理有限公司"], ["所长", "专利代理师"], ["专利代理师"]),
    "其他中介组织从业人员": (["广西{t}工程造价咨询有限公司", "南宁{t}房地产经纪有限公司", "广西{t}招标代理有限公司"], ["总经理", "部门经理", "项目负责人"], ["造价工程师", "房地产估价师", ""]),
    "社会团体从业人员": (["南宁市{i}行业协会", "{r}{i}商会", "南宁市青年企业家协会"], ["会长", "秘书长", "副秘书长"], [""]),
    "基金会从业人员": (["广西{t}公益基金会", "南宁市{t}慈善基金会"], ["理事长", "秘书长", "项目主管"], ["社会工作师", ""]),
    "社会服务机构从业人员": (["南宁市{t}社会工作服务中心", "{r}{t}养老服务中心", "南宁市{t}职业培训学校"], ["主任", "院长", "校长", "副主任"], ["社会工作师", "高级社会工作师", ""]),
    "自由写作人员": (["{t}文化工作室", "自由职业"], ["网络作家", "自由撰稿人", "编剧"], ["", "二级作家"]),
    "自由文艺创作人员": (["{t}美术工作室", "{t}书画院", "{t}文化传媒工作室", "自由职业"], ["画家", "书法家", "工艺美术师", "摄影师", "音乐创作人"], {"画家": ["一级美术师", "二级美术师", "三级美术师", ""], "工艺美术师": ["高级工艺美术师", "工艺美术师"], "摄影师": ["二级摄影师", ""]}),
    "自由演艺人员": (["{t}文化传媒工作室", "南宁{t}影视文化有限公司", "自由职业"], ["导演", "制片人", "演员", "歌手"], {"演员": ["国家二级演员", "国家三级演员", ""], "歌手": ["国家二级演员", ""], "导演": ["二级导演", ""]}),
    "自由策划咨询人员": (["{t}企业管理咨询工作室", "南宁{t}营销策划有限公司"], ["营销策划师", "企业培训师", "咨询顾问"], ["", "高级企业培训师"]),
    "知识型市场服务人员": (["{t}设计工作室", "南宁{t}翻译服务有限公司", "{t}文化经纪工作室"], ["设计师", "翻译", "经纪人"], ["", "二级翻译"]),
    "技能型市场服务人员": (["{t}软件开发工作室", "{t}电器维修服务部", "南宁{t}网络科技工作室"], ["软件开发工程师", "互联网营销师", "维修技师"], ["", "技师", "高级技师"]),
    "新媒体投资人": (["广西{t}网络科技有限公司", "南宁{t}新媒体投资有限公司"], ["董事长", "投资人", "执行董事"], [""]),
    "新媒体经营管理人员": (["广西{t}文化传媒有限公司", "南宁{t}网络科技有限公司"], ["总经理", "运营总监", "主编"], [""]),
    "新媒体内容从业人员": (["{t}文化传媒工作室", "广西{t}文化传媒有限公司"], ["主播", "内容创作者", "视频博主", "编辑"], [""]),
    "新媒体技术人员": (["广西{t}网络科技有限公司", "南宁{t}数字科技有限公司"], ["技术负责人", "算法工程师", "运维工程师"], ["工程师", ""]),
}  # fmt: skip
_GENERIC = (["广西{t}{i}有限公司"], ["负责人"], [""])

# "{r}" is the county-level unit as its party committee is called (南宁市兴宁区, 隆安县).
RECOMMENDERS = [
    "中共{r}委统战部", "{r}工商业联合会", "南宁市新的社会阶层人士联合会", "南宁市工商业联合会",
    "南宁市律师协会", "南宁市文学艺术界联合会", "",
]  # fmt: skip
# Development zones have no party committee of their own name in this form.
ZONE_RECOMMENDERS = RECOMMENDERS[2:]

# Birth dates span 1955-2000; people born in the 1970s and 1980s are the most common.
BIRTH_FIRST = datetime.date(1955, 1, 1)
BIRTH_LAST = datetime.date(2000, 12, 31)


def _birth_weight(day: datetime.date) -> int:
    decade = (day.year - 1950) // 10  # 0 = 1950s … 5 = 2000
    return (1, 2, 3, 3, 2, 1)[decade]


# Each day appears as many times as its weight; the k-th copy of a day takes
# sequence numbers k, k + 3, k + 6 … (3 = the highest weight), so copies of a
# day never share a sequence number.
_MAX_WEIGHT = 3
_SLOTS: list[tuple[datetime.date, int]] = [
    (day, copy)
    for offset in range((BIRTH_LAST - BIRTH_FIRST).days + 1)
    for day in [BIRTH_FIRST + datetime.timedelta(days=offset)]
    for copy in range(_birth_weight(day))
]
# A multiplier coprime to len(_SLOTS) spreads consecutive indexes over all
# birth years instead of walking through the calendar.
_STRIDE = 7919
while math.gcd(_STRIDE, len(_SLOTS)) != 1:
    _STRIDE += 2
# 500 sequence numbers per sex (odd = male, even = female in the 17th digit).
MAX_PERSONS = len(_SLOTS) * (500 // _MAX_WEIGHT)


def _id_slot(index: int) -> tuple[datetime.date, int]:
    """(birth date, sequence 0-499) of the person with this index; injective."""
    if not 0 <= index < MAX_PERSONS:
        raise ValueError(f"demo persons are limited to {MAX_PERSONS}")
    round_, position = divmod(index, len(_SLOTS))
    day, copy = _SLOTS[(position * _STRIDE) % len(_SLOTS)]
    return day, round_ * _MAX_WEIGHT + copy


def resident_id_for(address_code: str, birth_date: datetime.date, sequence: int, sex: str) -> str:
    """A resident ID with a correct check digit; `sequence` 0-499 picks digits 15-17."""
    order = 2 * sequence + (1 if sex == Person.Sex.MALE else 0)
    first17 = f"{address_code}{birth_date:%Y%m%d}{order:03d}"
    return first17 + calc_check_digit(first17 + "0")


def _ids_by_name(model) -> dict[str, int]:
    return dict(model.objects.values_list("name", "id"))


def generate_persons(
    n: int, *, regions: Sequence[Region], seed: int = 1, start_index: int = 0
) -> Iterator[Person]:
    """Yield `n` unsaved persons spread over `regions`, with search fields set.

    `start_index` continues an earlier run: indexes start_index … start_index+n-1
    get resident IDs no earlier index had. The same seed and start index give the
    same persons.
    """
    if start_index + n > MAX_PERSONS:
        raise ValueError(f"demo persons are limited to {MAX_PERSONS}")
    rng = random.Random(f"{seed}:{start_index}")
    regions = [r for r in regions if not r.is_city] or list(regions)
    if not regions:
        raise ValueError("no regions to place persons in")

    ethnicity_ids = _ids_by_name(Ethnicity)
    political_ids = _ids_by_name(PoliticalStatus)
    education_ids = _ids_by_name(Education)
    degree_ids = _ids_by_name(Degree)
    groups = list(PersonGroup.objects.filter(is_active=True).order_by("sort_order", "id"))
    subcategories: dict[int, list[SubCategory]] = {}
    for sub in SubCategory.objects.filter(is_active=True).order_by("sort_order", "id"):
        subcategories.setdefault(sub.group_id, []).append(sub)

    random_ = rng.random

    def pick(seq):
        # random.choice costs ten times more, which shows at a million rows.
        return seq[int(random_() * len(seq))]

    total_weight = sum(REGION_WEIGHTS.get(r.code, 3) for r in regions)
    size = max(n, QUOTA_REFERENCE_SIZE)
    p_city = LEVEL_CITY_QUOTA / size
    # The names above each node (市, 县区, 街道 …), for addresses and committees.
    ancestor_ids = {i for r in regions for i in r.ancestor_ids()}
    ancestors = {r.pk: r for r in Region.objects.filter(pk__in=ancestor_ids)}
    # Per region: (region, the address code its residents' IDs carry, the
    # level threshold below which a person is county-level, recommenders,
    # address prefix, the city's short name when it is not 南宁).
    region_rows = []
    for region in regions:
        weight = REGION_WEIGHTS.get(region.code, 3)
        above = [ancestors[i] for i in region.ancestor_ids() if i in ancestors]
        city = next((a for a in above if a.is_city), None)
        city_name = city.name if city else "南宁市"
        county = next((a for a in [*above, region] if a.is_county_level), region)
        if county.kind == Region.Kind.ZONE:
            recommenders, committee = ZONE_RECOMMENDERS, ""
        elif county.kind == Region.Kind.DISTRICT:
            recommenders, committee = RECOMMENDERS, f"{city_name}{county.name}"
        else:
            recommenders, committee = RECOMMENDERS, county.name
        city_short = city_name.removesuffix("市")
        recommenders = [r.format(r=committee).replace("南宁", city_short) for r in recommenders]
        county_share = LEVEL_COUNTY_QUOTA / (size * weight / total_weight)
        # Streets and communities carry their county's code (its first six digits).
        id_code = ID_ADDRESS_CODES.get(county.code, county.code[:6])
        address = "广西" + "".join(a.name for a in above if a.rank >= 1) + region.name
        other_city = city_short if city_short != "南宁" else ""
        region_rows.append(
            (
                (region, id_code, p_city + county_share, recommenders, address, other_city),
                weight,
            )
        )
    pick_region = _Weighted(region_rows, rng)

    pick_surname = _Weighted(SURNAMES, rng)
    pick_ethnicity = _Weighted(
        [(ethnicity_ids[name], w) for name, w in ETHNICITY_WEIGHTS if name in ethnicity_ids], rng
    )
    pick_political = _Weighted(
        [(political_ids[name], w) for name, w in POLITICAL_WEIGHTS if name in political_ids], rng
    )
    pick_education = _Weighted(
        [(name, w) for name, w in EDUCATION_WEIGHTS if name in education_ids], rng
    )
    pick_school = _Weighted(SCHOOLS, rng)
    pick_native = _Weighted(NATIVE_PLACES, rng)
    pick_mobile = _Weighted(MOBILE_PREFIXES, rng)
    pick_domain = _Weighted(EMAIL_DOMAINS, rng)
    pick_archive = _Weighted(ARCHIVE_REASONS, rng)
    cpc_id = political_ids.get("中共党员")

    # Per group: the sub-categories, each with (id, freelance field, employer
    # templates, job titles, professional titles).
    def classification(group: PersonGroup, sub: SubCategory | None) -> tuple:
        field = ""
        if group.is_freelance:
            # ①-③ (writing, art, performance) are the cultural field.
            cultural = sub is not None and sub.sort_order <= 3
            field = (
                Person.FreelanceField.CULTURE if cultural else Person.FreelanceField.SOCIO_ECONOMIC
            )
        employers, jobs, titles = EMPLOYERS.get(sub.name if sub else "", _GENERIC)
        return (sub.pk if sub else None, field, employers, jobs, titles)

    # Group 1 (enterprises) is the largest in every real database.
    pick_group = _Weighted(
        [
            (
                (group.pk, [classification(group, s) for s in subcategories.get(group.pk, [None])]),
                (45, 25, 15, 15)[i] if i < 4 else 5,
            )
            for i, group in enumerate(groups)
        ],
        rng,
    )

    # Given names repeat in real life (伟, 丽华 …): draw them from a fixed pool
    # per sex, which also lets the pinyin cache below hit.
    def given_pool(chars: list[str]) -> list[str]:
        return [
            "".join(pick(chars) for _ in range(1 if random_() < 0.2 else 2))
            for _ in range(GIVEN_POOL_SIZE)
        ]

    male, female = Person.Sex.MALE.value, Person.Sex.FEMALE.value
    given = {
        male: given_pool(_unique_chars(GIVEN_MALE + GIVEN_EITHER)),
        female: given_pool(_unique_chars(GIVEN_FEMALE + GIVEN_EITHER)),
    }

    derived_cache: dict[str, dict[str, str]] = {}
    ring = pii.keyring()  # once, not per row
    defaults = {f.attname: f.get_default() for f in Person._meta.concrete_fields}
    today = datetime.date.today()
    active, archived = Person.Status.ACTIVE.value, Person.Status.ARCHIVED.value
    levels = Person.Level.CITY.value, Person.Level.COUNTY.value, Person.Level.RESERVE.value

    for index in range(start_index, start_index + n):
        region, id_code, county_threshold, recommenders, address, other_city = pick_region()
        sex = male if random_() < 0.62 else female
        birth_date, sequence = _id_slot(index)
        # Pool indexes skewed towards the start: a few given names are very common.
        pool = given[sex]
        name = pick_surname() + pool[int(len(pool) * random_() ** 2)]
        id_number = resident_id_for(id_code, birth_date, sequence, sex)

        group_id, subs = pick_group()
        subcategory_id, freelance_field, employers, jobs, titles = pick(subs)
        employer = pick(employers).format(t=pick(TRADE_NAMES), i=pick(INDUSTRIES), r=region.name)
        if other_city:
            employer = employer.replace("南宁", other_city)
        job = pick(jobs)
        if isinstance(titles, dict):
            titles = titles.get(job) or ("",)

        education = pick_education()
        if education == "研究生":
            degree = "博士" if random_() < 0.15 else "硕士"
        elif education == "大学本科":
            degree = "学士" if random_() < 0.92 else "无"
        else:
            degree = None
        studied = education in ("研究生", "大学本科", "大学专科")
        career_start = min(
            birth_date.year + (22 if studied else 19) + int(random_() * 6), today.year
        )

        roll = random_()
        level = levels[0] if roll < p_city else levels[1] if roll < county_threshold else levels[2]

        derived = derived_cache.get(name)
        if derived is None:
            derived = derived_cache[name] = name_derived_fields(name)

        domain = pick_domain() if random_() < 0.35 else ""
        political_status_id = pick_political()
        status, archived_reason, archived_on, archived_note = active, "", None, ""
        if random_() < ARCHIVE_SHARE:
            status = archived
            archived_reason = pick_archive()
            archived_on = today - datetime.timedelta(days=30 + int(random_() * 1800))
            archived_note = ARCHIVE_NOTES[archived_reason]
            if archived_reason == "joined_cpc" and cpc_id:
                political_status_id = cpc_id

        row = dict(defaults)
        row.update(
            name=name,
            sex=sex,
            ethnicity_id=pick_ethnicity(),
            birth_date=birth_date,
            native_place=pick_native(),
            id_number=id_number,
            political_status_id=political_status_id,
            education_id=education_ids[education],
            degree_id=degree_ids.get(degree) if degree else None,
            school=pick_school() if studied else "",
            major=pick(MAJORS) if studied else "",
            employer=employer,
            job_title=job,
            professional_title=pick(titles),
            career_start_year=career_start,
            # Drawn here, in its turn, so a seed still yields the same persons.
            mobile=(mobile := f"{pick_mobile()}{int(random_() * 100_000_000):08d}"),
            email=f"{derived['name_pinyin']}{int(random_() * 10000)}@{domain}" if domain else "",
            address=f"{address}{pick(ROADS)}{1 + int(random_() * 300)}号",
            region_id=region.pk,
            group_id=group_id,
            subcategory_id=subcategory_id,
            freelance_field=freelance_field,
            level=level,
            resume=f"{career_start}年至今 {employer}{job}",
            recommender=pick(recommenders),
            status=status,
            archived_reason=archived_reason,
            archived_on=archived_on,
            archived_note=archived_note,
            **derived,
            **id_derived_fields(id_number, ring=ring),
            **mobile_derived_fields(mobile, ring=ring),
        )
        yield unsaved(Person, row)


# --- the records every app's demo fills (see the `demo_records` hook) ----------

# The person who moved: their records were made while they lived in 兴宁区; they
# now live in 柳州市鱼峰区, so both offices see the cross-region display.
MOVER_FROM, MOVER_TO = "450102", "450203"
MOVE_REASON = "迁居柳州市（演示数据）"


def demo_places() -> list[Region]:
    """The county-level units and streets/towns of the demo tree, in a fixed order."""
    return list(Region.objects.filter(depth__in=(2, 3), is_active=True).order_by("code"))


def demo_persons(region: Region, k: int, rng: random.Random) -> list[Person]:
    """Up to `k` active persons placed exactly at `region`, drawn by `rng`."""
    ids = list(
        Person.objects.filter(region=region, status=Person.Status.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)[:60]
    )
    chosen = rng.sample(ids, min(k, len(ids)))
    persons = Person.objects.filter(pk__in=chosen).select_related("region")
    return sorted(persons, key=lambda p: chosen.index(p.pk))


def demo_mover() -> Person | None:
    """The 兴宁区 person who will move to 柳州市 once every app has made its records."""
    return (
        Person.objects.filter(region__code=MOVER_FROM, status=Person.Status.ACTIVE)
        .select_related("region")
        .order_by("id")
        .first()
    )


def demo_mover_move() -> Person | None:
    """Move the demo mover through the ordinary service (history and audit row)."""
    from .services import person_update

    if Person.history.filter(history_change_reason=MOVE_REASON).exists():
        return None  # moved on an earlier run
    mover, target = demo_mover(), Region.objects.filter(code=MOVER_TO).first()
    if mover is None or target is None:
        return None
    return person_update(
        actor=None,
        person=mover,
        data={"region": target, "address": f"广西柳州市{target.name}文昌路18号"},
        expected_version=mover.version,
        reason=MOVE_REASON,
    )
