"""/api/v1/ organizations, units, positions and terms: scoped reads, writes through orgs.services."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action

from core.api import ScopedFilterSet, ScopedViewSet
from orgs import serializers as s
from orgs import services
from orgs.models import Organization, OrgKind, Position, PositionKind, Term, Unit
from orgs.selectors import summarize


class OrganizationFilter(ScopedFilterSet):
    kind = filters.ChoiceFilter(label="组织类型", choices=OrgKind.choices)
    status = filters.ChoiceFilter(label="状态", choices=Organization.Status.choices)
    parent = filters.NumberFilter(label="上级组织编号（直接下级）", field_name="parent_id")
    under = filters.ModelChoiceFilter(
        label="某组织及其全部下级",
        queryset=Organization.objects.none(),
        method="filter_under",
    )

    class Meta:
        model = Organization
        fields = ["kind", "status", "parent", "under"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An organization outside the user's scope is "not a valid choice", never a subtree to count.
        self.filters["under"].queryset = Organization.objects.visible_to(self.user)

    @extend_schema_field(OpenApiTypes.INT)  # the parameter is an organization id
    def filter_under(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path)


class UnitFilter(ScopedFilterSet):
    kind = filters.ChoiceFilter(label="单位类别", choices=Unit.Kind.choices)
    organization = filters.NumberFilter(label="所属党组织编号", field_name="organization_id")
    is_active = filters.BooleanFilter(label="在用")

    class Meta:
        model = Unit
        fields = ["kind", "organization", "is_active"]


class TermFilter(ScopedFilterSet):
    organization = filters.NumberFilter(label="党组织编号", field_name="organization_id")

    class Meta:
        model = Term
        fields = ["organization"]


def with_summary(org: Organization) -> Organization:
    org.summary = summarize([org])[0]
    return org


@extend_schema_view(
    list=extend_schema(
        summary="党组织列表", description="仅含本人角色所辖范围内的组织；党员只看到本人所在支部。"
    ),
    retrieve=extend_schema(
        summary="党组织详情", description="含党员人数、班子配备、任期与规则提醒。"
    ),
)
class OrganizationViewSet(mixins.ListModelMixin, ScopedViewSet):
    """党组织: the tree within the user's scope. Closing one is a merge or dissolution, never a delete."""

    model = Organization
    serializer_class = s.OrganizationDetailSerializer
    serializer_classes = {
        "list": s.OrganizationSerializer,
        "children": s.OrganizationSerializer,
        "create": s.OrganizationCreateSerializer,
        "update": s.OrganizationUpdateSerializer,
        "partial_update": s.OrganizationUpdateSerializer,
        "move": s.OrganizationMoveSerializer,
        "merge": s.OrganizationMergeSerializer,
        "dissolve": s.OrganizationDissolveSerializer,
    }
    filterset_class = OrganizationFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["path", "name", "sort_order", "depth", "established_on"]

    def get_queryset(self):
        return super().get_queryset().select_related("parent", "unit")

    def retrieve(self, request, pk=None):
        return self.respond(with_summary(self.get_object()))

    @extend_schema(
        summary="新建党组织",
        description="须对上级党组织有维护权限。",
        responses={201: s.OrganizationDetailSerializer},
    )
    def create(self, request):
        org = services.organization_create(actor=request.user, **self.parse())
        return self.respond(with_summary(org), status=201)

    @extend_schema(
        summary="修改党组织",
        description="更名记入组织沿革；调整隶属关系请用 move。",
        responses=s.OrganizationDetailSerializer,
    )
    def update(self, request, pk=None, partial=False):
        org = self.get_object()
        services.organization_update(
            org=org, actor=request.user, **self.parse(instance=org, partial=partial)
        )
        return self.respond(with_summary(org))

    @extend_schema(summary="修改党组织（部分字段）", responses=s.OrganizationDetailSerializer)
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(summary="直接下级组织", responses=s.OrganizationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def children(self, request, pk=None):
        """Direct sub-organizations within the user's scope."""
        org = self.get_object()
        return self.paginated(
            self.filter_queryset(self.get_queryset().filter(parent=org)), s.OrganizationSerializer
        )

    @extend_schema(
        summary="调整隶属关系",
        description="须对本组织和新的上级组织都有维护权限。",
        responses=s.OrganizationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """调整隶属关系: needs write scope over the organization and its new parent."""
        org, data = self.get_object(), self.parse()
        org = services.organization_move(
            org=org, new_parent=data["parent"], on=data["on"], actor=request.user
        )
        return self.respond(with_summary(org))

    @extend_schema(
        summary="合并党组织",
        description="下级组织和党员转入目标组织，本组织保留为历史记录。",
        responses=s.OrganizationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """合并: sub-organizations and members move to the target; this one stays as history."""
        org, data = self.get_object(), self.parse()
        services.organization_merge(org=org, actor=request.user, **data)
        return self.respond(with_summary(org))

    @extend_schema(
        summary="撤销党组织",
        description="仅当其下已无正常状态的下级组织和党员时可撤销。",
        responses=s.OrganizationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        """撤销: only an organization with no active sub-organization or member left."""
        org, data = self.get_object(), self.parse()
        services.organization_dissolve(org=org, actor=request.user, **data)
        return self.respond(with_summary(org))


@extend_schema_view(
    list=extend_schema(summary="机关单位列表"),
    retrieve=extend_schema(summary="机关单位详情"),
    update=extend_schema(summary="修改机关单位"),
    partial_update=extend_schema(summary="修改机关单位（部分字段）"),
)
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """机关单位 bound to organizations in scope; units are retired (is_active), never deleted."""

    model = Unit
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name"]
    ordering_fields = ["name", "total_staff"]

    def get_queryset(self):
        return super().get_queryset().select_related("organization")

    @extend_schema(
        summary="新建机关单位",
        description="须绑定本人可维护的党组织。",
        responses={201: s.UnitSerializer},
    )
    def create(self, request):
        unit = services.unit_save(unit=Unit(**self.parse()), actor=request.user)
        return self.respond(unit, status=201)

    def update(self, request, pk=None, partial=False):
        unit = self.get_object()
        for field, value in self.parse(instance=unit, partial=partial).items():
            setattr(unit, field, value)
        return self.respond(services.unit_save(unit=unit, actor=request.user))

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


class PositionFilter(ScopedFilterSet):
    organization = filters.NumberFilter(label="党组织编号", field_name="organization_id")
    member = filters.NumberFilter(label="党员编号", field_name="member_id")
    kind = filters.ChoiceFilter(label="职务", choices=PositionKind.choices)
    current = filters.BooleanFilter(label="仅现任", method="filter_current")

    class Meta:
        model = Position
        fields = ["organization", "member", "kind", "current"]

    def filter_current(self, queryset, name, value):
        current = Position.objects.current().values("pk")
        return queryset.filter(pk__in=current) if value else queryset.exclude(pk__in=current)


@extend_schema_view(
    list=extend_schema(summary="组织职务列表"), retrieve=extend_schema(summary="组织职务详情")
)
class PositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """组织职务: appointed and ended, never deleted, so the record of who held what stays."""

    model = Position
    serializer_class = s.PositionSerializer
    serializer_classes = {"end": s.PositionEndSerializer}
    filterset_class = PositionFilter
    ordering_fields = ["started_on", "kind"]

    def get_queryset(self):
        return super().get_queryset().select_related("organization", "member")

    @extend_schema(summary="任命职务", responses={201: s.PositionSerializer})
    def create(self, request):
        position = services.position_appoint(actor=request.user, **self.parse())
        return self.respond(position, status=201)

    @extend_schema(summary="职务离任", responses=s.PositionSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """离任: sets the end date of a current position."""
        position = services.position_end(
            position=self.get_object(), actor=request.user, **self.parse()
        )
        return self.respond(position)


@extend_schema_view(list=extend_schema(summary="任期列表"))
class TermViewSet(mixins.ListModelMixin, ScopedViewSet):
    """任期 of organizations in scope; a new term is registered at each election."""

    model = Term
    serializer_class = s.TermSerializer
    serializer_classes = {"create": s.TermCreateSerializer}
    filterset_class = TermFilter
    ordering_fields = ["started_on", "expires_on"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Term.objects.none()
        # Terms have no scoped manager of their own: they follow their organization's visibility.
        visible = Organization.objects.visible_to(self.request.user)
        return Term.objects.filter(organization__in=visible).select_related("organization")

    @extend_schema(summary="登记新一届任期", responses={201: s.TermSerializer})
    def create(self, request):
        term = services.term_start(actor=request.user, **self.parse())
        return self.respond(term, status=201)
