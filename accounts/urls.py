from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
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
    path("log/", views.login_log_view, name="login_log"),
    path("log/unlock/", views.unlock_view, name="login_unlock"),
]
