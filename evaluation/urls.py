from django.urls import path

from evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.scheme_list, name="scheme_list"),
    path("schemes/default/", views.scheme_create_default, name="scheme_create_default"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/edit/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/copy/", views.scheme_copy, name="scheme_copy"),
    path("schemes/<int:pk>/publish/", views.scheme_publish, name="scheme_publish"),
    path("schemes/<int:pk>/stars/new/", views.star_edit, name="star_new"),
    path("schemes/<int:pk>/stars/<int:star_pk>/", views.star_edit, name="star_edit"),
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
]
