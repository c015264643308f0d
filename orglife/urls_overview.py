from django.urls import path

from orglife import overview_views as views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.overview_export, name="overview_export"),
    path("cell/", views.overview_cell, name="overview_cell"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:pk>/retire/", views.rule_retire, name="rule_retire"),
]
