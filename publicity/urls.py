from django.urls import path

from publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("<int:pk>/items/<int:item_pk>/objections/", views.objection_lodge, name="objection_lodge"),
    path(
        "<int:pk>/objections/<int:objection_pk>/answer/",
        views.objection_answer,
        name="objection_answer",
    ),
]
