from django.urls import path

from dual_excellence import views

app_name = "dual_excellence"

urlpatterns = [
    path("", views.index, name="index"),
    path("honour-roll/", views.honour_roll, name="honour_roll"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/steps/<slug:step>/", views.round_step, name="round_step"),
    path("rounds/<int:pk>/quotas/", views.quotas_save, name="quotas_save"),
    path("rounds/<int:pk>/categories/new/", views.category_edit, name="category_new"),
    path(
        "rounds/<int:pk>/categories/<int:category_pk>/", views.category_edit, name="category_edit"
    ),
    path(
        "rounds/<int:pk>/categories/<int:category_pk>/delete/",
        views.category_delete,
        name="category_delete",
    ),
    path("rounds/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("rounds/<int:pk>/review/", views.review_list, name="review_list"),
    path("rounds/<int:pk>/export/", views.export, name="export"),
    path("nominees/", views.nominee_options, name="nominee_options"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination_detail"),
    path("nominations/<int:pk>/review/", views.nomination_review, name="nomination_review"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination_withdraw"),
    path("nominations/<int:pk>/evidence/", views.evidence_download, name="evidence_download"),
]
