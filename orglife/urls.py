from django.urls import include, path

app_name = "orglife"

# Records (workbench, activities, sign-in, calendar, my attendance) and the superior's overview
# (compliance matrix, rules) live in separate modules.
urlpatterns = [
    path("", include("orglife.urls_records")),
    path("overview/", include("orglife.urls_overview")),
]
