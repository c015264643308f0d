"""/api/v1/members/: scoped member records, masked numbers, writes through members.services."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter

from core.api import ScopedFilterBackend, ScopedViewSet
from members import serializers as s
from members import services
from members.filters import MemberFilter
from members.models import Member, MembershipPeriod
from members.selectors import member_by_id_number, members_for_list
from orgs.models import Position

# Numbers that identify a person never travel in a URL (access logs, browser history, Referer).
URL_FORBIDDEN_PARAMS = ("id_number", "phone")


@extend_schema_view(
    list=extend_schema(
        summary="党员列表",
        description="身份证号、手机号按角色脱敏；不接受网址中的身份证号、手机号。",
    ),
    retrieve=extend_schema(summary="党员详情", description="含组织关系历史和现任职务。"),
)
class MemberViewSet(mixins.ListModelMixin, ScopedViewSet):
    """党员: records within the user's scope. Membership ends by a status change, never a delete."""

    model = Member
    serializer_class = s.MemberDetailSerializer
    serializer_classes = {
        "list": s.MemberSerializer,
        "lookup": s.MemberLookupSerializer,
        "create": s.MemberInputSerializer,
        "update": s.MemberInputSerializer,
        "partial_update": s.MemberInputSerializer,
        "transfer": s.MemberTransferSerializer,
        "status": s.MemberStatusSerializer,
    }
    filter_backends = [ScopedFilterBackend, OrderingFilter]  # MemberFilter's `q` is the search
    filterset_class = MemberFilter
    ordering_fields = ["name", "joined_on", "birth_date"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        sent = [name for name in URL_FORBIDDEN_PARAMS if name in request.query_params]
        if sent:
            message = "身份证号、手机号不能放在网址中查询，请用 POST /api/v1/members/lookup/ 提交"
            raise exceptions.ValidationError({name: [message] for name in sent})

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        queryset = members_for_list(self.request.user)
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(
            Prefetch(
                "membership_periods",
                queryset=MembershipPeriod.objects.select_related("organization"),
            ),
            Prefetch(
                "positions",
                queryset=Position.objects.current().select_related("organization"),
                to_attr="current_positions",
            ),
        )

    def answer(self, member: Member, status=200):
        """The member re-read the way retrieve reads it: history, positions and masking all current."""
        return self.respond(self.get_queryset().get(pk=member.pk), status=status)

    def retrieve(self, request, pk=None):
        return self.respond(self.get_object())

    @extend_schema(
        summary="新建党员档案",
        description="须对所在党支部有维护权限。",
        responses={201: s.MemberDetailSerializer},
    )
    def create(self, request):
        member = services.member_create(actor=request.user, **self.parse())
        return self.answer(member, status=201)

    @extend_schema(
        summary="修改党员档案",
        description="更换党支部按组织关系转接记入历史。",
        responses=s.MemberDetailSerializer,
    )
    def update(self, request, pk=None, partial=False):
        member = self.get_object()
        services.member_update(member=member, actor=request.user, **self.parse(partial=partial))
        return self.answer(member)

    @extend_schema(summary="修改党员档案（部分字段）", responses=s.MemberDetailSerializer)
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(
        summary="按身份证号精确查找",
        description="身份证号放在请求体中提交，只在本人可查看范围内查找。",
        responses=s.MemberSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request):
        """Exact search by ID number, sent in the body (matched by keyed digest, never stored in plain)."""
        found = member_by_id_number(self.get_queryset(), self.parse()["id_number"])
        return self.paginated(found, s.MemberSerializer)  # same shape as the list

    @extend_schema(
        summary="组织关系转接（平台内）",
        description="须对转入党支部有维护权限。",
        responses=s.MemberDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """组织关系转接 between branches on this platform; the membership history records it."""
        member, data = self.get_object(), self.parse()
        services.member_transfer_internal(
            member=member,
            to_branch=data["to_branch"],
            on=data["on"],
            reason=data["reason"],
            actor=request.user,
        )
        return self.answer(member)

    @extend_schema(
        summary="变更党籍状态",
        description="转出、停止党籍、除名等只改状态，不删除档案。",
        responses=s.MemberDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """党籍状态 change (转出, 停止党籍, 除名 …): the record stays, its current membership period ends."""
        member = self.get_object()
        services.member_set_status(member=member, actor=request.user, **self.parse())
        return self.answer(member)
