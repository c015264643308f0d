from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from orgs.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("orgs/", include("orgs.urls")),
    path("members/", include("members.urls")),
    path("orglife/", include("orglife.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("publicity/", include("publicity.urls")),
    path("dual-excellence/", include("dual_excellence.urls")),
    path("responsibility/", include("responsibility.urls")),
    path("secretary-review/", include("secretary_review.urls")),
    path("member-review/", include("member_review.urls")),
    path("supervision/", include("supervision.urls")),
    path("work-plans/", include("work_plans.urls")),
    path("weak-orgs/", include("weak_orgs.urls")),
    path("notifications/", include("notifications.urls")),
    path("system/", include("core.urls")),
    path("api/v1/", include("dangjian.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
