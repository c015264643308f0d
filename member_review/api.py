"""REST API of member_review; registered on /api/v1/ by dangjian.api_urls.

/member-reviews/ and /member-review-entries/ and /member-review-rectifications/ follow the page
scoping (branch readers read, writers act; 404 outside scope, 403 read-only). A member's own
results, self-assessment and anonymous ballot live under /me/member-review/.
"""

from django.http import Http404
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import get_in_scope, refuse
from core.api import ApiSchema, PasswordPolicy, ScopedFilterSet, ScopedViewSet, ServiceErrorsMixin
from core.scoping import scope_for
from member_review import selectors, services
from member_review import serializers as s
from member_review.models import MemberReview, Rectification, ReviewEntry


class ReviewFilter(ScopedFilterSet):
    year = filters.NumberFilter(label="年度")
    status = filters.ChoiceFilter(label="阶段", choices=MemberReview.Status.choices)
    branch = filters.NumberFilter(label="党支部编号", field_name="branch_id")

    class Meta:
        model = MemberReview
        fields = ["year", "status", "branch"]


@extend_schema_view(
    list=extend_schema(summary="民主评议党员列表", description="本人所辖支部的评议及进度。"),
    retrieve=extend_schema(summary="民主评议党员详情"),
)
class MemberReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = MemberReview
    serializer_class = s.ReviewSerializer
    serializer_classes = {
        "create": s.ReviewOpenSerializer,
        "proposals": s.ProposalsSerializer,
        "decide": s.DecideSerializer,
    }
    filterset_class = ReviewFilter
    ordering_fields = ["year", "status"]

    def get_queryset(self):
        return selectors.reviews_with_progress(super().get_queryset()).order_by(
            "-year", "branch__path"
        )

    def answer(self, review, status=200):
        return self.respond(self.get_queryset().get(pk=review.pk), status=status)

    @extend_schema(
        summary="启动民主评议",
        description="为本人可维护的党支部启动某年度评议（每年一次，R-LIFE-6），"
        "党籍状态正常的党员均列入参评名单。",
        responses={201: s.ReviewSerializer},
    )
    def create(self, request):
        data = self.parse()
        return self.answer(services.review_open(**data, actor=request.user), status=201)

    @extend_schema(summary="进入下一阶段", request=None, responses=s.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        return self.answer(services.review_advance(review=self.get_object(), actor=request.user))

    @extend_schema(
        summary="保存支委会意见",
        description="逐人提出等次意见；优秀人数不得超过参评人数×R-MEM-3比例（向下取整），否则 400。",
        responses=s.ReviewSerializer,
    )
    @action(detail=True, methods=["post"])
    def proposals(self, request, pk=None):
        review = self.get_object()
        items = self.parse()["proposals"]
        proposals = {
            i["entry"]: {"grade": i.get("grade", ""), "note": i.get("note", "")} for i in items
        }
        return self.answer(
            services.proposals_save(review=review, proposals=proposals, actor=request.user)
        )

    @extend_schema(
        summary="登记支部大会审议结果",
        description="确定每名党员的等次（未列出的取支委会意见），同样检查优秀比例；"
        "不合格正式党员自动建立限期改正，不合格预备党员须决定延长预备期或取消预备党员资格。",
        responses=s.ReviewSerializer,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = self.get_object()
        data = self.parse()
        decisions = {i["entry"]: i for i in data.get("decisions", [])}
        return self.answer(
            services.review_decide(
                review=review,
                meeting_on=data["meeting_on"],
                meeting_note=data.get("meeting_note", ""),
                decisions=decisions,
                actor=request.user,
            )
        )


class EntryFilter(ScopedFilterSet):
    review = filters.NumberFilter(label="评议编号", field_name="review_id")
    final_grade = filters.CharFilter(label="审议等次")

    class Meta:
        model = ReviewEntry
        fields = ["review", "final_grade"]


@extend_schema_view(
    list=extend_schema(
        summary="党员评议结果列表",
        description="本人所辖支部的党员评议结果；互评只有各等次票数汇总，不含投票人。",
    ),
    retrieve=extend_schema(summary="党员评议结果详情"),
)
class ReviewEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ReviewEntry
    serializer_class = s.EntrySerializer
    serializer_classes = {"apply": s.ApplySerializer}
    filterset_class = EntryFilter

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("member", "review", "rectification", "record_change")
            .order_by("review_id", "member__name", "pk")
        )

    @extend_schema(
        summary="评议结果记入党员档案",
        description="除名、劝其退党（出党）、取消预备党员资格（出党）、延长预备期记入党员档案；"
        "登记处理结果和支部大会审议时已自动记入，重复调用不再变更。党员已非正常党籍状态的，400。",
        responses=s.EntrySerializer,
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        entry = self.get_object()
        data = self.parse()
        services.outcome_apply(
            entry=entry, extension_months=data.get("extension_months"), actor=request.user
        )
        return self.respond(self.get_queryset().get(pk=entry.pk))


@extend_schema_view(
    list=extend_schema(summary="不合格党员限期改正列表"),
    retrieve=extend_schema(summary="限期改正详情"),
)
class RectificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Rectification
    serializer_class = s.RectificationSerializer
    serializer_classes = {"notes": s.FollowUpSerializer, "conclude": s.ConcludeSerializer}

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("entry__member", "entry__review__branch", "entry__record_change")
            .prefetch_related("notes")
        )

    @extend_schema(summary="添加跟踪帮教记录", responses={201: s.RectificationSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        rectification = self.get_object()
        services.follow_up_add(rectification=rectification, **self.parse(), actor=request.user)
        return self.respond(self.get_queryset().get(pk=rectification.pk), status=201)

    @extend_schema(
        summary="登记处理结果",
        description="已改正可随时登记；劝其退党、除名须在改正期满后（R-MEM-3），"
        "并在同一事务中记入党员档案（除名→除名，劝其退党→出党）；党员已非正常党籍状态的，400。",
        responses=s.RectificationSerializer,
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        rectification = self.get_object()
        services.rectification_conclude(
            rectification=rectification, **self.parse(), actor=request.user
        )
        return self.respond(self.get_queryset().get(pk=rectification.pk))


# --- the member's own ---------------------------------------------------------------------------


class OwnView(ServiceErrorsMixin, generics.GenericAPIView):
    schema = ApiSchema()
    queryset = ReviewEntry.objects.none()  # for the schema only: views read through selectors
    permission_classes = [permissions.IsAuthenticated, PasswordPolicy]

    def own_entry(self, review_id) -> ReviewEntry:
        member_id = scope_for(self.request.user).member_id
        if not member_id:
            refuse(
                self.request,
                ReviewEntry,
                {"review_id": review_id},
                "账号未关联党员档案",
                Http404("您的账号未关联党员档案。"),
            )
        return get_in_scope(
            self.request,
            ReviewEntry.objects.filter(member_id=member_id).select_related(
                "review__branch", "member"
            ),
            review_id=review_id,
        )


class MeMemberReviewView(OwnView):
    serializer_class = s.OwnEntrySerializer

    @extend_schema(
        summary="本人民主评议情况",
        description="本人参加的各年度评议：本人自评、是否已互评，支部大会审议后的本人等次。"
        "不含他人结果、互评票数和支委会意见。",
        responses=s.OwnEntrySerializer(many=True),
    )
    def get(self, request):
        if not scope_for(request.user).member_id:
            raise Http404("您的账号未关联党员档案。")
        voted = set(selectors.own_receipts(request.user).values_list("review_id", flat=True))
        entries = selectors.own_entries(request.user)
        return Response(s.OwnEntrySerializer(entries, many=True, context={"voted": voted}).data)


class MeSelfAssessmentView(OwnView):
    serializer_class = s.SelfAssessmentSerializer

    @extend_schema(
        summary="提交个人自评",
        description="仅在个人自评阶段；截止前可修改。",
        responses=s.OwnEntrySerializer,
    )
    def post(self, request, review_id):
        entry = self.own_entry(review_id)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.self_assessment_submit(
            entry=entry,
            text=data["self_assessment"],
            self_grade=data.get("self_grade", ""),
            actor=request.user,
        )
        entry = selectors.own_entries(request.user).get(pk=entry.pk)
        return Response(s.OwnEntrySerializer(entry).data)


class MeBallotView(OwnView):
    serializer_class = s.BallotSerializer

    @extend_schema(
        summary="本人互评票",
        description="需评价的其他参评党员和本人是否已提交；已提交的评价内容匿名保存，本人也不可查看。",
        responses=s.BallotStateSerializer,
    )
    def get(self, request, review_id):
        entry = self.own_entry(review_id)
        review = entry.review
        receipt = review.receipts.filter(rater_id=entry.member_id).first()
        peers = (
            review.entries.exclude(pk=entry.pk).select_related("member").order_by("member__name")
        )
        data = {
            "review": review.pk,
            "open": review.status == MemberReview.Status.MUTUAL_ASSESSMENT,
            "voted": receipt is not None,
            "submitted_at": receipt.submitted_at if receipt else None,
            "peers": peers,
        }
        return Response(s.BallotStateSerializer(data).data)

    @extend_schema(
        summary="提交互评票",
        description="对本支部其他每名参评党员各评一个等次，只能提交一次；只记录票数，不记录投票人与等次的对应关系。",
        responses={201: s.ReceiptSerializer},
    )
    def post(self, request, review_id):
        entry = self.own_entry(review_id)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grades = {i["entry"]: i["grade"] for i in serializer.validated_data["grades"]}
        receipt = services.ballot_submit(
            review=entry.review, rater=entry.member, grades=grades, actor=request.user
        )
        return Response(s.ReceiptSerializer(receipt).data, status=201)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("member-reviews", MemberReviewViewSet, basename="member-review")
    router.register("member-review-entries", ReviewEntryViewSet, basename="member-review-entry")
    router.register(
        "member-review-rectifications", RectificationViewSet, basename="member-review-rectification"
    )


extra_urls = [
    path("me/member-review/", MeMemberReviewView.as_view(), name="api-me-member-review"),
    path(
        "me/member-review/<int:review_id>/self-assessment/",
        MeSelfAssessmentView.as_view(),
        name="api-me-member-review-self-assessment",
    ),
    path(
        "me/member-review/<int:review_id>/ballot/",
        MeBallotView.as_view(),
        name="api-me-member-review-ballot",
    ),
]
