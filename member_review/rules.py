"""R-MEM-3 and R-REC-4 as read from core.rules: the 优秀 quota, the 限期改正 period and the probation
extension limits, for the date they apply to."""

from datetime import date
from fractions import Fraction

from dateutil.relativedelta import relativedelta

from core.rules import rule_in_force, rule_value

QUOTA_CODE = "R-MEM-3.excellent_max_share"
RECTIFICATION_CODE = "R-MEM-3.rectification_months"
PROBATION_CODE = "R-REC-4.probation_months"
EXTENSION_MIN_CODE = "R-REC-4.extension_min_months"
EXTENSION_MAX_CODE = "R-REC-4.extension_max_months"


def excellent_share(on: date) -> Fraction:
    return Fraction(rule_value(QUOTA_CODE, on))


def excellent_limit(reviewed: int, on: date) -> int:
    """Most 优秀 allowed among `reviewed` members: reviewed × share rounded down.

    "不超过1/3" is a ceiling, so a fraction of a person never counts up: 10 members → 3, 2 → 0.
    """
    share = excellent_share(on)
    return reviewed * share.numerator // share.denominator


def share_text(on: date) -> str:
    share = excellent_share(on)
    return f"{share.numerator}/{share.denominator}"


def quota_note(on: date) -> str:
    rule = rule_in_force(QUOTA_CODE, on)
    return f"{rule.code}：{rule.source}"


def rectification_months(on: date) -> int:
    return rule_value(RECTIFICATION_CODE, on)


def rectification_deadline(decided_on: date) -> date:
    return decided_on + relativedelta(months=rectification_months(decided_on))


def extension_bounds(on: date) -> tuple[int, int]:
    """R-REC-4: how many months a probation may be extended by (6–12)."""
    return rule_value(EXTENSION_MIN_CODE, on), rule_value(EXTENSION_MAX_CODE, on)


def probation_end(joined_on: date) -> date:
    """R-REC-4: probation runs one year from the 支部大会 that admitted the member."""
    return joined_on + relativedelta(months=rule_value(PROBATION_CODE, joined_on))
