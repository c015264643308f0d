"""What the demo's activities say: topics, places, leave reasons, minutes (user-facing Chinese)."""

from itertools import accumulate

from members.models import Member
from orglife.models import ActivityKind as K

from .. import names

# fmt: off
THEME_BY_MONTH = {
    1: "新春走访慰问困难党员和老党员", 2: "“新春第一课”学习贯彻上级全会精神", 3: "学雷锋志愿服务进社区",
    4: "清明节缅怀革命先烈", 5: "“五四”青年党员座谈交流", 6: "“七一”前夕重温入党誓词",
    7: "庆祝中国共产党成立{n}周年", 8: "“八一”走访慰问退役军人", 9: "全民国防教育日主题党日",
    10: "“我和我的祖国”国庆主题党日", 11: "“119”消防安全进机关", 12: "“12·4”国家宪法日学习宪法",
}
THEMES = (
    "参观廉政教育基地开展警示教育", "两地报到、双岗服务进社区", "集体学习《中国共产党章程》",
    "观看红色教育影片并交流体会", "赴结对村（社区）走亲连心", "党员先锋岗亮旗行动", "“周一夜学”集中学习研讨",
)
OUTSIDE = ("市革命烈士纪念馆", "市廉政教育基地", "结对社区党群服务中心", "市党史馆", "城市书房")
LESSONS = (
    "弘扬伟大建党精神", "以严的基调强化正风肃纪", "从党史中汲取奋进力量", "践行“四下基层”优良作风",
    "加强机关作风建设，争创模范机关", "守好廉洁自律底线", "新时代“枫桥经验”的实践与思考",
    "学习《中国共产党纪律处分条例》", "做新时代合格党员", "机关党员如何当好服务发展的排头兵",
)
SPEAKER_TITLES = ("市委党校教授", "市委讲师团成员", "市纪委监委干部", "党史研究专家")
COMMITTEE_TOPICS = (
    "研究{m}月份党建工作安排", "讨论确定入党积极分子和发展对象", "研究党费收缴、使用和管理情况",
    "研究本月主题党日活动方案", "听取党小组工作汇报", "研究意识形态工作", "研究困难党员关怀帮扶事项",
    "研究落实上级党组织工作部署",
)
GENERAL_TOPICS = (
    "传达学习上级会议精神，通报支部第{q}季度工作", "专题学习研讨", "讨论预备党员转正事宜",
    "通报党费收缴情况，听取党员意见建议", "讨论支部工作计划执行情况",
)
STUDY_TOPICS = (
    "专题学习习近平新时代中国特色社会主义思想", "学习贯彻上级全会精神", "专题学习党的纪律建设",
    "专题学习意识形态工作责任制", "专题学习安全生产工作", "专题学习优化营商环境",
)
LEAVE_REASONS = {
    Member.Category.EMPLOYED: (("出差", 30), ("公务", 26), ("病假", 14), ("参加培训", 10), ("事假", 10),
                               ("外出调研", 6), ("产假", 2), ("下派挂职", 2)),
    Member.Category.RETIRED: (("身体原因", 40), ("病假", 30), ("外出探亲", 20), ("事假", 10)),
    Member.Category.MOBILE: (("流动在外，已书面请假", 70), ("外出务工", 30)),
    Member.Category.LOST_CONTACT: (("失联", 1),),
}
CANCEL_REASONS = ("与上级临时会议时间冲突，另行安排", "防汛防台值班，活动顺延", "主讲人临时有公务，改期举行",
                  "多数党员参加集中培训，另行安排")
SUMMARY = {
    K.THEME_DAY: "围绕“{topic}”开展主题党日活动，党员交流学习体会。",
    K.BRANCH_COMMITTEE_MEETING: "会议逐项研究议题，形成决议，明确责任人和完成时限。",
    K.BRANCH_GENERAL_MEETING: "会议传达学习上级精神，党员逐一发言讨论。",
    K.PARTY_LESSON: "{speaker}讲授党课，党员交流学习体会。",
    K.ORG_LIFE_MEETING: "支部书记代表支委会作对照检查，党员逐一开展批评和自我批评，明确整改措施。",
    K.MEMBER_REVIEW: "党员个人总结、民主测评，支委会综合评定等次并向党员反馈。",
    K.HEART_TO_HEART_TALK: "支委成员之间、支委成员与党员之间、党员之间开展谈心谈话，记录思想动态。",
    K.GROUP_MEETING: "党小组组织学习，党员交流思想和工作情况。",
    K.ORGAN_MEMBER_ASSEMBLY: "听取主要负责同志报告机关党建工作，部署本年度重点任务。",
    K.PARTY_BUILDING_DELIBERATION: "党组专题研究机关党建工作，听取机关党委汇报，研究解决存在问题。",
    K.CENTRAL_GROUP_STUDY: "中心组成员围绕专题交流研讨。",
    K.WORK_REPORT_HEARING: "听取机关工委工作汇报，对下一步机关党建工作提出要求。",
    K.ELECTION: "按照选举办法选举产生新一届支部委员会（支部书记），结果报上级党组织审批。",
}
# fmt: on
RESOLVING = (K.BRANCH_COMMITTEE_MEETING, K.BRANCH_GENERAL_MEETING, K.PARTY_BUILDING_DELIBERATION)

# The 市委 leaders who hear the 机关工委's report: the first three at the 常委会, the last alone.
HEARERS = ("书记", "副书记", "常委、组织部部长", "常委、秘书长")
ROOMS = ("党员活动室", "第一会议室", "三楼会议室", "党建活动中心")


def _cumulative(pairs) -> tuple[list, list]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(accumulate(weights))


SURNAMES = _cumulative(names.SURNAMES)
REASONS = {category: _cumulative(pairs) for category, pairs in LEAVE_REASONS.items()}


def outsider_name(rng) -> str:
    """A person from outside the city's register: an invited speaker or a 市委 leader."""
    surname = rng.choices(SURNAMES[0], cum_weights=SURNAMES[1])[0]
    return (
        surname + rng.choice(names.FIRST_CHARS) + rng.choice(names.MALE_CHARS + names.FEMALE_CHARS)
    )
