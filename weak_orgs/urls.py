from django.urls import path

from weak_orgs import views

app_name = "weak_orgs"

urlpatterns = [
    path("", views.index, name="index"),
    path("run/", views.run_now, name="run"),
    path("export/", views.export, name="export"),
    path("flags/<int:pk>/confirm/", views.result_confirm, name="result_confirm"),
    path("flags/<int:pk>/dismiss/", views.result_dismiss, name="result_dismiss"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/plan/", views.case_plan, name="case_plan"),
    path("cases/<int:pk>/progress/", views.case_progress, name="case_progress"),
    path("cases/<int:pk>/lift/", views.case_lift, name="case_lift"),
    path("cases/<int:pk>/criteria/<int:item_pk>/", views.criterion_mark, name="criterion_mark"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("criteria/", views.criteria, name="criteria"),
    path("criteria/<int:pk>/", views.criterion_edit, name="criterion_edit"),
]
