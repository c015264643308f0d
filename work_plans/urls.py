from django.urls import path

from work_plans import views

app_name = "work_plans"

urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/copy/", views.plan_copy, name="plan_copy"),
    path("plans/<int:plan_pk>/tasks/new/", views.task_edit, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("assignments/<int:pk>/report/", views.assignment_report, name="assignment_report"),
    path("assignments/<int:pk>/confirm/", views.assignment_confirm, name="assignment_confirm"),
    path("assignments/<int:pk>/return/", views.assignment_return, name="assignment_return"),
    path("assignments/<int:pk>/remove/", views.assignment_remove, name="assignment_remove"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
]
