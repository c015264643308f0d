"""/api/v1/ responsibility templates, lists and items; registered by dangjian.api_urls.

Same scoping as the pages: lists and items through visible_to / writable_by (404 outside scope, 403
read-only), confirm and return only for writers of a superior organization, templates changed only
by 机关工委 administrators. Writes go through responsibility.services.
"""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import get_in_scope
from core.api import ScopedFilterSet, ScopedViewSet
from orgs.models import Organization
from responsibility import selectors, services
from responsibility import serializers as s
from responsibility.models import (
    EvidenceFile,
    Level,
    ListItem,
    ListTemplate,
    ResponsibilityList,
    TemplateItem,
)


class TemplateFilter(ScopedFilterSet):
    year = filters.NumberFilter(label="年度")
    level = filters.ChoiceFilter(label="书记层级", choices=Level.choices)
    work_committee = filters.ModelChoiceFilter(
        label="机关工委", queryset=Organization.objects.none()
    )

    class Meta:
        model = ListTemplate
        fields = ["year", "level", "work_committee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the 工委 whose templates the user reads, never every organization of the city.
        committees = ListTemplate.objects.visible_to(self.user).values("work_committee")
        self.filters["work_committee"].queryset = Organization.objects.filter(pk__in=committees)


@extend_schema_view(
    list=extend_schema(
        summary="责任清单模板列表", description="本人所在或所辖组织上级机关工委的模板。"
    ),
    retrieve=extend_schema(summary="责任清单模板详情（含事项）"),
)
class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ListTemplate
    serializer_class = s.TemplateSerializer
    serializer_classes = {"prepare": s.PrepareSerializer}  # the browsable API's form too
    filterset_class = TemplateFilter

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("work_committee")
            .prefetch_related("items")
            .order_by("-year", "level")
        )

    @extend_schema(
        summary="新建年度模板（复制上年，无上年则默认内容）",
        request=s.PrepareSerializer,
        responses={201: s.TemplateSerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def prepare(self, request):
        services.require_manager(request.user, request=request)
        data = self.parse(s.PrepareSerializer)
        committee = get_in_scope(
            request, Organization.objects.writable_by(request.user), pk=data["work_committee"].pk
        )
        created = services.templates_prepare(
            work_committee=committee, year=data["year"], actor=request.user
        )
        fresh = self.get_queryset().filter(pk__in=[t.pk for t in created])
        return Response(s.TemplateSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="下发（或补发）模板",
        description="为该层级尚无清单的党组织生成清单，并按现任书记更新已有清单的责任人。",
        request=None,
        responses=s.IssueResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        result = services.template_issue(template=self.get_object(), actor=request.user)
        return Response(s.IssueResultSerializer(result).data)


class TemplateItemViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):
    """Items of a template not yet issued; 机关工委 administrators only."""

    model = TemplateItem
    serializer_class = s.TemplateItemSerializer
    serializer_classes = {"create": s.TemplateItemInputSerializer}
    http_method_names = ["post", "patch", "delete"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TemplateItem.objects.none()
        templates = ListTemplate.objects.visible_to(self.request.user)
        return TemplateItem.objects.filter(template__in=templates).select_related("template")

    def writable_queryset(self):
        return TemplateItem.objects.filter(
            template__in=ListTemplate.objects.writable_by(self.request.user)
        )

    @extend_schema(
        summary="新增模板事项",
        request=s.TemplateItemInputSerializer,
        responses={201: s.TemplateItemSerializer},
    )
    def create(self, request):
        data = self.parse(s.TemplateItemInputSerializer)
        template = data.pop("template")
        templates = ListTemplate.objects.visible_to(request.user)
        template = get_in_scope(
            request,
            templates,
            writable=ListTemplate.objects.writable_by(request.user),
            pk=template.pk,
        )
        item = services.template_item_save(template=template, data=data, actor=request.user)
        return self.respond(item, status=status.HTTP_201_CREATED)

    @extend_schema(summary="修改模板事项", request=s.TemplateItemSerializer)
    def partial_update(self, request, pk=None):
        item = self.get_object()
        data = self.parse(s.TemplateItemSerializer, instance=item, partial=True)
        item = services.template_item_save(
            template=item.template, data=data, actor=request.user, item=item
        )
        return self.respond(item)

    @extend_schema(summary="删除模板事项")
    def destroy(self, request, pk=None):
        services.template_item_delete(item=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListFilter(ScopedFilterSet):
    year = filters.NumberFilter(label="年度")
    level = filters.ChoiceFilter(label="书记层级", choices=Level.choices)
    organization = filters.NumberFilter(label="党组织编号", field_name="organization_id")
    under = filters.ModelChoiceFilter(
        label="某组织及其全部下级的清单",
        queryset=Organization.objects.none(),
        method="filter_under",
    )
    pending = filters.BooleanFilter(label="有待确认事项", method="filter_pending")

    class Meta:
        model = ResponsibilityList
        fields = ["year", "level", "organization", "under", "pending"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["under"].queryset = Organization.objects.visible_to(self.user)

    @extend_schema_field(OpenApiTypes.INT)  # the parameter is an organization id
    def filter_under(self, queryset, name, value):
        return queryset.filter(organization__path__startswith=value.path)

    def filter_pending(self, queryset, name, value):
        return queryset.filter(submitted_count__gt=0) if value else queryset


@extend_schema_view(
    list=extend_schema(
        summary="书记责任清单列表",
        description="含完成率（已确认事项权重 ÷ 全部事项权重）和自报进度；仅含本人所辖范围及本人任书记的清单。",
    ),
    retrieve=extend_schema(summary="书记责任清单详情（含事项）"),
)
class ListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ResponsibilityList
    serializer_class = s.ListDetailSerializer
    serializer_classes = {"list": s.ListSerializer}
    filterset_class = ListFilter
    search_fields = ["organization__name", "secretary__name"]
    ordering_fields = ["year", "organization__path"]

    def get_queryset(self):
        files = Prefetch("items__files", queryset=EvidenceFile.objects.filter(withdrawn=False))
        queryset = selectors.lists_table(super().get_queryset())
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("items", files)
        return queryset

    @extend_schema(
        summary="提交全部已完成事项",
        description="完成进度达到100%并有佐证材料的事项一并提交上级党组织确认。",
        request=None,
        responses=s.SubmitResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        count = services.list_submit(responsibility_list=self.get_object(), actor=request.user)
        return Response({"submitted": count})


class ItemFilter(ScopedFilterSet):
    list = filters.NumberFilter(label="清单编号", field_name="list_id")
    status = filters.ChoiceFilter(label="状态", choices=ListItem.Status.choices)
    year = filters.NumberFilter(label="年度", field_name="list__year")

    class Meta:
        model = ListItem
        fields = ["list", "status", "year"]


REVIEW_ACTIONS = ("confirm", "return_item")


@extend_schema_view(
    list=extend_schema(summary="责任清单事项列表"),
    retrieve=extend_schema(summary="责任清单事项详情"),
)
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ListItem
    serializer_class = s.ItemSerializer
    serializer_classes = {
        "progress": s.ProgressSerializer,
        "evidence": s.EvidenceUploadSerializer,
        "return_item": s.ReturnSerializer,
    }
    filterset_class = ItemFilter
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("files").order_by("list_id", "order", "pk")

    def writable_queryset(self):
        if self.action in REVIEW_ACTIONS:
            return ListItem.objects.reviewable_by(self.request.user)
        return super().writable_queryset()

    def _answer(self, item):
        return self.respond(self.get_queryset().get(pk=item.pk))

    @extend_schema(summary="更新进度", request=s.ProgressSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        item = self.get_object()
        data = self.parse(s.ProgressSerializer)
        return self._answer(services.item_progress(item=item, actor=request.user, **data))

    @extend_schema(
        summary="上传佐证材料", request=s.EvidenceUploadSerializer, responses=s.ItemSerializer
    )
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        item = self.get_object()
        data = self.parse(s.EvidenceUploadSerializer)
        services.evidence_add(item=item, upload=data["file"], actor=request.user)
        return self._answer(item)

    @extend_schema(summary="提交上级确认", request=None, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.item_submit(item=self.get_object(), actor=request.user))

    @extend_schema(summary="上级确认完成", request=None, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._answer(services.item_confirm(item=self.get_object(), actor=request.user))

    @extend_schema(summary="上级退回", request=s.ReturnSerializer, responses=s.ItemSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_item(self, request, pk=None):
        item = self.get_object()
        data = self.parse(s.ReturnSerializer)
        return self._answer(
            services.item_return(item=item, actor=request.user, reason=data["reason"])
        )


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("responsibility-templates", TemplateViewSet, basename="responsibility-template")
    router.register(
        "responsibility-template-items",
        TemplateItemViewSet,
        basename="responsibility-template-item",
    )
    router.register("responsibility-lists", ListViewSet, basename="responsibility-list")
    router.register("responsibility-items", ItemViewSet, basename="responsibility-item")


extra_urls = []
