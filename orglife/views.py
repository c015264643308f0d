"""Pages of organizational life: the secretary's workbench, recording activities, QR sign-in, calendar, own page.

Reads go through Activity/Organization.objects.visible_to and core.access (404 outside scope, 403 for
read-only roles, both audited); writes through orglife.services and orglife.attachments.
"""

import calendar as pycalendar
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from core import audit, roles
from core.access import get_for_user, get_in_scope, refuse, require_capability
from core.files import file_response
from core.pages import chosen_in_scope
from core.scoping import scope_for
from members.models import Member
from members.selectors import member_search
from orglife import attachments, services
from orglife.compliance import MET, MISSED, NOT_APPLICABLE, PENDING, STATUS_LABELS, compliance
from orglife.forms import (
    ENCRYPTED_MEMBER_FIELDS,
    GUEST_ROLES,
    MODE_RECORD,
    MODE_SCHEDULE,
    ActivityForm,
    AttendanceCorrectForm,
    AttendanceSheet,
    CancelForm,
    UploadForm,
    WithdrawForm,
)
from orglife.models import Activity, ActivityKind, Attachment, Attendance, LifeRule
from orglife.periods import period_of
from orglife.selectors import activity_attendance_rate, member_attendance
from orgs.models import BRANCH_KINDS, Organization

STATUS_CSS = {MET: "success", MISSED: "danger", PENDING: "warning", NOT_APPLICABLE: "secondary"}
PERIOD_LABELS = {"month": "本月", "quarter": "本季度", "year": "本年度"}
LIST_LIMIT = 10
CALENDAR_LIMIT = 500
WEEKDAYS = "一二三四五六日"


# --- organizations the user works on ----------------------------------------------------------


def _pick_org(request, orgs: list, value, *, writable: bool) -> Organization:
    """The chosen organization among the user's (404/403 audited for others); default the first branch
    the user may write, else the first branch."""
    if not value:
        scope = scope_for(request.user)
        branches = [o for o in orgs if o.kind in BRANCH_KINDS]
        mine = [o for o in branches if scope.allows(roles.WRITE, o.path)]
        return (mine or branches or orgs)[0]
    chosen = next((o for o in orgs if str(o.pk) == str(value)), None)
    if chosen is None:
        user = request.user
        pk = int(value) if str(value).isdigit() else 0
        get_in_scope(
            request,
            Organization.objects.visible_to(user),
            writable=Organization.objects.writable_by(user) if writable else None,
            pk=pk,
        )
        # In scope but not offered here: dissolved or merged.
        refuse(
            request, Organization, {"pk": pk}, "组织已撤销或合并", Http404("该党组织已撤销或合并。")
        )
    return chosen


def _writable_orgs(user) -> list[Organization]:
    return list(Organization.objects.writable_by(user).active().order_by("path"))


# --- workbench -----------------------------------------------------------------------------------


def _requirements(result, org: Organization, today: date) -> tuple[list[dict], list[dict]]:
    """The current month's, quarter's and year's checks of each rule, and this year's missed ones."""
    current, missed = [], []
    for rule_result in result.results:
        rule = rule_result.rule
        for check in rule_result.checks:
            if check.status == NOT_APPLICABLE:
                continue
            item = {
                "rule": rule,
                "check": check,
                "label": STATUS_LABELS[check.status],
                "css": STATUS_CSS[check.status],
                "links": _new_links(org, rule) if check.status != MET else None,
            }
            if check.period.contains(today):
                current.append(item)
            elif check.period.end < today and check.status == MISSED:
                missed.append(item)
    order = {"month": 0, "quarter": 1, "year": 2}
    current.sort(key=lambda i: (order[i["check"].period.kind], i["rule"].code))
    return current, _missed_by_rule(missed)


def _missed_by_rule(missed: list[dict]) -> list[dict]:
    """One line per rule: "每月主题党日 — 3月、6月" reads better on a phone than a line per month."""
    by_rule: dict[int, dict] = {}
    for item in missed:
        period = item["check"].period
        short = (
            f"{period.start.month}月"
            if period.kind == "month"
            else period.label.removeprefix(f"{period.start.year}年")
        )
        by_rule.setdefault(item["rule"].pk, {"rule": item["rule"], "periods": []})[
            "periods"
        ].append(short)
    return list(by_rule.values())


def _new_links(org: Organization, rule: LifeRule) -> dict | None:
    if rule.measure != LifeRule.Measure.ACTIVITY_COUNT or not rule.activity_kind:
        return None
    base = f"{reverse('orglife:activity_new')}?org={org.pk}&kind={rule.activity_kind}"
    if rule.hearing_body:
        base += f"&hearing_body={rule.hearing_body}"
    return {"record": f"{base}&mode={MODE_RECORD}", "schedule": f"{base}&mode={MODE_SCHEDULE}"}


def _groups(current: list[dict], today: date) -> list[dict]:
    """Requirements grouped by period, each with its deadline and the days left."""
    groups = []
    for kind in ("month", "quarter", "year"):
        items = [i for i in current if i["check"].period.kind == kind]
        if not items:
            continue
        end = items[0]["check"].period.end
        open_items = [i for i in items if i["check"].status == PENDING]
        groups.append(
            {
                "label": PERIOD_LABELS[kind],
                "period": items[0]["check"].period,
                "items": items,
                "end": end,
                "days_left": (end - today).days,
                "open": open_items,
                "met": sum(i["check"].status == MET for i in items),
            }
        )
    return groups


@login_required
def workbench(request):
    user = request.user
    scope = scope_for(user)
    if not scope.is_party_reader:
        return redirect("orglife:mine")
    orgs = list(Organization.objects.visible_to(user).active().order_by("path"))
    if not orgs:
        return redirect("orglife:mine")
    org = _pick_org(request, orgs, request.GET.get("org"), writable=False)
    can_write = scope.allows(roles.WRITE, org.path)
    today = timezone.localdate()
    (result,) = compliance([org], period_of("year", today), today)
    current, missed = _requirements(result, org, today)
    groups = _groups(current, today)
    activities = Activity.objects.visible_to(user).filter(organization=org)
    context = {
        "orgs": orgs,
        "org": org,
        "can_write": can_write,
        "today": today,
        "groups": groups,
        "missed": missed,
        "deadlines": [g for g in groups if g["open"]],
        "planned": list(
            activities.filter(status=Activity.Status.PLANNED).order_by("starts_at")[:LIST_LIMIT]
        ),
        "recent": list(
            activities.exclude(status=Activity.Status.PLANNED).order_by("-starts_at")[:LIST_LIMIT]
        ),
        "now": timezone.now(),
    }
    return render(request, "orglife/workbench.html", context)


# --- new / edit ------------------------------------------------------------------------------------


def _roster_choices(org: Organization):
    # Only the names: full member rows would decrypt every ID and phone number for nothing.
    return services.roster(org).only("pk", "name").order_by("name", "pk")


def _roster_members(org: Organization) -> list[Member]:
    return list(_roster_choices(org))


def _leader_choices(user, activity: Activity | None = None):
    """Members the user may add as leaders; on an edit also those already recorded (chosen by a superior)."""
    visible = Q(pk__in=Member.objects.visible_to(user).in_good_standing().values("pk"))
    if activity is not None:
        visible |= Q(pk__in=activity.attendances.values("member_id"))
    return Member.objects.filter(visible).only("pk", "name")


def _closed_before(today: date) -> date:
    """Activities dated before this day lie in closed periods (services.period_closed)."""
    return (today - timedelta(days=settings.ORGLIFE_CORRECTION_GRACE_DAYS)).replace(day=1)


def _save(
    request, form: ActivityForm, sheet: AttendanceSheet, org, activity=None
) -> Activity | None:
    """Schedule or record through the services, then store the attachments; all or nothing."""
    fields = form.activity_fields()
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if activity is None and data.get("mode") == MODE_SCHEDULE:
                saved = services.activity_schedule(
                    organization=org,
                    kind=fields.pop("kind"),
                    starts_at=fields.pop("starts_at"),
                    topic=fields.pop("topic"),
                    actor=request.user,
                    **fields,
                )
            else:
                saved = services.activity_record(
                    activity=activity,
                    organization=None if activity else org,
                    actor=request.user,
                    attendance=sheet.attendance(),
                    guests=sheet.guests,
                    correction_reason=data.get("correction_reason", ""),
                    **fields,
                )
            for upload in data.get("attachments") or []:
                attachments.attachment_add(activity=saved, upload=upload, actor=request.user)
    except ValidationError as error:
        form.add_service_errors(error)
        return None
    return saved


def _form_page(request, form, sheet, org, members, activity=None, orgs=()):
    today = timezone.localdate()
    closed_record = bool(
        activity
        and activity.status == Activity.Status.COMPLETED
        and services.period_closed(activity.held_on, today)
    )
    show_reason = closed_record or bool(
        form["correction_reason"].errors or form["correction_reason"].value()
    )
    context = {
        "form": form,
        "sheet": sheet,
        "org": org,
        "orgs": orgs,
        "activity": activity,
        "members": members,
        "guest_roles": GUEST_ROLES,
        "closed_before": _closed_before(today),
        "show_reason": show_reason,
        "closed_record": closed_record,
        "blank_guests": range(max(1, 2 - len(sheet.guests))),
        "speaker_kind": ActivityKind.PARTY_LESSON,
        "hearing_kind": ActivityKind.WORK_REPORT_HEARING,
    }
    return render(
        request, "orglife/activity_form.html", context, status=400 if form.errors else 200
    )


@login_required
def activity_new(request):
    require_capability(request, roles.WRITE)
    orgs = _writable_orgs(request.user)
    if not orgs:
        audit.record(audit.Action.ACCESS_DENIED, request=request, detail="无可登记组织生活的党组织")
        return redirect("orglife:workbench")
    source = request.POST if request.method == "POST" else request.GET
    org = _pick_org(request, orgs, source.get("organization") or source.get("org"), writable=True)
    members = _roster_members(org)
    org_qs = Organization.objects.writable_by(request.user).filter(pk=org.pk)
    if request.method == "POST":
        form = ActivityForm(
            request.POST, request.FILES, organizations=org_qs, members=_roster_choices(org)
        )
        sheet = AttendanceSheet.from_post(request.POST, members, _leader_choices(request.user))
        recording = request.POST.get("mode") != MODE_SCHEDULE
        if form.is_valid() and (sheet.is_valid() or not recording):
            activity = _save(request, form, sheet, org)
            if activity is not None:
                done = "已登记" if activity.status == Activity.Status.COMPLETED else "已计划"
                messages.success(
                    request, f"{done}：{activity.get_kind_display()}“{activity.topic}”。"
                )
                return redirect("orglife:activity_detail", pk=activity.pk)
        if recording and not sheet.is_valid():
            form.add_error("attendance", sheet.errors)
    else:
        kind = request.GET.get("kind", "")
        initial = {
            "organization": org.pk,
            "kind": kind if kind in ActivityKind.values else "",
            "hearing_body": request.GET.get("hearing_body", ""),
            "held_on": timezone.localdate(),
            "mode": MODE_SCHEDULE if request.GET.get("mode") == MODE_SCHEDULE else MODE_RECORD,
        }
        form = ActivityForm(initial=initial, organizations=org_qs, members=_roster_choices(org))
        sheet = AttendanceSheet.blank(members)
    return _form_page(request, form, sheet, org, members, orgs=orgs)


def _edit_members(activity: Activity) -> list[Member]:
    """The roster plus members already recorded as ordinary attendees (who may have moved since)."""
    members = _roster_members(activity.organization)
    known = {m.pk for m in members}
    extra = (
        Member.objects.filter(
            attendances__activity=activity,
            attendances__role=Attendance.Role.MEMBER,
        )
        .exclude(pk__in=known)
        .only("pk", "name")
    )
    return members + list(extra)


@login_required
def activity_edit(request, pk: int):
    activity = get_for_user(request, Activity, action="write", pk=pk)
    if activity.status == Activity.Status.CANCELLED:
        messages.error(request, "该活动已取消，不能再修改。")
        return redirect("orglife:activity_detail", pk=pk)
    org = activity.organization
    members = _edit_members(activity)
    org_qs = Organization.objects.filter(pk=org.pk)
    member_qs = (
        Member.objects.filter(pk__in=[m.pk for m in members])
        .only("pk", "name")
        .order_by("name", "pk")
    )
    if request.method == "POST":
        post = request.POST.copy()
        post["organization"] = org.pk
        form = ActivityForm(
            post, request.FILES, organizations=org_qs, members=member_qs, with_mode=False
        )
        leaders = _leader_choices(request.user, activity)
        sheet = AttendanceSheet.from_post(request.POST, members, leaders)
        if form.is_valid() and sheet.is_valid():
            saved = _save(request, form, sheet, org, activity=activity)
            if saved is not None:
                messages.success(request, f"已保存：{saved.get_kind_display()}“{saved.topic}”。")
                return redirect("orglife:activity_detail", pk=pk)
        if not sheet.is_valid():
            form.add_error("attendance", sheet.errors)
    else:
        form = ActivityForm(
            initial=ActivityForm.initial_for(activity),
            organizations=org_qs,
            members=member_qs,
            with_mode=False,
        )
        sheet = AttendanceSheet.blank(members, activity)
    return _form_page(request, form, sheet, org, members, activity=activity)


@login_required
def member_search_view(request):
    """Members to pick as a leader doing 双重组织生活 (HTMX), among those the user may see."""
    require_capability(request, roles.WRITE)
    text = request.GET.get("leader_q", "").strip()
    choices = Member.objects.visible_to(request.user).in_good_standing().select_related("branch")
    found = list(member_search(choices, text)[:10]) if text else []
    return render(request, "orglife/_member_choices.html", {"found": found, "q": text})


# --- detail ------------------------------------------------------------------------------------------


def _attendance_rows(activity: Activity, *, with_roster: bool) -> list[dict]:
    """Everyone on the list, then (for the secretary) roster members not yet on it."""
    rows = list(
        activity.attendances.select_related("member")
        .defer(*ENCRYPTED_MEMBER_FIELDS)
        .order_by("role", "id")
    )
    out = [{"att": a, "member": a.member, "status": a.status} for a in rows]
    if with_roster and activity.status != Activity.Status.CANCELLED:
        listed = {a.member_id for a in rows}
        out += [
            {"att": None, "member": m, "status": ""}
            for m in _roster_members(activity.organization)
            if m.pk not in listed
        ]
    return out


def _counts(rows: list[dict]) -> dict:
    members = [r for r in rows if r["member"] is not None and r["att"] is not None]
    counts = {s: sum(r["status"] == s for r in members) for s in Attendance.Status.values}
    counts["guests"] = sum(1 for r in rows if r["member"] is None)
    counts["unrecorded"] = sum(1 for r in rows if r["att"] is None)
    return counts


def _signin_url(request, activity: Activity) -> str:
    return request.build_absolute_uri(reverse("orglife:signin", args=[activity.signin_token]))


@lru_cache(maxsize=256)
def _qr_svg(url: str) -> str:
    """The sign-in QR code as inline SVG (~15 ms to draw, so kept per URL; the token never changes).

    segno writes the markup itself from the URL's bits: nothing user-supplied reaches it unescaped.
    """
    return mark_safe(segno.make(url, error="m").svg_inline(scale=5, omitsize=True, border=2))


def _window(activity: Activity, now) -> str:
    if activity.status == Activity.Status.CANCELLED:
        return "cancelled"
    if now < activity.signin_opens_at:
        return "before"
    return "open" if now <= activity.signin_closes_at else "closed"


def _live_context(activity: Activity) -> dict:
    now = timezone.now()
    signed_rows = activity.attendances.filter(signed_in_at__isnull=False)
    counts = activity.attendances.aggregate(
        signed=Count("id", filter=Q(signed_in_at__isnull=False)),
        present=Count("id", filter=Q(status=Attendance.Status.PRESENT, member__isnull=False)),
    )
    window = _window(activity, now)
    return {
        "activity": activity,
        "signed": list(
            signed_rows.select_related("member")
            .defer(*ENCRYPTED_MEMBER_FIELDS)
            .order_by("-signed_in_at")[:50]
        ),
        "signed_count": counts["signed"],
        "present": counts["present"],
        "window": window,
        "poll": window in ("before", "open"),
    }


def _visible_activity(request, pk: int) -> Activity:
    visible = Activity.objects.visible_to(request.user).select_related(
        "organization", "host", "speaker"
    )
    return get_in_scope(request, visible, pk=pk)


@login_required
def activity_detail(request, pk: int):
    activity = _visible_activity(request, pk)
    scope = scope_for(request.user)
    path = activity.organization.path
    can_write = scope.allows(roles.WRITE, path)
    is_reader = scope.allows(roles.READ, path)
    rows = _attendance_rows(activity, with_roster=can_write)
    context = {
        "activity": activity,
        "rows": rows,
        "counts": _counts(rows),
        "rate": activity_attendance_rate(activity),
        "can_write": can_write,
        "is_reader": is_reader,
        "statuses": Attendance.Status.choices,
        "attachments": list(activity.attachments.filter(withdrawn=False).order_by("uploaded_at")),
        "closed": services.period_closed(activity.held_on),
        "cancel_reason": activity.cancel_reason
        if activity.status == Activity.Status.CANCELLED
        else "",
        "upload_form": UploadForm(),
        "accept": attachments.ACCEPT,
        **_live_context(activity),
    }
    # The QR code is for whoever runs the meeting; members scan it, they need not see it.
    if is_reader and activity.status != Activity.Status.CANCELLED:
        context["signin_url"] = _signin_url(request, activity)
        context["qr_svg"] = _qr_svg(context["signin_url"])
    return render(request, "orglife/activity_detail.html", context)


@login_required
def activity_live(request, pk: int):
    activity = _visible_activity(request, pk)
    return render(request, "orglife/_live.html", _live_context(activity))


@login_required
@require_http_methods(["GET", "POST"])
def attendance_correct(request, pk: int, member_id: int):
    """GET (HTMX): one row with its correction form; POST: the secretary's correction, row re-rendered."""
    activity = get_for_user(request, Activity, action="write", pk=pk)
    candidates = Member.objects.filter(
        Q(pk__in=services.roster(activity.organization).values("pk"))
        | Q(attendances__activity=activity),
    ).defer("id_number_enc", "phone_enc")
    member = get_in_scope(request, candidates.distinct(), pk=member_id)
    error = ""
    if request.method == "GET":
        if not request.htmx:
            return redirect("orglife:activity_detail", pk=pk)
        return _correction_row(request, activity, member, editing=True)
    form = AttendanceCorrectForm(request.POST)
    if activity.status == Activity.Status.CANCELLED:
        error = "该活动已取消，不能更正出席情况"
    elif not form.is_valid():
        error = "；".join(f"{form.fields[k].label}：{' '.join(v)}" for k, v in form.errors.items())
    else:
        try:
            services.attendance_correct(
                activity=activity, member=member, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            error = "；".join(m for messages_ in exc.message_dict.values() for m in messages_)
    if not request.htmx:
        (messages.error if error else messages.success)(
            request, error or f"已更正{member.name}的出席情况。"
        )
        return redirect("orglife:activity_detail", pk=pk)
    return _correction_row(request, activity, member, editing=bool(error), error=error)


def _correction_row(request, activity, member, *, editing: bool, error: str = ""):
    att = Attendance.objects.filter(activity=activity, member=member).first()
    context = {
        "activity": activity,
        "row": {"att": att, "member": member, "status": att.status if att else ""},
        "can_write": True,
        "is_reader": True,
        "editing": editing,
        "error": error,
        "saved": request.method == "POST" and not error,
        "statuses": Attendance.Status.choices,
        "closed": services.period_closed(activity.held_on),
    }
    return render(request, "orglife/_attendance_row.html", context)


@login_required
@require_POST
def activity_cancel(request, pk: int):
    activity = get_for_user(request, Activity, action="write", pk=pk)
    form = CancelForm(request.POST)
    if activity.status == Activity.Status.CANCELLED:
        messages.info(request, "该活动已取消。")
    elif not form.is_valid():
        messages.error(request, "取消原因：请填写取消原因。")
    else:
        services.activity_cancel(
            activity=activity, reason=form.cleaned_data["reason"], actor=request.user
        )
        messages.success(request, "活动已取消（记录保留，不计入达标）。")
    return redirect("orglife:activity_detail", pk=pk)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    activity = get_for_user(request, Activity, action="write", pk=pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(form.errors["attachments"]))
    else:
        with transaction.atomic():
            for upload in form.cleaned_data["attachments"]:
                attachments.attachment_add(activity=activity, upload=upload, actor=request.user)
        messages.success(request, f"已上传{len(form.cleaned_data['attachments'])}个附件。")
    return redirect("orglife:activity_detail", pk=pk)


def _attachment_for(request, pk: int, action: str) -> Attachment:
    user = request.user
    activities = Activity.objects.visible_to(user)
    visible = Attachment.objects.filter(withdrawn=False, activity__in=activities).select_related(
        "activity"
    )
    writable = None
    if action == "write":
        writable = Attachment.objects.filter(activity__in=Activity.objects.writable_by(user))
    return get_in_scope(request, visible, writable=writable, pk=pk)


@login_required
def attachment_download(request, pk: int):
    attachment = _attachment_for(request, pk, "read")
    return file_response(
        attachment.file, name=attachment.name, content_type=attachment.content_type
    )


@login_required
@require_POST
def attachment_withdraw(request, pk: int):
    attachment = _attachment_for(request, pk, "write")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        attachments.attachment_withdraw(
            attachment=attachment, reason=form.cleaned_data["reason"], actor=request.user
        )
        messages.success(request, f"已撤回附件“{attachment.name}”（文件留存备查）。")
    else:
        messages.error(request, "撤回原因：请填写撤回原因。")
    return redirect("orglife:activity_detail", pk=attachment.activity_id)


# --- QR sign-in --------------------------------------------------------------------------------------


@login_required
def signin(request, token: str):
    """The page a member's phone opens from the QR code. Only members of the organization learn anything."""
    activity = Activity.objects.filter(signin_token=token).select_related("organization").first()
    if activity is None or activity.status == Activity.Status.CANCELLED:
        return render(
            request, "orglife/signin.html", {"refused": "签到码无效或活动已取消。"}, status=404
        )
    member_id = scope_for(request.user).member_id
    is_member = (
        bool(member_id) and services.roster(activity.organization).filter(pk=member_id).exists()
    )
    context = {"activity": activity if is_member else None}
    if request.method == "POST":
        try:
            context["signed"] = services.signin(token=token, user=request.user)
        except services.SignInRefused as refusal:
            context["refused"] = str(refusal)
        return render(request, "orglife/signin.html", context, status=403 if not is_member else 200)
    if not is_member:
        audit.record(
            audit.Action.ACCESS_DENIED,
            request=request,
            instance=activity,
            detail="非本组织党员打开签到页",
        )
        context["refused"] = (
            "您不是本活动所属党组织的党员，不能签到。如有疑问，请联系所在支部书记。"
        )
        return render(request, "orglife/signin.html", context, status=403)
    context["already"] = activity.attendances.filter(
        member_id=member_id, signed_in_at__isnull=False
    ).first()
    context["window"] = _window(activity, timezone.now())
    return render(request, "orglife/signin.html", context)


# --- calendar -----------------------------------------------------------------------------------------


def _month(value: str, today: date) -> date:
    """'2026-11' -> its first day; anything else (or a year far outside use) -> this month."""
    try:
        year, month = (int(part) for part in value.split("-"))
        if 2000 <= year <= 2100:
            return date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


@login_required
def calendar(request):
    user = request.user
    today = timezone.localdate()
    first = _month(request.GET.get("month", ""), today)
    month = period_of("month", first)
    activities = Activity.objects.visible_to(user).filter(held_on__range=(month.start, month.end))
    kind = request.GET.get("kind", "")
    org = chosen_in_scope(request, Organization.objects.visible_to(user))
    if org is not None:
        activities = activities.filter(organization__path__startswith=org.path)
    filters = {"org": org.pk} if org else {}
    if kind in ActivityKind.values:
        activities = activities.filter(kind=kind)
        filters["kind"] = kind
    found = list(
        activities.select_related("organization").order_by("starts_at", "id")[: CALENDAR_LIMIT + 1]
    )
    by_day: dict[date, list] = {}
    for activity in found[:CALENDAR_LIMIT]:
        by_day.setdefault(activity.held_on, []).append(activity)
    weeks = [
        [(day, by_day.get(day, []), day.month == first.month) for day in week]
        for week in pycalendar.Calendar().monthdatescalendar(first.year, first.month)
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = month.end + timedelta(days=1)
    context = {
        "month": month,
        "weeks": weeks,
        "days": sorted(by_day.items()),
        "today": today,
        "weekdays": WEEKDAYS,
        "truncated": len(found) > CALENDAR_LIMIT,
        "limit": CALENDAR_LIMIT,
        "org": org,
        "kind": kind,
        "orgs": Organization.objects.visible_to(user)
        .active()
        .order_by("path")
        .values_list("pk", "name", "depth"),
        "kinds": ActivityKind.choices,
        "previous": f"{previous:%Y-%m}",
        "next": f"{following:%Y-%m}",
        "filters": "&" + urlencode(filters) if filters else "",
    }
    return render(request, "orglife/calendar.html", context)


# --- my attendance ------------------------------------------------------------------------------------


@login_required
def my_attendance(request):
    member = getattr(request.user, "member", None)
    today = timezone.localdate()
    if member is None:
        return render(request, "orglife/mine.html", {"member": None})
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= today.year else today.year
    rows = list(
        Attendance.objects.filter(
            member=member, activity__status=Activity.Status.COMPLETED, activity__held_on__year=year
        )
        .select_related("activity__organization")
        .order_by("-activity__starts_at")
    )
    context = {
        "member": member,
        "year": year,
        "years": range(today.year, today.year - 5, -1),
        "summary": member_attendance(member, year),
        "rows": rows,
    }
    return render(request, "orglife/mine.html", context)
