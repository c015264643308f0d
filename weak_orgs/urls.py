from django.urls import path  # noqa: F401

app_name = "weak_orgs"

urlpatterns = []
