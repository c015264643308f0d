"""Pages of 双优: overview, round set-up for 机关工委 administrators, nominating, review, honour roll.

Rounds are city-wide (everyone in the 工委's tree sees them and the honour roll); nominations are
scoped to the organizations the user reads, and changed only through dual_excellence.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.access import get_in_scope, require_capability
from core.excel import xlsx_response
from core.files import file_response
from core.pages import errors_to_form, messages_of
from core.scoping import scope_for
from dual_excellence import selectors, services
from dual_excellence.forms import (
    CategoryForm,
    NewRoundForm,
    NominationForm,
    ReviewForm,
    RoundForm,
)
from dual_excellence.models import Category, Nomination, Round
from members.models import Member
from orgs.models import Organization
from publicity import selectors as publicity_selectors

Status = Round.Status
NStatus = Nomination.Status


def _round(request, pk, *, manage=False) -> Round:
    round_ = get_in_scope(request, selectors.rounds_for(request.user), pk=pk)
    if manage:
        services.require_manager(request.user, round_, request=request)
    return round_


def _nomination(request, pk, *, write=False) -> Nomination:
    user = request.user
    writable = Nomination.objects.writable_by(user) if write else None
    return get_in_scope(request, selectors.nominations_for(user), writable=writable, pk=pk)


@login_required
def index(request):
    """The current round: categories, quota use per area, nominations by status."""
    scope = scope_for(request.user)
    if not scope.prefixes(roles.READ):
        return redirect("dual_excellence:honour_roll")
    rounds = list(selectors.rounds_for(request.user).order_by("-year", "-pk"))
    round_ = None
    if request.GET.get("round", "").isdigit():
        round_ = _round(request, int(request.GET["round"]))
    round_ = round_ or selectors.current_round(request.user)
    can_manage = services.can_manage(request.user, round_) if round_ else False
    context = {
        "round": round_,
        "rounds": rounds,
        "can_manage_any": services.work_committees_for(request.user).exists(),
        "can_manage": can_manage,
        "can_nominate": bool(
            round_ and round_.status == Status.NOMINATING and scope.prefixes(roles.WRITE)
        ),
        "new_round_form": _new_round_form(request),
    }
    if round_ is not None:
        categories, table = selectors.quota_table(round_, request.user)
        nominations = selectors.nominations_for(request.user, round_)
        context.update(
            categories=categories,
            quota_rows=table,
            status_counts=selectors.status_counts(nominations),
            nominations=list(nominations.order_by("category__order", "-nominated_at")[:200]),
            notice=_notice(round_),
        )
    return render(request, "dual_excellence/index.html", context)


def _new_round_form(request):
    committees = services.work_committees_for(request.user)
    if not committees.exists():
        return None
    return NewRoundForm(
        initial={"year": timezone.localdate().year, "organization": committees.first()},
        committees=committees,
    )


def _notice(round_: Round):
    if round_.status not in (Status.NOTICE, Status.AWARDED):
        return None
    first = round_.nominations.filter(
        status__in=[NStatus.ACCEPTED, NStatus.AWARDED, NStatus.NOT_AWARDED]
    ).first()
    return publicity_selectors.notice_for(first) if first else None


@login_required
@require_POST
def round_create(request):
    require_capability(request, roles.WRITE)
    committees = services.work_committees_for(request.user)
    form = NewRoundForm(request.POST, committees=committees)
    if not committees.exists():
        services.require_manager(request.user, request=request)
    if not form.is_valid():
        messages.error(request, "年度：请填写2000到2100之间的年份")
        return redirect("dual_excellence:index")
    try:
        round_ = services.round_create_default(
            organization=form.cleaned_data["organization"],
            year=form.cleaned_data["year"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
        return redirect("dual_excellence:index")
    messages.success(
        request, "已按默认类别（党建工作优、服务发展优）新建评选，可在开始推荐前调整。"
    )
    return redirect("dual_excellence:round_detail", pk=round_.pk)


@login_required
def round_detail(request, pk):
    """Settings, categories, area quotas and the steps of a round."""
    require_capability(request, roles.READ)
    round_ = _round(request, pk)
    can_manage = services.can_manage(request.user, round_)
    categories, table = selectors.quota_table(round_, request.user)
    context = {
        "round": round_,
        "categories": categories,
        "quota_rows": table,
        "can_manage": can_manage,
        "can_edit_categories": can_manage and round_.status == Status.DRAFT,
        "can_edit_quotas": can_manage and round_.status in (Status.DRAFT, Status.NOMINATING),
        "can_edit_round": can_manage
        and round_.status in (Status.DRAFT, Status.NOMINATING, Status.REVIEWING),
        "notice": _notice(round_),
        "next_year": round_.year + 1,
    }
    return render(request, "dual_excellence/round_detail.html", context)


def _form_page(request, form, save, round_, title, back):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect(back)
    return render(
        request,
        "dual_excellence/form.html",
        {"form": form, "round": round_, "title": title, "back": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, pk):
    round_ = _round(request, pk, manage=True)
    form = RoundForm(request.POST or None, instance=Round.objects.get(pk=pk))

    def save(data):
        services.round_update(round_=round_, data=data, actor=request.user)

    back = reverse("dual_excellence:round_detail", args=[pk])
    return _form_page(request, form, save, round_, "修改评选设置", back)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk, category_pk=None):
    round_ = _round(request, pk, manage=True)
    category = get_object_or_404(Category, pk=category_pk, round=round_) if category_pk else None
    form = CategoryForm(request.POST or None, instance=category)

    def save(data):
        fresh = Category.objects.get(pk=category.pk) if category else None
        services.category_save(round_=round_, data=data, actor=request.user, category=fresh)

    title = f"修改荣誉类别：{category.name}" if category else "新增荣誉类别"
    back = reverse("dual_excellence:round_detail", args=[pk])
    return _form_page(request, form, save, round_, title, back)


@login_required
@require_POST
def category_delete(request, pk, category_pk):
    round_ = _round(request, pk, manage=True)
    category = get_object_or_404(Category, pk=category_pk, round=round_)
    try:
        services.category_delete(category=category, actor=request.user)
        messages.success(request, f"已删除荣誉类别“{category.name}”。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("dual_excellence:round_detail", pk=pk)


@login_required
@require_POST
def quotas_save(request, pk):
    """The quota matrix: inputs q-<category>-<area>-org / -member; only changed cells are saved."""
    round_ = _round(request, pk, manage=True)
    categories, table = selectors.quota_table(round_)
    saved, errors = 0, []
    for row in table:
        for cell in row.cells:
            key = f"q-{cell.category.pk}-{row.area.pk}"
            try:
                org_quota = int(request.POST.get(f"{key}-org", cell.org_quota))
                member_quota = int(request.POST.get(f"{key}-member", cell.member_quota))
            except ValueError:
                errors.append(f"{row.area.name}“{cell.category.name}”：名额须为整数")
                continue
            if (org_quota, member_quota) == (cell.org_quota, cell.member_quota):
                continue
            try:
                services.quota_set(
                    category=cell.category,
                    area=row.area,
                    org_quota=org_quota,
                    member_quota=member_quota,
                    actor=request.user,
                )
                saved += 1
            except ValidationError as exc:
                errors += exc.messages
    for error in errors:
        messages.error(request, error)
    if saved:
        messages.success(request, f"已调整{saved}处片区名额。")
    return redirect("dual_excellence:round_detail", pk=pk)


STEPS = {
    "open": (services.nominations_open, "已开始推荐提名，各单位可在截止日期前推荐。"),
    "close": (services.nominations_close, "推荐已结束，进入审核。"),
    "notice": (services.notice_publish, "拟表彰对象公示已发布。"),
    "award": (services.round_award, "表彰已完成，荣誉榜已更新。"),
}


@login_required
@require_POST
def round_step(request, pk, step):
    round_ = _round(request, pk, manage=True)
    if step == "copy":
        try:
            year = int(request.POST.get("year") or round_.year + 1)
            copy = services.round_copy(round_=round_, year=year, actor=request.user)
        except (ValueError, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", ["年度须为整数"])))
            return redirect("dual_excellence:round_detail", pk=pk)
        messages.success(request, f"已复制为“{copy.name}”（筹备中），可调整后开始推荐。")
        return redirect("dual_excellence:round_detail", pk=copy.pk)
    if step not in STEPS:
        raise Http404("没有这个步骤。")
    service, done = STEPS[step]
    try:
        service(round_=round_, actor=request.user)
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("dual_excellence:round_detail", pk=pk)


def _nominee_orgs(request, round_: Round):
    areas = list(services.areas_of(round_))
    inside = Q(pk__in=[])
    for area in areas:
        inside |= Q(path__startswith=area.path)
    return Organization.objects.writable_by(request.user).active().filter(inside).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def nominate(request, pk):
    """Phone-friendly nomination form: category, an organization or a member, reasons, evidence."""
    require_capability(request, roles.WRITE)
    round_ = _round(request, pk)
    organizations = _nominee_orgs(request, round_)
    form = NominationForm(
        request.POST or None,
        request.FILES or None,
        categories=round_.categories.all(),
        organizations=organizations,
    )
    if round_.status != Status.NOMINATING:
        messages.error(request, f"评选当前为“{round_.get_status_display()}”阶段，不能推荐。")
        return redirect(f"{reverse('dual_excellence:index')}?round={round_.pk}")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = None
        if data["kind"] == "member":
            member = Member.objects.writable_by(request.user).filter(pk=data["member"]).first()
        try:
            if data["kind"] == "member" and member is None:
                raise ValidationError({"member": "请选择本人所辖组织的党员"})
            nomination = services.nominate(
                round_=round_,
                category=data["category"],
                actor=request.user,
                reason=data["reason"],
                evidence=data["evidence"],
                nominee_org=data["organization"] if data["kind"] == "organization" else None,
                nominee_member=member,
                upload=data.get("evidence_file"),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, f"已推荐{nomination.nominee_name}为“{nomination.category.name}”。"
            )
            return redirect("dual_excellence:nomination_detail", pk=nomination.pk)
    categories, table = selectors.quota_table(round_, request.user)
    context = {
        "form": form,
        "round": round_,
        "categories": categories,
        "quota_rows": table,
        "member_options": _member_options(request, request.POST.get("organization", "")),
    }
    return render(request, "dual_excellence/nominate.html", context)


@login_required
def nominee_options(request):
    """<option>s of the active members under an organization the user writes for (HTMX)."""
    members = _member_options(request, request.GET.get("organization", ""))
    return render(request, "dual_excellence/_member_options.html", {"members": members})


def _member_options(request, org_id: str):
    if not org_id.isdigit():
        return []
    org = Organization.objects.writable_by(request.user).filter(pk=int(org_id)).first()
    if org is None:
        return []
    return list(
        Member.objects.writable_by(request.user)
        .in_good_standing()
        .filter(branch__path__startswith=org.path)
        .select_related("branch")
        .order_by("branch__path", "name")[:500]
    )


@login_required
def nomination_detail(request, pk):
    nomination = _nomination(request, pk)
    round_ = nomination.round
    can_manage = services.can_manage(request.user, round_)
    notice = publicity_selectors.notice_for(nomination)
    state = publicity_selectors.item_states([nomination]).get(nomination.pk)
    context = {
        "nomination": nomination,
        "round": round_,
        "can_review": can_manage
        and round_.status in (Status.NOMINATING, Status.REVIEWING)
        and nomination.status in (Nomination.Status.SUBMITTED, Nomination.Status.ACCEPTED),
        "can_withdraw": round_.status == Status.NOMINATING
        and nomination.status == Nomination.Status.SUBMITTED
        and Nomination.objects.writable_by(request.user).filter(pk=pk).exists(),
        "review_form": ReviewForm(),
        "notice": notice,
        "notice_state": state,
    }
    return render(request, "dual_excellence/nomination_detail.html", context)


@login_required
@require_POST
def nomination_review(request, pk):
    nomination = _nomination(request, pk)
    services.require_manager(request.user, nomination.round, request=request)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果。")
    else:
        try:
            services.nomination_review(
                nomination=nomination,
                actor=request.user,
                accepted=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"已审核：{nomination.nominee_name}。")
        except ValidationError as exc:
            messages.error(request, messages_of(exc))
    back = request.POST.get("next") or ""
    if back.startswith("/dual-excellence/"):
        return redirect(back)
    return redirect("dual_excellence:nomination_detail", pk=pk)


@login_required
@require_POST
def nomination_withdraw(request, pk):
    nomination = _nomination(request, pk, write=True)
    try:
        services.nomination_withdraw(nomination=nomination, actor=request.user)
        messages.success(request, "已撤回推荐，名额已释放。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("dual_excellence:nomination_detail", pk=pk)


@login_required
def evidence_download(request, pk):
    nomination = _nomination(request, pk)
    if not nomination.evidence_file:
        raise Http404("该推荐没有附件。")
    return file_response(
        nomination.evidence_file,
        name=nomination.evidence_name,
        content_type=nomination.evidence_type,
    )


@login_required
def review_list(request, pk):
    """The 工委's review desk: every nomination of the round, filtered by status."""
    round_ = _round(request, pk, manage=True)
    nominations = selectors.nominations_for(request.user, round_)
    status = request.GET.get("status", "submitted")
    if status in Nomination.Status.values:
        nominations = nominations.filter(status=status)
    context = {
        "round": round_,
        "nominations": nominations.order_by("category__order", "area__path", "pk"),
        "status": status,
        "status_counts": selectors.status_counts(selectors.nominations_for(request.user, round_)),
        "review_form": ReviewForm(),
        "can_review": round_.status in (Status.NOMINATING, Status.REVIEWING),
    }
    return render(request, "dual_excellence/review_list.html", context)


@login_required
def honour_roll(request):
    """Honoured organizations and members per year; never any ID or phone number."""
    years = selectors.roll_years(request.user)
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else (years[0] if years else None)
    entries = list(selectors.honour_roll(request.user, year)) if year else []
    groups: dict = {}
    for entry in entries:
        groups.setdefault(entry.category.name, {"orgs": [], "people": []})[
            "people" if entry.is_person else "orgs"
        ].append(entry)
    context = {"years": years, "year": year, "groups": groups, "count": len(entries)}
    return render(request, "dual_excellence/honour_roll.html", context)


@login_required
def export(request, pk):
    """Nominations the user may see, and the honoured ones, as Excel."""
    require_capability(request, roles.READ)
    round_ = _round(request, pk)
    nominations = list(
        selectors.nominations_for(request.user, round_).order_by(
            "category__order", "area__path", "pk"
        )
    )
    headers = [
        "荣誉类别",
        "片区",
        "推荐对象类型",
        "推荐对象",
        "所属党组织",
        "推荐理由",
        "状态",
        "审核意见",
    ]

    def row(n):
        return [
            n.category.name,
            n.area.name,
            n.nominee_kind_label,
            n.nominee_name,
            n.organization.name,
            n.reason,
            n.get_status_display(),
            n.review_note,
        ]

    rows = [row(n) for n in nominations]
    awarded = [r for r, n in zip(rows, nominations, strict=True) if n.status == NStatus.AWARDED]
    return xlsx_response(
        f"{round_.name}.xlsx",
        [("推荐情况", headers, rows), ("表彰名单", headers[:5], [r[:5] for r in awarded])],
    )
