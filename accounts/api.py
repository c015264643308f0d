"""/api/v1/ accounts, role assignments, the caller's own profile and token login."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import admin_services, services
from accounts import serializers as s
from accounts.models import RoleAssignment, User
from core import roles
from core.api import ApiSchema, ScopedFilterSet, ScopedViewSet, ServiceErrorsMixin


@extend_schema_view(
    list=extend_schema(summary="用户列表"), retrieve=extend_schema(summary="用户详情")
)
class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Accounts for the system administrator (三员分立: party roles cannot manage accounts)."""

    model = User
    required_capability = write_capability = roles.MANAGE_USERS
    serializer_class = s.AccountSerializer
    serializer_classes = {"create": s.AccountCreateSerializer}
    filterset_fields = ["is_active", "must_change_password"]
    search_fields = ["username", "first_name", "last_name"]
    ordering_fields = ["username", "last_login"]

    def get_queryset(self):
        roles_in_scope = RoleAssignment.objects.visible_to(self.request.user).select_related(
            "organization", "user"
        )
        return (
            super()
            .get_queryset()
            .select_related("member__branch")
            .order_by("username")
            .prefetch_related(
                Prefetch("role_assignments", queryset=roles_in_scope, to_attr="visible_roles")
            )
        )

    @extend_schema(
        summary="新建用户",
        description="新账号首次登录须修改初始密码。",
        responses={201: s.AccountSerializer},
    )
    def create(self, request):
        user = admin_services.account_create(actor=request.user, **self.parse())
        return self.respond(self.get_queryset().get(pk=user.pk), status=201)


class RoleAssignmentFilter(ScopedFilterSet):
    user = filters.NumberFilter(label="用户编号", field_name="user_id")
    organization = filters.NumberFilter(label="组织编号", field_name="organization_id")
    role = filters.ChoiceFilter(label="角色", choices=roles.Role.choices)
    active = filters.BooleanFilter(label="仅当前有效", method="filter_active")

    class Meta:
        model = RoleAssignment
        fields = ["user", "organization", "role", "active"]

    def filter_active(self, queryset, name, value):
        active = RoleAssignment.objects.active().values("pk")
        return queryset.filter(pk__in=active) if value else queryset.exclude(pk__in=active)


@extend_schema_view(
    list=extend_schema(summary="角色授权列表"), retrieve=extend_schema(summary="角色授权详情")
)
class RoleAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """角色授权 under the organizations the system administrator manages; roles end, never vanish."""

    model = RoleAssignment
    required_capability = write_capability = roles.MANAGE_USERS
    serializer_class = s.RoleAssignmentSerializer
    serializer_classes = {"create": s.RoleAssignmentCreateSerializer, "end": s.RoleRevokeSerializer}
    filterset_class = RoleAssignmentFilter
    ordering_fields = ["started_on", "role"]

    def get_queryset(self):
        return super().get_queryset().select_related("user", "organization")

    def writable_queryset(self):
        return self.get_queryset()  # MANAGE_USERS is both the right to see and to change

    @extend_schema(
        summary="授予角色",
        description="不能给自己授予角色。",
        responses={201: s.RoleAssignmentSerializer},
    )
    def create(self, request):
        assignment = admin_services.role_grant(actor=request.user, **self.parse())
        return self.respond(assignment, status=201)

    @extend_schema(summary="结束角色授权", responses=s.RoleAssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        admin_services.role_revoke(actor=request.user, assignment=assignment, **self.parse())
        return self.respond(assignment)


@extend_schema_view(
    get=extend_schema(summary="本人信息", description="账号、姓名、当前角色及所在组织、对应党员。")
)
class MeView(ServiceErrorsMixin, generics.RetrieveAPIView):
    """The caller's own profile; reachable even before a required password change, to learn of it."""

    schema = ApiSchema()
    serializer_class = s.MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self):
        user = self.request.user
        user.active_roles = list(user.role_assignments.active().select_related("organization"))
        return user


class TokenView(ServiceErrorsMixin, ObtainAuthToken):
    """Username (or phone) and password for a token; wrong passwords count toward the lockout."""

    schema = ApiSchema()

    @extend_schema(
        summary="获取接口令牌",
        description="用户名或手机号加密码换取令牌；连续输错密码与网页登录一样计入锁定次数。",
        request=AuthTokenSerializer,
        responses=s.TokenSerializer,
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        # authenticate() inside reports failures to accounts.signals, which counts them for the lockout.
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        services.login_succeeded(user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
