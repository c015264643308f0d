"""The rules of organizational life as seeded data (DOMAIN.md R-LIFE-*, R-RESP-1..3, R-RESP-5, R-ORG-3).

A data migration loads these rows once; from then on 机关工委 staff add and retire rules in the UI.
"""

from datetime import date

BRANCHES = ["branch", "joint_branch"]
CHARTER = date(2018, 10, 28)  # 中国共产党支部工作条例（试行） in force
ORGANS = date(2019, 4, 15)  # 党和国家机关基层组织工作条例 in force (*unverified day*)
LOCAL = date(2018, 1, 1)  # this city's 2018 机关党建工作会议 (*unverified day*)
ELECTION = date(2020, 7, 13)  # 中国共产党基层组织选举工作条例 2020

SEED_RULES = [
    dict(code="R-LIFE-1", name="支部党员大会一般每季度召开1次", org_kinds=BRANCHES,
         activity_kind="branch_general_meeting", period="quarter", min_count=1, effective_from=CHARTER,
         source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-2", name="支部委员会会议一般每月召开1次，须超过半数委员到会", org_kinds=BRANCHES,
         activity_kind="branch_committee_meeting", condition="has_committee", period="month", min_count=1,
         quorum_ratio="0.5", effective_from=CHARTER, source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-3", name="党小组会一般每月召开1次", org_kinds=["group"],
         activity_kind="group_meeting", period="month", min_count=1, effective_from=CHARTER,
         source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-4", name="党支部每季度至少上1次党课", org_kinds=BRANCHES, activity_kind="party_lesson",
         period="quarter", min_count=1, effective_from=CHARTER, unverified=True,
         source="N: 中国共产党支部工作条例（试行）2018; 省内通行做法（待核实是否为全国要求）"),
    dict(code="R-LIFE-4S", name="支部书记每年至少讲1次党课", org_kinds=BRANCHES, activity_kind="party_lesson",
         condition="speaker_is_secretary", period="year", min_count=1, effective_from=CHARTER,
         source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-5", name="每月相对固定1天开展主题党日", org_kinds=BRANCHES, activity_kind="theme_day",
         period="month", min_count=1, effective_from=CHARTER, source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-6", name="每年至少召开1次组织生活会", org_kinds=BRANCHES, activity_kind="org_life_meeting",
         period="year", min_count=1, effective_from=CHARTER, source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-6R", name="民主评议党员一般每年开展1次", org_kinds=BRANCHES, activity_kind="member_review",
         period="year", min_count=1, effective_from=CHARTER, source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-7", name="谈心谈话每年至少1次", org_kinds=BRANCHES, activity_kind="heart_to_heart_talk",
         period="year", min_count=1, effective_from=CHARTER, source="N: 中国共产党支部工作条例（试行）2018 第十五条"),
    dict(code="R-LIFE-8", name="机关党员干部大会每年至少召开1次，听取主要负责同志报告", org_kinds=["party_committee"],
         activity_kind="organ_member_assembly", period="year", min_count=1, effective_from=ORGANS,
         source="N: 党和国家机关基层组织工作条例 2019 第二十六条"),
    dict(code="R-RESP-1", name="市委常委会每年至少听取1次机关工委工作汇报", org_kinds=["organs_work_committee"],
         activity_kind="work_report_hearing", hearing_body="standing_committee", period="year", min_count=1,
         layer="local", effective_from=LOCAL,
         source="L: 本市2018年机关党建工作会议（种子数据）; N: 党和国家机关基层组织工作条例 2019 第三十八条"),
    dict(code="R-RESP-2", name="分管领导每年至少听取2次机关工委工作汇报", org_kinds=["organs_work_committee"],
         activity_kind="work_report_hearing", hearing_body="leader_in_charge", period="year", min_count=2,
         layer="local", effective_from=LOCAL, source="L: 本市2018年机关党建工作会议（种子数据）"),
    dict(code="R-RESP-3", name="部门党组（党委）每年至少2次专题研究机关党建工作", org_kinds=["party_group"],
         activity_kind="party_building_deliberation", period="year", min_count=2, layer="local", effective_from=LOCAL,
         source="L: 本市2018年机关党建工作会议（种子数据）; N: 党和国家机关基层组织工作条例 第三十五条（“定期”）"),
    dict(code="R-RESP-5", name="专职党务干部不少于单位在编人数的2%", org_kinds=["party_group", "party_committee"],
         measure="staffing_ratio", min_ratio="0.02", period="year", min_count=0, layer="local", effective_from=LOCAL,
         source="L: 本市2018年机关党建工作会议（种子数据）; N: 党和国家机关基层组织工作条例 第三十条（1%–2%）"),
    dict(code="R-ORG-3", name="按期换届，届满前6个月提醒", org_kinds=["party_committee", "general_branch", *BRANCHES],
         measure="term_expiry", remind_months=6, period="year", min_count=0, effective_from=ELECTION,
         source="N: 中国共产党基层组织选举工作条例 2020 第三条; 上级一般提前6个月提醒（实践做法）"),
]
