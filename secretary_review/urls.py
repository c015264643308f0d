from django.urls import path

from secretary_review import views

app_name = "secretary_review"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("ballots/", views.ballots, name="ballots"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/results/", views.round_results, name="round_results"),
    path("rounds/<int:pk>/export/", views.round_export, name="round_export"),
    path("rounds/<int:pk>/<str:action>/", views.round_action, name="round_action"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/word/", views.report_docx, name="report_docx"),
    path("reports/<int:pk>/files/", views.report_attachment_upload, name="report_file_upload"),
    path("files/<int:pk>/", views.report_attachment_download, name="report_file_download"),
]
