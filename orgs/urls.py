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
    path("import/", import_views.import_page, name="import"),
    path("import/template/<str:kind>/", import_views.template_download, name="import_template"),
    path("import/<str:kind>/", import_views.import_upload, name="import_upload"),
]
