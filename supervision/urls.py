from django.urls import path

from supervision import accountability_views as acc
from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/new/", views.finding_new, name="finding_new"),
    path("findings/new/organizations/", views.org_search, name="org_search"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/plan/", views.finding_plan, name="finding_plan"),
    path("findings/<int:pk>/progress/", views.finding_progress, name="finding_progress"),
    path("findings/<int:pk>/submit/", views.finding_submit, name="finding_submit"),
    path("findings/<int:pk>/sign-off/", views.finding_sign_off, name="finding_sign_off"),
    path("findings/<int:pk>/return/", views.finding_return, name="finding_return"),
    path("findings/<int:pk>/reopen/", views.finding_reopen, name="finding_reopen"),
    path("findings/<int:pk>/close/", views.finding_close, name="finding_close"),
    path("findings/<int:pk>/exemption/", views.finding_exemption, name="finding_exemption"),
    path("findings/<int:pk>/extension/", views.finding_extension, name="finding_extension"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("overview/", views.overview, name="overview"),
    path("overview/export/", views.overview_export, name="overview_export"),
    path("overview/word/", views.overview_word, name="overview_word"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/retire/", views.category_retire, name="category_retire"),
    path("accountability/", acc.case_list, name="case_list"),
    path("accountability/new/", acc.case_new, name="case_new"),
    path("exemptions/<int:pk>/decide/", acc.exemption_decide, name="exemption_decide"),
    path("notices/", acc.notice_list, name="notice_list"),
    path("notices/mine/", acc.notices_mine, name="notices_mine"),
    path("notices/new/", acc.notice_new, name="notice_new"),
    path("notices/<int:pk>/", acc.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/publish/", acc.notice_publish, name="notice_publish"),
    path("notices/<int:pk>/word/", acc.notice_word, name="notice_word"),
]
