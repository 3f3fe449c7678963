"""What headquarters did to accounts: who, when, to whom, what. Sign-ins and failed sign-ins
are django-axes' own records (AccessLog, AccessFailureLog, AccessAttempt)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.texts import TEXT_MAX_LENGTH


class AccountAction(models.TextChoices):
    UNLOCK = "unlock", _("ロック解除")
    CREATE = "create", _("作成")
    CHANGE = "change", _("変更")
    DISABLE = "disable", _("利用停止")
    ENABLE = "enable", _("利用再開")
    PASSWORD_RESET = "password_reset", _("パスワード再設定")
    IMPORT = "import", _("CSV取込")


class AccountEvent(models.Model):
    at = models.DateTimeField(_("日時"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("操作者")
    )
    action = models.CharField(_("操作"), max_length=20, choices=AccountAction.choices)
    username = models.CharField(_("対象のユーザーID"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("対象のアドレス"), null=True, blank=True)
    detail = models.TextField(_("内容"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("アカウントの操作記録")
        verbose_name_plural = _("アカウントの操作記録")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["username", "at"], name="account_event_user_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.username}"
