"""Member filters shared by the list page, its export and the API."""

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from members.models import Member
from members.selectors import member_search
from orgs.models import Organization, Unit


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名/拼音首字母/单位", method="filter_q")
    organization = django_filters.ModelChoiceFilter(
        label="所在组织（含下级）",
        queryset=Organization.objects.none(),
        method="filter_organization",
    )
    unit = django_filters.ModelChoiceFilter(label="工作单位", queryset=Unit.objects.none())
    gender = django_filters.ChoiceFilter(label="性别", choices=Member.Gender.choices)
    membership_kind = django_filters.ChoiceFilter(
        label="党员类型", choices=Member.MembershipKind.choices
    )
    category = django_filters.ChoiceFilter(label="党员类别", choices=Member.Category.choices)
    education = django_filters.ChoiceFilter(label="学历", choices=Member.Education.choices)
    status = django_filters.ChoiceFilter(label="党籍状态", choices=Member.Status.choices)
    joined_after = django_filters.DateFilter(
        label="入党日期起", field_name="joined_on", lookup_expr="gte"
    )
    joined_before = django_filters.DateFilter(
        label="入党日期止", field_name="joined_on", lookup_expr="lte"
    )

    class Meta:
        model = Member
        fields = [
            "q",
            "organization",
            "unit",
            "gender",
            "membership_kind",
            "category",
            "education",
            "status",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        request_user = user or getattr(self.request, "user", None)
        # Choices are limited to what the user may see: an outsider's ID gives "not a valid choice".
        self.filters["organization"].queryset = Organization.objects.visible_to(request_user)
        self.filters["unit"].queryset = Unit.objects.visible_to(request_user)

    def filter_q(self, queryset, name, value):
        return member_search(queryset, value)

    @extend_schema_field(OpenApiTypes.INT)  # the parameter is an organization id
    def filter_organization(self, queryset, name, value):
        return queryset.filter(Q(branch__path__startswith=value.path))
