from django.urls import path

from member_review import views

app_name = "member_review"

urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("open/", views.review_open, name="review_open"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/advance/", views.review_advance, name="review_advance"),
    path("reviews/<int:pk>/propose/", views.review_propose, name="review_propose"),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/apply/", views.entry_apply, name="entry_apply"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/self-assessment/", views.mine_self_assessment, name="mine_self_assessment"),
    path("mine/<int:pk>/ballot/", views.mine_ballot, name="mine_ballot"),
]
