"""Default items of the three levels' lists (DOMAIN.md: "not known yet").

Drawn from 党和国家机关基层组织工作条例 2019 (机关条例), 支部工作条例 2018 and the rules R-* of
DOMAIN.md. They are editable defaults: every template made from them is marked 默认内容, every item
names its source, and 机关工委 administrators change them per year.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.rules import rule_value
from responsibility.models import Level

UNVERIFIED = "（默认内容，依据待核实）"


@dataclass(frozen=True)
class DefaultItem:
    title: str
    target: str
    evidence_hint: str
    source: str
    rule_code: str = ""
    weight: int = 1


def _staffing_target(on: date) -> str:
    ratio = Decimal(str(rule_value("R-RESP-5.full_time_worker_ratio", on)))
    return f"按不低于在编人数{ratio * 100:.0f}%的比例配备专职党务干部；人数较少的单位明确专人负责。"


def _lesson() -> DefaultItem:
    return DefaultItem(
        "书记讲党课",
        "书记每年至少为党员讲1次党课。",
        "党课讲稿、活动记录、照片",
        "N: 中国共产党支部工作条例（试行）2018；省内通行做法",
        "R-LIFE-4",
    )


def _report() -> DefaultItem:
    return DefaultItem(
        "抓党建工作述职",
        "年底向上级党组织书面述职，接受评议考核（三级书记联述联评联考）。",
        "述职报告、评议结果",
        "N: 机关条例 2019 第三十九条；L: 三级书记联述联评联考",
        "R-RESP-4",
        2,
    )


def default_items(level: str, on: date) -> list[DefaultItem]:
    """The default items of a level, with rule values in force on `on` (1 January of the list year)."""
    if level == Level.PARTY_GROUP:
        return [
            DefaultItem(
                "履行机关党建第一责任人职责",
                "党组（党委）书记是本单位机关党建第一责任人，把机关党建与业务工作同谋划、同部署、同落实、同检查。",
                "党组（党委）工作要点、责任分工文件",
                "N: 机关条例 2019 第三十五条" + UNVERIFIED,
                weight=2,
            ),
            DefaultItem(
                "党组（党委）专题研究机关党建工作",
                "每年至少2次专题研究机关党建工作，研究解决重大问题。",
                "党组（党委）会议纪要、议题材料",
                "L: 本市2018年机关党建工作会议（种子数据）；N: 机关条例 第三十五条（定期研究）",
                "R-RESP-3",
                2,
            ),
            _lesson(),
            DefaultItem(
                "参加双重组织生活",
                "以普通党员身份参加所在党支部（党小组）的组织生活。",
                "支部活动签到、会议记录",
                "N: 领导干部双重组织生活制度" + UNVERIFIED,
            ),
            DefaultItem(
                "配齐配强专职党务干部",
                _staffing_target(on),
                "人员配备文件、机关单位在编人数",
                "L: 本市2018年机关党建工作会议（种子数据）；N: 机关条例 第三十条（1%–2%）",
                "R-RESP-5",
            ),
            DefaultItem(
                "支持机关党委（总支、支部）开展工作",
                "听取机关党委工作汇报，保障党建工作经费和活动场所。",
                "汇报记录、经费安排",
                "N: 机关条例 2019" + UNVERIFIED,
            ),
            _report(),
        ]
    if level == Level.PARTY_COMMITTEE:
        return [
            DefaultItem(
                "向党组（党委）报告机关党建工作",
                "提出机关党建议题，推动党组（党委）每年至少2次专题研究机关党建工作。",
                "报告材料、会议纪要",
                "L: 本市2018年机关党建工作会议（种子数据）；N: 机关条例 第三十五条",
                "R-RESP-3",
            ),
            DefaultItem(
                "召开机关党员干部大会",
                "每年至少召开1次机关党员干部大会，听取本单位主要负责人报告。",
                "会议通知、会议记录",
                "N: 机关条例 2019 第二十六条",
                "R-LIFE-8",
            ),
            _lesson(),
            DefaultItem(
                "督促所属支部落实“三会一课”",
                "定期检查所属党支部支部党员大会、支委会、党小组会和党课的落实情况，通报问题并督促整改。",
                "检查记录、通报",
                "N: 中国共产党支部工作条例（试行）2018",
                "R-LIFE-1",
            ),
            DefaultItem(
                "指导所属组织按期换届",
                "掌握所属党组织任期，届满前提前提醒并指导按期换届。",
                "换届请示、批复",
                "N: 基层组织选举工作条例 2020 第三条",
                "R-ORG-3",
            ),
            DefaultItem(
                "抓好党员教育管理和发展党员",
                "按规定程序发展党员，组织党员集中学习培训。",
                "发展党员台账、培训记录",
                "N: 发展党员工作细则 2014" + UNVERIFIED,
            ),
            _report(),
        ]
    return [
        DefaultItem(
            "落实“三会一课”",
            "支部党员大会一般每季度1次，支委会一般每月1次，党小组会一般每月1次。",
            "会议记录",
            "N: 中国共产党支部工作条例（试行）2018",
            "R-LIFE-1",
            2,
        ),
        _lesson(),
        DefaultItem(
            "开展主题党日",
            "每月相对固定1天开展主题党日活动。",
            "活动记录、照片",
            "N: 中国共产党支部工作条例（试行）2018",
            "R-LIFE-5",
        ),
        DefaultItem(
            "召开组织生活会、开展民主评议党员",
            "每年至少召开1次组织生活会，一般安排在第四季度；同时开展民主评议党员。",
            "会议记录、评议结果",
            "N: 中国共产党支部工作条例（试行）2018",
            "R-LIFE-6",
        ),
        DefaultItem(
            "开展谈心谈话",
            "支委之间、支委和党员之间、党员和党员之间每年至少谈心谈话1次。",
            "谈心谈话记录",
            "N: 中国共产党支部工作条例（试行）2018",
            "R-LIFE-7",
        ),
        DefaultItem(
            "按时收缴党费",
            "按月收缴党费，年初核定缴纳基数，每年向党员公布党费收缴情况。",
            "党费收缴台账、公布记录",
            "N: 关于中国共产党党费收缴、使用和管理的规定（中组发〔2008〕3号）",
            "R-DUES-5",
        ),
        DefaultItem(
            "按期换届",
            "任期届满按期换届；确需延期或提前须经上级党组织批准。",
            "换届请示、选举结果报告",
            "N: 基层组织选举工作条例 2020 第三条",
            "R-ORG-3",
        ),
        _report(),
    ]
