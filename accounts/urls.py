from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import two_factor, views
from pdca.views.login import NoticeLoginView

# Sign-in, sign-out and changing one's own password. The password-reset pages of
# `django.contrib.auth.urls` are left out: accounts have no e-mail delivery, and headquarters
# resets a forgotten password.
urlpatterns = [
    # Django's login view; a clerk then sees their notices (returns, reopenings, deadlines).
    path("login/", NoticeLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("two-factor/", two_factor.setup_view, name="two_factor_setup"),
    path("two-factor/qr.svg", two_factor.qr_view, name="two_factor_qr"),
    path("two-factor/verify/", two_factor.verify_view, name="two_factor_verify"),
    path("log/", views.login_log_view, name="login_log"),
    path("log/unlock/", views.unlock_view, name="login_unlock"),
    path("users/", views.users_view, name="users"),
    path("users/new/", views.user_create_view, name="user_create"),
    path("users/import/", views.users_import_view, name="users_import"),
    path("users/<int:pk>/", views.user_edit_view, name="user_edit"),
    path("users/<int:pk>/active/", views.user_active_view, name="user_active"),
    path("users/<int:pk>/password/", views.user_password_view, name="user_password"),
]
