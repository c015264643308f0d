"""What each 软弱涣散 criterion means, the parameters 工委 may change, and its seeded default version.

DOMAIN.md lists the criteria as *not known yet*: national practice names 8 situations, Zhejiang lists
organizations below 3 stars. The defaults below are the issue's; every seeded row says so in its
source and is marked is_default (待核实，可调整). Only criteria the platform has data for are computed;
dues arrears is registered but reports its data source as missing and never flags.
"""

from dataclasses import dataclass, field
from datetime import date

from weak_orgs.models import CriterionCode

C = CriterionCode
BRANCH_LEVEL = ["branch", "general_branch", "joint_branch"]
# R-LIFE-2 (支委会 monthly) covers 支部 only; a 总支's committee meetings are not recorded as such.
BRANCHES = ["branch", "joint_branch"]
DEFAULT_FROM = date(2018, 1, 1)  # the city's 2018 机关党建工作会议 (*unverified day*)
DEFAULT_NOTE = "系统默认值，待核实，可由机关工委调整"
DUES_MISSING = "数据来源待接入（党费模块）"


@dataclass(frozen=True)
class Param:
    """One parameter of a criterion, as the settings page and the API validate it."""

    name: str
    label: str
    minimum: int = 0
    maximum: int = 100
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""

    def clean(self, value):
        """The value as stored, or ValueError with a message an administrator can act on."""
        if self.choices:
            allowed = dict(self.choices)
            if value not in allowed:
                raise ValueError(f"{self.label}须为：{'、'.join(allowed.values())}")
            return value
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(f"{self.label}须为整数") from None
        if not self.minimum <= number <= self.maximum:
            raise ValueError(f"{self.label}须在{self.minimum}到{self.maximum}之间")
        return number

    def display(self, value) -> str:
        if self.choices:
            return dict(self.choices).get(value, str(value))
        return f"{value}{self.unit}"


YEAR_CHOICES = (("previous", "上一完整年度"), ("current", "本年度（截至研判日）"))


@dataclass(frozen=True)
class Definition:
    code: str
    description: str
    params: tuple[Param, ...] = ()
    available: bool = True
    unavailable_note: str = ""
    defaults: dict = field(default_factory=dict)


DEFINITIONS: dict[str, Definition] = {
    d.code: d
    for d in (
        Definition(
            C.NO_COMMITTEE_MEETING,
            "研判日前最近的完整月份起往前连续若干个月设有支委会却未召开支委会（计入达标的会议）；"
            "未设支委会的月份不计。",
            (Param("months", "连续月数", 1, 12, unit="个月"),),
        ),
        Definition(
            C.SECRETARY_VACANT,
            "研判日无人担任书记，且自上任书记离任（从未登记书记的，自成立之日）起已超过若干个月；"
            "既无书记记录也无成立日期的，列为“未登记书记”。",
            (Param("months", "空缺超过月数", 1, 24, unit="个月"),),
        ),
        Definition(
            C.TERM_OVERDUE,
            "最近一届任期的届满日期早于研判日（减去宽限月数）仍未换届；未登记任期的不计，"
            "请在组织管理中补录。",
            (Param("grace_months", "宽限月数", 0, 12, unit="个月"),),
        ),
        Definition(
            C.LOW_ORGLIFE_COMPLETION,
            "年度组织生活达标率（已到期的考核项中完成的比例，按组织生活规则计算）低于阈值；"
            "当年没有已到期考核项的不计。",
            (
                Param("min_rate_percent", "最低完成率", 1, 100, unit="%"),
                Param("year", "考核年度", choices=YEAR_CHOICES),
            ),
        ),
        Definition(
            C.DUES_ARREARS,
            "欠缴党费的党员占党员总数的比例超过阈值。",
            (Param("max_share_percent", "欠缴党员比例上限", 1, 100, unit="%"),),
            available=False,
            unavailable_note=DUES_MISSING,
        ),
        Definition(
            C.LOW_STAR_RATING,
            "最近一次已结束的星级评定（本年度已评定的取本年度，否则取上一年度）授星数低于阈值；"
            "未参加评定的不计。",
            (Param("min_stars", "最低星级", 1, 5, unit="星"),),
        ),
    )
}

# The seeded versions: a data migration loads them; 工委 changes them on the settings page.
DEFAULT_CRITERIA = [
    dict(
        code=C.NO_COMMITTEE_MEETING,
        name="连续3个月未召开支委会",
        parameters={"months": 3},
        org_kinds=BRANCHES,
        source="N: 中国共产党支部工作条例（试行）2018 第十五条（支委会一般每月召开1次）；"
        "全国整顿软弱涣散基层党组织实践（组织生活不正常）。阈值3个月为" + DEFAULT_NOTE,
    ),
    dict(
        code=C.SECRETARY_VACANT,
        name="书记空缺超过3个月",
        parameters={"months": 3},
        org_kinds=BRANCH_LEVEL,
        source="全国整顿软弱涣散基层党组织实践（党组织书记长期缺职）；N: 支部工作条例2018 第八条。"
        "“长期”按3个月计为" + DEFAULT_NOTE,
    ),
    dict(
        code=C.TERM_OVERDUE,
        name="任期届满未按期换届",
        parameters={"grace_months": 0},
        org_kinds=BRANCH_LEVEL,
        source="N: 中国共产党基层组织选举工作条例 2020 第三条（按期换届）；"
        "全国整顿软弱涣散基层党组织实践（班子配备不齐、换届选举不及时）。" + DEFAULT_NOTE,
    ),
    dict(
        code=C.LOW_ORGLIFE_COMPLETION,
        name="年度组织生活完成率低于60%",
        parameters={"min_rate_percent": 60, "year": "previous"},
        org_kinds=BRANCH_LEVEL,
        source="全国整顿软弱涣散基层党组织实践（组织生活不经常、不认真、不严肃）；"
        "完成率按本平台组织生活规则计算，阈值60%为" + DEFAULT_NOTE,
    ),
    dict(
        code=C.DUES_ARREARS,
        name="欠缴党费党员超过10%",
        parameters={"max_share_percent": 10},
        org_kinds=BRANCH_LEVEL,
        source="N: 关于中国共产党党费收缴、使用和管理的规定（中组发〔2008〕3号）；"
        "全国整顿软弱涣散基层党组织实践（党员教育管理宽松软）。阈值10%为"
        + DEFAULT_NOTE
        + "；"
        + DUES_MISSING,
    ),
    dict(
        code=C.LOW_STAR_RATING,
        name="星级评定低于3星",
        parameters={"min_stars": 3},
        org_kinds=BRANCH_LEVEL,
        source="浙江省“五星”评定实践（三星以下党组织列入整顿）；本市“五星示范、双优引领”。"
        + DEFAULT_NOTE,
    ),
]


def parameter_text(code: str, parameters: dict) -> str:
    """'连续月数 3个月；…' for pages and exports."""
    definition = DEFINITIONS.get(code)
    if definition is None:
        return ""
    return "；".join(
        f"{p.label} {p.display(parameters.get(p.name))}"
        for p in definition.params
        if p.name in parameters
    )


def clean_parameters(code: str, raw: dict) -> tuple[dict, dict]:
    """(clean parameters, errors by parameter name) for a criterion's definition."""
    definition = DEFINITIONS[code]
    clean, errors = {}, {}
    for param in definition.params:
        if param.name not in raw or raw[param.name] in (None, ""):
            errors[param.name] = f"请填写{param.label}"
            continue
        try:
            clean[param.name] = param.clean(raw[param.name])
        except ValueError as error:
            errors[param.name] = str(error)
    if unknown := set(raw) - {p.name for p in definition.params}:
        errors["parameters"] = f"未知参数：{'、'.join(sorted(unknown))}"
    return clean, errors


def ensure_defaults() -> int:
    """Put back the seeded default of any criterion that has no version at all (e.g. after a demo reset)."""
    from weak_orgs.models import WeakOrgCriterion

    present = set(WeakOrgCriterion.objects.values_list("code", flat=True))
    missing = [
        WeakOrgCriterion(**row, effective_from=DEFAULT_FROM, is_default=True, enabled=True)
        for row in DEFAULT_CRITERIA
        if row["code"] not in present
    ]
    WeakOrgCriterion.objects.bulk_create(missing)
    return len(missing)
