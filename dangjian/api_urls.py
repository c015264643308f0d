"""The /api/v1/ router: each app's viewsets, the caller's profile and token login."""

from importlib import import_module

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import AccountViewSet, MeView, RoleAssignmentViewSet, TokenView
from evaluation.api import EvaluationSchemeViewSet
from members.api import MemberViewSet
from notifications.api import NotificationViewSet
from orglife.api import (
    ActivityViewSet,
    ComplianceView,
    LifeRuleViewSet,
    MeAttendanceView,
    SignInView,
)
from orgs.api import OrganizationViewSet, PositionViewSet, TermViewSet, UnitViewSet

router = DefaultRouter(use_regex_path=False)  # typed <int:pk> converters
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("units", UnitViewSet, basename="unit")
router.register("positions", PositionViewSet, basename="position")
router.register("terms", TermViewSet, basename="term")
router.register("members", MemberViewSet, basename="member")
router.register("users", AccountViewSet, basename="user")
router.register("role-assignments", RoleAssignmentViewSet, basename="role-assignment")
router.register("activities", ActivityViewSet, basename="activity")
router.register("rules", LifeRuleViewSet, basename="rule")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("evaluation-schemes", EvaluationSchemeViewSet, basename="evaluation-scheme")

# Apps that register their own viewsets (each api.py has register(router) and extra_urls).
SELF_REGISTERING = (
    "evaluation",
    "publicity",
    "dual_excellence",
    "responsibility",
    "secretary_review",
    "member_review",
    "supervision",
    "work_plans",
    "weak_orgs",
)
extra_urls = []
for app in SELF_REGISTERING:
    module = import_module(f"{app}.api")
    module.register(router)
    extra_urls += module.extra_urls

urlpatterns = [
    *extra_urls,
    path("me/", MeView.as_view(), name="api-me"),
    path("me/attendance/", MeAttendanceView.as_view(), name="api-me-attendance"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("signin/", SignInView.as_view(), name="api-signin"),
    path("compliance/", ComplianceView.as_view(), name="api-compliance"),
    *router.urls,
]
