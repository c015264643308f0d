from django.urls import path

from orglife import views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("calendar/", views.calendar, name="calendar"),
    path("mine/", views.my_attendance, name="mine"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/member-search/", views.member_search_view, name="member_search"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/live/", views.activity_live, name="activity_live"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "activities/<int:pk>/attendance/<int:member_id>/",
        views.attendance_correct,
        name="attendance_correct",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/withdraw/", views.attachment_withdraw, name="attachment_withdraw"),
    path("signin/<str:token>/", views.signin, name="signin"),
]
