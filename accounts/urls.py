from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
]

from accounts import user_views  # noqa: E402

urlpatterns += [
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_create, name="user_create"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("users/member-search/", user_views.user_member_search, name="user_member_search"),
    path("users/<int:pk>/roles/", user_views.user_role_assign, name="user_role_assign"),
    path(
        "users/<int:pk>/roles/<int:assignment_pk>/end/",
        user_views.user_role_end,
        name="user_role_end",
    ),
    path("users/<int:pk>/unlock/", user_views.user_unlock, name="user_unlock"),
    path(
        "users/<int:pk>/password-reset/", user_views.user_password_reset, name="user_password_reset"
    ),
]
