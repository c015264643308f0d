from django.urls import path

from orgs import import_views, views

app_name = "orgs"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/children/", views.tree_children, name="tree_children"),
    path("<int:pk>/", views.detail, name="detail"),
    path("export/", views.tree_export, name="tree_export"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/export/", views.unit_export, name="unit_export"),
    path("<int:pk>/new/", views.org_create, name="create"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/move/", views.org_move, name="move"),
    path("<int:pk>/merge/", views.org_merge, name="merge"),
    path("<int:pk>/dissolve/", views.org_dissolve, name="dissolve"),
    path("<int:pk>/positions/new/", views.position_appoint, name="position_appoint"),
    path("<int:pk>/positions/<int:position_pk>/end/", views.position_end, name="position_end"),
    path("<int:pk>/terms/new/", views.term_create, name="term_create"),
    path("import/", import_views.import_page, name="import"),
    path("import/template/<str:kind>/", import_views.template_download, name="import_template"),
    path("import/<str:kind>/", import_views.import_upload, name="import_upload"),
]
