"""Numbers fixed by regulations, as data with their source and effective dates.

Issue-level rule tables (organizational life, dues) grow from here; a check for a past date
reads the value that was in force then.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone


@dataclass(frozen=True)
class RuleValue:
    code: str
    value: object
    source: str
    effective_from: date = date(1900, 1, 1)
    effective_to: date | None = None
    unverified: bool = False


RULE_VALUES: tuple[RuleValue, ...] = (
    RuleValue(
        "R-ORG-1.min_full_members",
        3,
        "N: 中国共产党支部工作条例（试行）2018 第五条",
        date(2018, 10, 28),
    ),
    RuleValue(
        "R-ORG-1.committee_threshold",
        7,
        "N: 中国共产党支部工作条例（试行）2018 第八条",
        date(2018, 10, 28),
    ),
    RuleValue(
        "R-ORG-1.committee_min",
        3,
        "N: 中国共产党支部工作条例（试行）2018 第八条",
        date(2018, 10, 28),
    ),
    RuleValue(
        "R-ORG-1.committee_max",
        7,
        "N: 中国共产党支部工作条例（试行）2018 第八条（一般3至5人，最多不超过7人）",
        date(2018, 10, 28),
    ),
    RuleValue(
        "R-ORG-1.branch_max_members",
        50,
        "N: 中国共产党支部工作条例（试行）2018 第五条（一般不超过50人）",
        date(2018, 10, 28),
    ),
    RuleValue(
        "R-ORG-2.party_committee_min_members",
        100,
        "N: 党和国家机关基层组织工作条例 2019 第五条",
        date(2019, 4, 15),
    ),
    RuleValue(
        "R-ORG-2.general_branch_min_members",
        50,
        "N: 党和国家机关基层组织工作条例 2019 第六条",
        date(2019, 4, 15),
    ),
    RuleValue(
        "R-ORG-2.term_years.party_committee",
        5,
        "N: 中办《关于党的基层组织任期的意见》2018",
        date(2018, 1, 1),
    ),
    RuleValue(
        "R-ORG-2.term_years.general_branch",
        3,
        "N: 中办《关于党的基层组织任期的意见》2018",
        date(2018, 1, 1),
    ),
    RuleValue(
        "R-ORG-2.term_years.branch",
        3,
        "N: 中办《关于党的基层组织任期的意见》2018",
        date(2018, 1, 1),
    ),
    RuleValue(
        "R-ORG-3.remind_months_before_expiry",
        6,
        "N: 基层组织选举工作条例 2020 第三条; 实践做法",
        date(2020, 7, 13),
    ),
    RuleValue(
        "R-ORG-3.max_postpone_years", 1, "N: 基层组织选举工作条例 2020 第三条", date(2020, 7, 13)
    ),
    RuleValue(
        "R-ORG-4.discipline_member_required",
        True,
        "N: 党和国家机关基层组织工作条例 2019 第九条",
        date(2019, 4, 15),
    ),
    RuleValue(
        "R-ORG-1.secretary_required",
        True,
        "N: 中国共产党支部工作条例（试行）2018 第八条",
        date(2018, 10, 28),
    ),
    RuleValue(
        "R-RESP-5.full_time_worker_ratio",
        "0.02",
        "L: 本市2018年机关党建工作会议（种子数据）; N: 机关条例 第三十条（1%–2%）",
        date(2018, 1, 1),
    ),
    RuleValue(
        "R-MEM-3.excellent_max_share",
        "1/3",
        "N: 民主评议党员实践做法、《党的组织工作问答》（优秀一般不超过参评党员的1/3）；"
        "未经核实（unverified），为可调整的默认值，生效日期2018-01-01亦为默认",
        date(2018, 1, 1),
        unverified=True,
    ),
    RuleValue(
        "R-REC-4.probation_months",
        12,
        # In force for as long as any member's joining date reaches back: no start date.
        "N: 中国共产党章程第七条（预备党员的预备期为一年）",
    ),
    RuleValue(
        "R-REC-4.extension_min_months",
        6,
        "N: 中国共产党章程第七条；中国共产党发展党员工作细则 2014（延长时间不能少于半年，最长不超过一年；"
        "2026年修订，待核对）",
        date(2014, 6, 10),
    ),
    RuleValue(
        "R-REC-4.extension_max_months",
        12,
        "N: 中国共产党章程第七条；中国共产党发展党员工作细则 2014（延长时间不能少于半年，最长不超过一年；"
        "2026年修订，待核对）",
        date(2014, 6, 10),
    ),
    RuleValue(
        "R-MEM-3.rectification_months",
        12,
        "N: 民主评议党员实践做法、《党的组织工作问答》（评为不合格的正式党员限期改正，期限1年，"
        "期满仍无转变的劝其退党或予以除名）",
        date(2018, 1, 1),
    ),
)


def rule_in_force(code: str, on: date | None = None) -> RuleValue:
    """The rule parameter in force on a date (today by default)."""
    on = on or timezone.localdate()
    for rule in RULE_VALUES:
        if (
            rule.code == code
            and rule.effective_from <= on
            and (rule.effective_to is None or on <= rule.effective_to)
        ):
            return rule
    raise LookupError(f"no rule value {code} in force on {on}")


def rule_value(code: str, on: date | None = None):
    return rule_in_force(code, on).value
