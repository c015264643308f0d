from django.urls import path

from responsibility import views

app_name = "responsibility"

urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/submit/", views.list_submit, name="list_submit"),
    path("items/<int:pk>/progress/", views.item_progress, name="item_progress"),
    path("items/<int:pk>/submit/", views.item_submit, name="item_submit"),
    path("items/<int:pk>/confirm/", views.item_confirm, name="item_confirm"),
    path("items/<int:pk>/return/", views.item_return, name="item_return"),
    path("items/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/prepare/", views.template_prepare, name="template_prepare"),
    path("templates/<int:pk>/issue/", views.template_issue, name="template_issue"),
    path("templates/<int:pk>/items/new/", views.template_item_edit, name="template_item_new"),
    path(
        "templates/<int:pk>/items/<int:item_pk>/",
        views.template_item_edit,
        name="template_item_edit",
    ),
    path(
        "templates/<int:pk>/items/<int:item_pk>/delete/",
        views.template_item_delete,
        name="template_item_delete",
    ),
]
