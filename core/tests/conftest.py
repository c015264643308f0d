"""Branch A's records in every app of issues 4 and 5, built through each app's own services.

Each record carries a text found nowhere else, so the persona matrix can tell whether any page, API
answer or export shows it to a user of another branch. Where an app shows something city-wide by
design (a 公示 of the whole 工委, the honour roll, a published 通报 to an audience), the record here is
one branch B must not see: a 公示 of committee A, an unawarded nomination, a 通报 to dept A only.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@dataclass
class Records:
    """Branch A's objects, the texts that must stay inside branch A, and the ids of every route."""

    objects: dict = field(default_factory=dict)
    secrets: list = field(default_factory=list)
    # route name -> URL kwargs of the branch-A object the route is about
    kwargs: dict = field(default_factory=dict)
    # routes about an object every party reader of the city may read (schemes, rounds, templates …)
    shared: set = field(default_factory=set)

    def secret(self, text: str) -> str:
        self.secrets.append(text)
        return text

    def routes(self, names, shared: bool = False, **kwargs) -> None:
        for name in names:
            self.kwargs[name] = kwargs
            if shared:
                self.shared.add(name)


def api(basename: str, *actions: str) -> list[str]:
    """DRF route names of a viewset: detail plus the given extra actions."""
    return [f"{basename}-detail", *(f"{basename}-{a}" for a in actions)]


def _evaluation(city, r: Records) -> None:
    from evaluation import cycle_services, services
    from evaluation.models import OrgRating

    admin = city.users["city_admin"]
    year = timezone.localdate().year
    scheme = services.scheme_publish(services.scheme_create_default(year, admin), admin)
    cycle = cycle_services.cycle_open(
        organization=city.work_committee,
        scheme=scheme,
        self_assessment_due=date(year, 12, 20),
        review_due=date(year, 12, 25),
        approval_due=date(year, 12, 30),
        actor=admin,
    )
    rating = OrgRating.objects.get(cycle=cycle, organization=city.branch_a)
    evidence_text = r.secret("预算处评星佐证说明：全年十二次主题党日均有签到表")
    entries = {
        s.indicator_id: {"points": 90, "evidence": evidence_text}
        for s in rating.scores.select_related("indicator")
        if s.indicator.method == "manual"
    }
    secretary = city.users["secretary_a"]
    cycle_services.rating_self_assess(
        rating=rating,
        actor=secretary,
        entries=entries,
        summary=r.secret("预算处评星自评总结：三会一课落实到位"),
    )
    evidence = cycle_services.evidence_add(
        rating=rating, upload=pdf(r.secret("预算处评星佐证材料.pdf")), actor=secretary
    )
    cycle_services.rating_submit(rating=rating, actor=secretary)
    star = scheme.stars.first()
    r.objects.update(rating=rating, cycle=cycle, scheme=scheme)
    r.routes(
        [
            "evaluation:rating_detail",
            "evaluation:rating_self_assess",
            "evaluation:rating_review",
            "evaluation:rating_return",
            "evaluation:rating_approve",
            "evaluation:evidence_upload",
            *api("evaluation-rating", "approve", "return-", "review", "self-assess", "submit"),
        ],
        pk=rating.pk,
    )
    r.routes(["evaluation:evidence_download"], pk=evidence.pk)
    r.routes(["evaluation:org_card"], pk=city.branch_a.pk)
    # The 工委's cycle and scheme are read by every organization under it.
    r.routes(
        [
            "evaluation:cycle_detail",
            "evaluation:cycle_export",
            "evaluation:cycle_score",
            "evaluation:cycle_approve",
            "evaluation:cycle_notice",
            "evaluation:cycle_award",
            *api("evaluation-cycle", "approve", "award", "notice", "progress", "score"),
        ],
        shared=True,
        pk=cycle.pk,
    )
    indicator = star.indicators.first()
    scheme_routes = [
        "evaluation:scheme_detail",
        "evaluation:scheme_edit",
        "evaluation:scheme_copy",
        "evaluation:scheme_publish",
        "evaluation:scheme_archive",
        "evaluation:star_new",
        "evaluation:star_edit",
        "evaluation:star_delete",
        "evaluation:star_move",
        "evaluation:indicator_new",
        "evaluation:indicator_edit",
        "evaluation:indicator_delete",
        "evaluation:indicator_move",
        *api("evaluation-scheme", "archive", "copy", "publish"),
        "evaluation-scheme-stars",
        "evaluation-scheme-stars-reorder",
        "evaluation-scheme-star",
        "evaluation-scheme-star-move",
        "evaluation-scheme-star-indicators",
        "evaluation-scheme-star-indicators-reorder",
        "evaluation-scheme-star-indicator",
        "evaluation-scheme-star-indicator-move",
    ]
    r.routes(scheme_routes, shared=True, pk=scheme.pk, star_pk=star.pk, indicator_pk=indicator.pk)


def _publicity(city, r: Records) -> None:
    from publicity import services

    notice = services.notice_open(
        title=r.secret("财政局机关党委先进支部拟表彰公示"),
        body=r.secret("预算处党支部拟表彰事迹：预算绩效管理全省第一"),
        organization=city.committee_a,
        items=[(city.branch_a, r.secret("预算处党支部 拟表彰为先进基层党组织"))],
        days=5,
        actor=city.users["committee_a"],
    )
    item = notice.items.get()
    objection = services.objection_lodge(
        item=item,
        actor=city.users["member_a"],
        content=r.secret("预算处公示异议：三季度党课记录缺失"),
    )
    r.objects.update(public_notice=notice, objection=objection)
    r.routes(
        ["publicity:notice_detail", *api("public-notice", "objections")],
        pk=notice.pk,
    )
    r.routes(["publicity:objection_lodge"], pk=notice.pk, item_pk=item.pk)
    r.routes(["publicity:objection_answer"], pk=notice.pk, objection_pk=objection.pk)
    r.routes(api("objection", "answer"), pk=objection.pk)


def _dual_excellence(city, r: Records) -> None:
    from dual_excellence import services

    admin = city.users["city_admin"]
    round_ = services.round_create_default(
        organization=city.work_committee, year=timezone.localdate().year, actor=admin
    )
    services.round_update(
        round_=round_,
        data={"nomination_deadline": timezone.localdate() + timedelta(days=10)},
        actor=admin,
    )
    services.nominations_open(round_=round_, actor=admin)
    category = round_.categories.get(name="党建工作优")
    nomination = services.nominate(
        round_=round_,
        category=category,
        actor=city.users["committee_a"],
        nominee_org=city.branch_a,
        reason=r.secret("预算处双优推荐事迹：预算编制连续五年零差错"),
        evidence=r.secret("预算处双优佐证说明：获省财政厅通报表扬"),
        upload=pdf(r.secret("预算处双优事迹材料.pdf")),
    )
    r.objects.update(dual_round=round_, nomination=nomination)
    r.routes(
        [
            "dual_excellence:nomination_detail",
            "dual_excellence:nomination_review",
            "dual_excellence:nomination_withdraw",
            "dual_excellence:evidence_download",
            *api("dual-excellence-nomination", "review", "withdraw"),
        ],
        pk=nomination.pk,
    )
    # The 工委's round and its categories are announced to everyone under it.
    r.routes(
        [
            "dual_excellence:round_detail",
            "dual_excellence:round_edit",
            "dual_excellence:quotas_save",
            "dual_excellence:category_new",
            "dual_excellence:nominate",
            "dual_excellence:review_list",
            "dual_excellence:export",
            *api(
                "dual-excellence-round",
                "award",
                "close-nominations",
                "copy",
                "notice",
                "open-nominations",
            ),
        ],
        shared=True,
        pk=round_.pk,
    )
    r.routes(["dual_excellence:round_step"], shared=True, pk=round_.pk, step="close")
    r.routes(
        ["dual_excellence:category_edit", "dual_excellence:category_delete"],
        shared=True,
        pk=round_.pk,
        category_pk=category.pk,
    )
    r.routes(api("dual-excellence-category"), shared=True, pk=category.pk)


def _responsibility(city, r: Records) -> None:
    from responsibility import services
    from responsibility.models import ResponsibilityList

    admin = city.users["city_admin"]
    year = timezone.localdate().year
    for template in services.templates_prepare(
        work_committee=city.work_committee, year=year, actor=admin
    ):
        services.template_issue(template=template, actor=admin)
    branch_list = ResponsibilityList.objects.get(organization=city.branch_a, year=year)
    item = branch_list.items.first()
    secretary = city.users["secretary_a"]
    services.item_progress(
        item=item,
        actor=secretary,
        percent=60,
        progress_note=r.secret("预算处责任清单进展：已召开两次专题研究会议"),
        evidence_text=r.secret("预算处责任清单佐证说明：会议纪要两份"),
    )
    evidence = services.evidence_add(
        item=item, upload=pdf(r.secret("预算处责任清单佐证.pdf")), actor=secretary
    )
    template = branch_list.template
    r.objects.update(responsibility_list=branch_list, responsibility_item=item)
    r.routes(
        [
            "responsibility:list_detail",
            "responsibility:list_submit",
            *api("responsibility-list", "submit"),
        ],
        pk=branch_list.pk,
    )
    r.routes(
        [
            "responsibility:item_progress",
            "responsibility:item_submit",
            "responsibility:item_confirm",
            "responsibility:item_return",
            "responsibility:evidence_upload",
            *api("responsibility-item", "confirm", "evidence", "progress", "return", "submit"),
        ],
        pk=item.pk,
    )
    r.routes(
        ["responsibility:evidence_download", "responsibility:evidence_withdraw"], pk=evidence.pk
    )
    # Templates belong to the 工委 and are readable by everyone under it.
    template_item = template.items.first()
    r.routes(
        [
            "responsibility:template_issue",
            "responsibility:template_item_new",
            "responsibility:template_item_edit",
            "responsibility:template_item_delete",
            *api("responsibility-template", "issue"),
        ],
        shared=True,
        pk=template.pk,
        item_pk=template_item.pk,
    )
    r.routes(api("responsibility-template-item"), shared=True, pk=template_item.pk)


def _secretary_review(city, r: Records) -> None:
    from secretary_review import services

    admin = city.users["city_admin"]
    round_ = services.round_create(
        actor=admin,
        area=city.dept_a,
        year=timezone.localdate().year,
        name=r.secret("财政局三级书记联述联评联考试点"),
    )
    services.round_open_reporting(round_=round_, actor=admin)
    report = round_.reports.get(organization=city.branch_a)
    secretary = city.users["secretary_a"]
    services.report_update(
        report=report,
        text=r.secret("赵强述职：预算处党支部全年推进党建与业务深度融合"),
        actor=secretary,
    )
    attachment = services.attachment_add(
        report=report, upload=pdf(r.secret("赵强述职附件.pdf")), actor=secretary
    )
    services.report_submit(report=report, actor=secretary)
    r.objects.update(review_round=round_, report=report)
    r.routes(
        [
            "secretary_review:round_detail",
            "secretary_review:round_edit",
            "secretary_review:round_results",
            "secretary_review:round_export",
            *api("secretary-review-round", "close", "open-rating", "open-reporting", "results"),
        ],
        pk=round_.pk,
    )
    r.routes(["secretary_review:round_action"], pk=round_.pk, action="open-rating")
    r.routes(
        [
            "secretary_review:report_detail",
            "secretary_review:report_edit",
            "secretary_review:report_docx",
            "secretary_review:report_file_upload",
            *api("secretary-review-report", "submit"),
        ],
        pk=report.pk,
    )
    r.routes(["secretary_review:report_file_download"], pk=attachment.pk)


def _member_review(city, r: Records) -> None:
    from member_review import services

    secretary = city.users["secretary_a"]
    today = timezone.localdate()
    review = services.review_open(
        branch=city.branch_a,
        year=today.year,
        self_assessment_due=today + timedelta(days=7),
        actor=secretary,
    )
    entry = review.entries.get(member=city.member_a)
    services.self_assessment_submit(
        entry=entry,
        text=r.secret("张伟个人自评：本年度学习笔记三万字"),
        self_grade="qualified",
        actor=city.users["member_a"],
    )
    services.review_advance(review=review, actor=secretary)
    services.review_advance(review=review, actor=secretary)
    services.review_decide(
        review=review,
        meeting_on=today,
        decisions={
            e.pk: (
                {"grade": "unqualified", "note": r.secret("张伟评议意见：长期不参加组织生活")}
                if e.pk == entry.pk
                else {"grade": "qualified"}
            )
            for e in review.entries.all()
        },
        meeting_note=r.secret("预算处支部大会评议纪要"),
        actor=secretary,
    )
    rectification = entry.rectification
    services.follow_up_add(
        rectification=rectification,
        noted_on=today,
        text=r.secret("张伟限期改正帮教记录：支部书记谈心谈话"),
        actor=secretary,
    )
    r.objects.update(member_review=review, review_entry=entry, rectification=rectification)
    r.routes(
        [
            "member_review:review_detail",
            "member_review:review_advance",
            "member_review:review_propose",
            "member_review:review_decide",
            *api("member-review", "advance", "decide", "proposals"),
        ],
        pk=review.pk,
    )
    r.routes(
        [
            "member_review:entry_detail",
            "member_review:entry_apply",
            "member_review:mine_self_assessment",
            "member_review:mine_ballot",
            *api("member-review-entry", "apply"),
        ],
        pk=entry.pk,
    )
    r.routes(
        ["api-me-member-review-self-assessment", "api-me-member-review-ballot"],
        review_id=review.pk,
    )
    r.routes(
        [
            "member_review:rectification_detail",
            *api("member-review-rectification", "conclude", "notes"),
        ],
        pk=rectification.pk,
    )


def _work_plans(city, r: Records) -> None:
    from work_plans import services

    committee = city.users["committee_a"]
    today = timezone.localdate()
    plan = services.plan_create(
        organization=city.committee_a,
        year=today.year,
        title=r.secret("财政局机关党委党建工作计划（预算处试点）"),
        description=r.secret("预算处试点计划说明：党建业务双融合"),
        actor=committee,
    )
    task = services.task_save(
        plan=plan,
        actor=committee,
        data={
            "title": r.secret("预算处专项任务：建立党建工作台账"),
            "deadline": today + timedelta(days=20),
            "expected_outcome": r.secret("预算处台账成果：台账完整可查"),
        },
        owners=[city.branch_a],
    )
    services.plan_publish(plan=plan, actor=committee)
    assignment = task.assignments.get(owner=city.branch_a)
    report = services.assignment_report(
        assignment=assignment,
        actor=city.users["secretary_a"],
        percent=80,
        note=r.secret("预算处计划任务进展：台账已完成八成"),
        evidence_text=r.secret("预算处任务佐证说明：台账扫描件"),
        uploads=[pdf(r.secret("预算处任务佐证.pdf"))],
    )
    evidence = report.files.get()
    r.objects.update(work_plan=plan, task=task, assignment=assignment)
    r.routes(
        [
            "work_plans:plan_detail",
            "work_plans:plan_edit",
            "work_plans:plan_publish",
            "work_plans:plan_copy",
            *api("work_plans-plan", "copy", "publish"),
        ],
        pk=plan.pk,
    )
    r.routes(["work_plans:task_create"], plan_pk=plan.pk)
    r.routes(
        [
            "work_plans:task_detail",
            "work_plans:task_edit",
            "work_plans:task_delete",
            *api("work_plans-task"),
        ],
        pk=task.pk,
    )
    r.routes(
        [
            "work_plans:assignment_report",
            "work_plans:assignment_confirm",
            "work_plans:assignment_return",
            "work_plans:assignment_remove",
            *api("work_plans-assignment", "confirm", "report", "return"),
        ],
        pk=assignment.pk,
    )
    r.routes(api("work_plans-report"), pk=report.pk)
    r.routes(["work_plans:evidence_download"], pk=evidence.pk)


def _supervision(city, r: Records) -> None:
    from supervision import services
    from supervision.models import AccountabilityCase, FindingCategory

    admin, committee = city.users["city_admin"], city.users["committee_a"]
    secretary = city.users["secretary_a"]
    today = timezone.localdate()
    inspection = services.inspection_create(
        actor=committee,
        organizer=city.committee_a,
        organizations=[city.branch_a],
        team=[committee],
        data={
            "kind": "unannounced_visit",
            "title": r.secret("财政局机关党委预算处明察暗访"),
            "starts_on": today - timedelta(days=1),
            "ends_on": today + timedelta(days=3),
        },
    )
    category = FindingCategory.objects.get(code="three_meetings_one_lesson")
    finding = services.finding_record(
        actor=committee,
        inspection=inspection,
        organization=city.branch_a,
        category=category,
        description=r.secret("预算处督查问题：学习记录代签"),
        place=r.secret("预算处三楼会议室"),
        deadline=today + timedelta(days=30),
        photos=[png(r.secret("预算处督查现场.png"))],
    )
    evidence = finding.evidence.get()
    extension = services.extension_request(
        finding=finding,
        actor=secretary,
        deadline=today + timedelta(days=60),
        reason=r.secret("预算处延期理由：年底预算编制任务重"),
    )
    exemption = services.exemption_request(
        finding=finding,
        actor=secretary,
        person_name="赵强",
        grounds=r.secret("预算处容错理由：系统故障导致记录丢失"),
    )
    case = services.case_create(
        actor=admin,
        organization=city.branch_a,
        data={
            "kind": AccountabilityCase.Kind.ADMONISHMENT,
            "decision": r.secret("对预算处党支部书记进行诫勉谈话"),
            "decided_on": today,
            "authority": "市直机关工委",
            "person_name": "张伟",
        },
        findings=[finding],
    )
    notice = services.notice_create(
        actor=admin,
        issuer=city.work_committee,
        data={
            "title": r.secret("关于预算处学习记录代签问题的通报"),
            "body": r.secret("预算处通报正文：现将有关情况通报如下"),
        },
        audience=[city.dept_a],
        cases=[case],
        findings=[finding],
    )
    services.notice_publish(notice=notice, actor=admin)
    r.objects.update(finding=finding, case=case, exposure_notice=notice, inspection=inspection)
    r.routes(
        [
            "supervision:finding_detail",
            "supervision:finding_plan",
            "supervision:finding_progress",
            "supervision:finding_submit",
            "supervision:finding_sign_off",
            "supervision:finding_return",
            "supervision:finding_reopen",
            "supervision:finding_close",
            "supervision:finding_exemption",
            "supervision:finding_extension",
            *api(
                "supervision-finding",
                "close",
                "exemption",
                "extension",
                "plan",
                "progress",
                "reopen",
                "return-",
                "sign-off",
                "submit",
            ),
        ],
        pk=finding.pk,
    )
    r.routes(["supervision:evidence_download"], pk=evidence.pk)
    r.routes(
        ["supervision:extension_decide", *api("supervision-extension", "decide")],
        pk=extension.pk,
    )
    r.routes(
        ["supervision:exemption_decide", *api("supervision-exemption", "decide")],
        pk=exemption.pk,
    )
    r.routes(["supervision:inspection_detail", *api("supervision-inspection")], pk=inspection.pk)
    r.routes(api("supervision-case"), pk=case.pk)
    r.routes(
        [
            "supervision:notice_detail",
            "supervision:notice_publish",
            "supervision:notice_word",
            *api("supervision-notice", "publish"),
        ],
        pk=notice.pk,
    )
    # Finding categories are the 工委's list, the same for everyone.
    r.routes(
        ["supervision:category_retire", *api("supervision-category")], shared=True, pk=category.pk
    )


def _weak_orgs(city, r: Records) -> None:
    from weak_orgs import services
    from weak_orgs.criteria import ensure_defaults
    from weak_orgs.flags import compute_flags
    from weak_orgs.models import WeakOrgCriterion

    admin = city.users["city_admin"]
    ensure_defaults()
    run = compute_flags(timezone.localdate(), actor=admin)
    result = run.results.filter(organization=city.branch_a).first()
    case = services.case_confirm(
        organization=city.branch_a,
        actor=admin,
        result=result,
        reason=r.secret("预算处软弱涣散确认依据：巡察发现组织生活不正常"),
    )
    services.case_plan(
        case=case,
        actor=admin,
        plan=r.secret("预算处整顿方案：选优配强支部班子"),
        exit_criteria=[r.secret("预算处销号标准：连续三个月召开支委会")],
        leader_name=r.secret("预算处整顿责任领导钱某"),
        due_on=timezone.localdate() + timedelta(days=180),
    )
    note = services.progress_add(
        case=case,
        actor=city.users["secretary_a"],
        body=r.secret("预算处整顿进展：已召开专题组织生活会"),
        upload=pdf(r.secret("预算处整顿佐证.pdf")),
    )
    criterion = case.exit_criteria.get()
    r.objects.update(weak_case=case, flag_run=run)
    r.routes(
        [
            "weak_orgs:case_detail",
            "weak_orgs:case_plan",
            "weak_orgs:case_progress",
            "weak_orgs:case_lift",
            *api("weak-orgs-case", "lift", "mark", "plan", "progress"),
        ],
        pk=case.pk,
    )
    r.routes(["weak_orgs:criterion_mark"], pk=case.pk, item_pk=criterion.pk)
    r.routes(["weak_orgs:evidence"], pk=note.pk)
    if result is not None:
        r.routes(
            [
                "weak_orgs:result_confirm",
                "weak_orgs:result_dismiss",
                *api("weak-orgs-flag-result", "confirm", "dismiss"),
            ],
            pk=result.pk,
        )
    # The criteria and the city-wide runs are the 工委's; a run lists no organization by itself.
    shared_criterion = WeakOrgCriterion.objects.filter(effective_to__isnull=True).first()
    r.routes(
        ["weak_orgs:criterion_edit", "weak-orgs-criterion-revise"],
        shared=True,
        pk=shared_criterion.pk,
    )
    r.routes(api("weak-orgs-flag-run"), shared=True, pk=run.pk)


BUILDERS = (
    _evaluation,
    _publicity,
    _dual_excellence,
    _responsibility,
    _secretary_review,
    _member_review,
    _work_plans,
    _supervision,
    _weak_orgs,
)


@pytest.fixture
def branch_a_records(city, settings, tmp_path) -> Records:
    """One branch-A object per resource of issues 4 and 5, with ids for every route about them."""
    settings.MEDIA_ROOT = tmp_path / "media"
    records = Records()
    for build in BUILDERS:
        build(city, records)
    return records
