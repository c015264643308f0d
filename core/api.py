"""What every /api/v1/ viewset shares: scoped querysets, audited refusals, service errors as 400.

The scope rules themselves live in the models' visible_to / writable_by and in core.access;
this module only adapts them to Django REST Framework.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core import roles
from core.access import get_in_scope, require_capability

# Model fields whose service errors belong to the plaintext field the client sent.
ERROR_FIELD_ALIASES = {"id_number_enc": "id_number", "phone_enc": "phone", "__all__": None}


def service_errors(exc: DjangoValidationError) -> dict:
    """A service's ValidationError as DRF error data keyed by request field (Chinese messages kept)."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    out: dict[str, list[str]] = {}
    for key, errors in exc.message_dict.items():
        key = ERROR_FIELD_ALIASES.get(key, key) or api_settings.NON_FIELD_ERRORS_KEY
        out.setdefault(key, [])
        out[key].extend(m for m in errors if m not in out[key])
    return out


class PasswordPolicy(permissions.BasePermission):
    """An initial or expired password must be changed on the web first: the API is no way around that."""

    message = "请先登录网页修改初始密码或已过期的密码，再使用接口。"

    def has_permission(self, request, view):
        from accounts.services import password_expired  # accounts builds on core: import late

        user = request.user
        return not (getattr(user, "must_change_password", False) or password_expired(user))


class CapabilityRequired(permissions.BasePermission):
    """The view's `required_capability`, if it names one, held somewhere (refusals audited)."""

    def has_permission(self, request, view):
        capability = getattr(view, "required_capability", None)
        if capability:
            require_capability(request, capability)
        return True


class ScopedFilterSet(filters.FilterSet):
    """A filter set that knows the requesting user, to keep its choices within the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ScopedFilterBackend(filters.DjangoFilterBackend):
    """Hands the requesting user to the filter set so its choices stay within the user's scope."""

    filterset_base = ScopedFilterSet

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A foreign key accepting only objects in the requesting user's scope (`limit(queryset, user)`)."""

    default_error_messages = {
        "does_not_exist": "编号为 {pk_value} 的记录不存在，或不在您可操作的组织范围内。",
        "incorrect_type": "应填写记录编号（整数），收到的是 {data_type}。",
    }

    def __init__(self, *, limit, **kwargs):
        self.limit = limit
        super().__init__(**kwargs)

    def fail(self, key, **kwargs):
        """Name the field in the message when it has a Chinese label (DRF's default label is the
        English field name, which stays out of the message)."""
        label = self.label or ""
        if key not in self.error_messages or label.isascii():
            super().fail(key, **kwargs)
        message = self.error_messages[key].format(**kwargs)
        raise serializers.ValidationError(f"{label}：{message}", code=key)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:  # no caller, no choices
            return self.queryset.none()
        return self.limit(self.queryset.all(), request.user)


def writable(model, **kwargs) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(
        queryset=model.objects.all(), limit=lambda qs, user: qs.writable_by(user), **kwargs
    )


def visible(model, **kwargs) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(
        queryset=model.objects.all(), limit=lambda qs, user: qs.visible_to(user), **kwargs
    )


def users(choices, **kwargs) -> ScopedPrimaryKeyField:
    """A user field accepting only the active accounts in `choices(caller)` (a queryset of users
    the app lets the caller pick, e.g. role holders under them): never the whole city's."""
    from accounts.models import User  # accounts builds on core: import late

    return ScopedPrimaryKeyField(
        queryset=User.objects.filter(is_active=True),
        limit=lambda qs, user: qs.filter(pk__in=choices(user).values("pk")),
        **kwargs,
    )


def enum_field(choices, component_name: str):
    """A ChoiceField class whose schema is one named component, so equal field names never collide."""
    schema = {
        "type": "string",
        "enum": list(choices.values),
        "description": "\n".join(f"* `{value}` - {label}" for value, label in choices.choices),
    }

    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    EnumField.__name__ = EnumField.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return extend_schema_field(schema, component_name=component_name)(EnumField)


class ServiceErrorsMixin:
    """Services raise Django's exceptions; answer them as DRF would, keeping their Chinese messages."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(service_errors(exc))
        elif isinstance(exc, Http404):
            exc = exceptions.NotFound(str(exc) or None)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


# Apps whose serializers have short domain names (Review, Progress, Case …): their schema components
# are prefixed with the app, so two apps' "Case" never collide.
PREFIXED_APPS = {
    "evaluation",
    "publicity",
    "dual_excellence",
    "responsibility",
    "secretary_review",
    "member_review",
    "supervision",
    "work_plans",
    "weak_orgs",
}


class ApiSchema(AutoSchema):
    """Operations are described in Chinese through extend_schema; English docstrings stay for developers."""

    def get_description(self):
        return ""

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        app = type(serializer).__module__.split(".")[0]
        if app not in PREFIXED_APPS:
            return name
        prefix = "".join(part.capitalize() for part in app.split("_"))
        return name if name.startswith(prefix) else prefix + name


class ScopedViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Lists `model.objects.visible_to(user)`; one object: 404 outside scope, 403 when only readable.

    Refusals are audited (core.access). Creating needs `write_capability` somewhere; which
    organization a new record may go under is decided by the scoped fields of the input serializer.
    """

    model = None
    schema = ApiSchema()
    write_capability = roles.WRITE
    required_capability = None
    lookup_value_converter = "int"  # a non-numeric id is a 404 at URL resolution
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy, CapabilityRequired]
    filter_backends = [ScopedFilterBackend, SearchFilter, OrderingFilter]
    serializer_classes: dict = {}  # action -> serializer class, falling back to serializer_class

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.model.objects.none()
        return self.model.objects.visible_to(self.request.user)

    def writable_queryset(self):
        return self.model.objects.writable_by(self.request.user)

    def get_object(self):
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        write = self.request.method not in permissions.SAFE_METHODS
        obj = get_in_scope(
            self.request,
            self.get_queryset(),
            writable=self.writable_queryset() if write else None,
            **lookup,
        )
        self.check_object_permissions(self.request, obj)
        return obj

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, self.serializer_class)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action == "create":
            require_capability(request, self.write_capability)

    def parse(self, serializer_class=None, *, instance=None, partial=False, context=None) -> dict:
        """Validated input of the request body. Input serializers never save: services do.

        `context` adds what scoped fields need to know (the object acted on, say)."""
        serializer_class = serializer_class or self.get_serializer_class()
        serializer = serializer_class(
            instance,
            data=self.request.data,
            partial=partial,
            context={**self.get_serializer_context(), **(context or {})},
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, obj, *, status=200, serializer_class=None):
        serializer_class = serializer_class or self.serializer_class
        data = serializer_class(obj, context=self.get_serializer_context()).data
        return Response(data, status=status)

    def paginated(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)
