from django.urls import path

from evaluation import cycle_views, views

app_name = "evaluation"
urlpatterns = [
    path("", cycle_views.index, name="index"),
    path("overview/", cycle_views.overview, name="overview"),
    path("queue/", cycle_views.queue, name="queue"),
    path("cycles/", cycle_views.cycle_list, name="cycle_list"),
    path("cycles/new/", cycle_views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", cycle_views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/export/", cycle_views.cycle_export, name="cycle_export"),
    path("cycles/<int:pk>/score/", cycle_views.cycle_score, name="cycle_score"),
    path("cycles/<int:pk>/approve/", cycle_views.cycle_approve, name="cycle_approve"),
    path("cycles/<int:pk>/notice/", cycle_views.cycle_notice, name="cycle_notice"),
    path("cycles/<int:pk>/award/", cycle_views.cycle_award, name="cycle_award"),
    path("ratings/<int:pk>/", cycle_views.rating_detail, name="rating_detail"),
    path(
        "ratings/<int:pk>/self-assess/", cycle_views.rating_self_assess, name="rating_self_assess"
    ),
    path("ratings/<int:pk>/review/", cycle_views.rating_review, name="rating_review"),
    path("ratings/<int:pk>/return/", cycle_views.rating_return, name="rating_return"),
    path("ratings/<int:pk>/approve/", cycle_views.rating_approve, name="rating_approve"),
    path("ratings/<int:pk>/evidence/", cycle_views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", cycle_views.evidence_download, name="evidence_download"),
    path("organizations/<int:pk>/", cycle_views.org_card, name="org_card"),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/default/", views.scheme_create_default, name="scheme_create_default"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/edit/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/copy/", views.scheme_copy, name="scheme_copy"),
    path("schemes/<int:pk>/publish/", views.scheme_publish, name="scheme_publish"),
    path("schemes/<int:pk>/archive/", views.scheme_archive, name="scheme_archive"),
    path("schemes/<int:pk>/stars/new/", views.star_edit, name="star_new"),
    path("schemes/<int:pk>/stars/<int:star_pk>/", views.star_edit, name="star_edit"),
    path("schemes/<int:pk>/stars/<int:star_pk>/delete/", views.star_delete, name="star_delete"),
    path("schemes/<int:pk>/stars/<int:star_pk>/move/", views.star_move, name="star_move"),
    path(
        "schemes/<int:pk>/stars/<int:star_pk>/indicators/new/",
        views.indicator_edit,
        name="indicator_new",
    ),
    path(
        "schemes/<int:pk>/stars/<int:star_pk>/indicators/<int:indicator_pk>/",
        views.indicator_edit,
        name="indicator_edit",
    ),
    path(
        "schemes/<int:pk>/stars/<int:star_pk>/indicators/<int:indicator_pk>/delete/",
        views.indicator_delete,
        name="indicator_delete",
    ),
    path(
        "schemes/<int:pk>/stars/<int:star_pk>/indicators/<int:indicator_pk>/move/",
        views.indicator_move,
        name="indicator_move",
    ),
]
