"""公示 (public notices): a list of proposed results shown for a set number of days, open to objections.

A notice names its subjects generically (model label + pk) so every kind of result — star ratings,
双优 nominations, later others — shares one notice board and one objection procedure.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import roles
from core.scoping import scope_for
from orgs.models import PATH_SEGMENT_WIDTH


class PublicNoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Notices of an organization the user reads, stands under, or whose subtree holds the user's scope."""
        scope = scope_for(user)
        query = Q(pk__in=[])
        for prefix in scope.prefixes(roles.READ):
            # A reader of a branch sees notices its superiors published for the whole area.
            query |= Q(organization__path__startswith=prefix)
            query |= Q(organization__path__in=_ancestors(prefix))
        if scope.member_branch_path:
            query |= Q(organization__path__in=_ancestors(scope.member_branch_path))
        return self.filter(query)

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


def _ancestors(path: str) -> list[str]:
    """The path itself and the paths of all its ancestors (fixed-width segments)."""
    width = PATH_SEGMENT_WIDTH + 1
    return [path[: i + width] for i in range(0, len(path), width)]


class PublicNotice(models.Model):
    """A 公示 published by an organization for a period; its items are the results proposed."""

    title = models.CharField("公示标题", max_length=200)
    body = models.TextField("公示说明", blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="发布组织",
        on_delete=models.PROTECT,
        related_name="public_notices",
    )
    starts_on = models.DateField("公示开始日期")
    ends_on = models.DateField("公示截止日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    objects = PublicNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "公示"
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return self.title

    def is_open(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on

    def has_ended(self, today: date) -> bool:
        return today > self.ends_on


class NoticeItem(models.Model):
    """One subject of a notice, e.g. a branch proposed for four stars."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="items")
    subject_type = models.CharField("对象类型", max_length=100)
    subject_id = models.PositiveBigIntegerField("对象编号")
    label = models.CharField("公示内容", max_length=300)
    order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "公示事项"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "subject_type", "subject_id"], name="notice_item_unique_subject"
            )
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self):
        return self.label


class Objection(models.Model):
    """An objection lodged against one item during the notice; answered by the publishing organization.

    Who lodged it is shown only to those who answer it (protects the person raising it).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待答复"
        UPHELD = "upheld", "异议成立"
        REJECTED = "rejected", "异议不成立"

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="objections")
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提出人"
    )
    content = models.TextField("异议内容")
    lodged_at = models.DateTimeField("提出时间", auto_now_add=True)
    status = models.CharField(
        "处理结果", max_length=16, choices=Status.choices, default=Status.PENDING
    )
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公示异议"
        ordering = ["lodged_at", "pk"]

    def __str__(self):
        return f"{self.item.label}：{self.get_status_display()}"
