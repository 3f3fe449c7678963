"""The yearly PDCA cycle: who works on which measures, each measure-year's submission
(Check/Act texts and the review workflow), and schedule progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import AuditedModel
from core.texts import TEXT_MAX_LENGTH
from measures.models import Measure, PlanYear, ScheduleItem, Section


class Role(models.TextChoices):
    STAFF = "staff", _("所属担当者")
    HQ = "hq", _("本部事務局（ICT・データ戦略課）")
    VIEWER = "viewer", _("閲覧者（CIO・CDO等）")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("ユーザー")
    )
    role = models.CharField(_("役割"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    sections = models.ManyToManyField(Section, blank=True, related_name="members", verbose_name=_("所属"))
    is_demo = models.BooleanField(_("デモアカウント"), default=False, editable=False)
    must_change_password = models.BooleanField(
        _("次回ログイン時にパスワード変更"),
        default=False,
        help_text=_("本部事務局が作成・再設定したパスワードは、本人が最初のログインで変更します。"),
    )

    class Meta:
        verbose_name = _("利用者の役割")
        verbose_name_plural = _("利用者の役割")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class SubmissionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未入力")
    DRAFT = "draft", _("入力中")
    SUBMITTED = "submitted", _("提出済")
    RETURNED = "returned", _("差戻し")
    APPROVED = "approved", _("承認済")


class SelfAssessment(models.TextChoices):
    ON_TRACK = "on_track", _("順調")
    MOSTLY = "mostly", _("概ね順調")
    BEHIND = "behind", _("やや遅れ")
    LATE = "late", _("遅れ")


class Submission(AuditedModel):
    """A measure's report for one fiscal year: Do (取組実績), Check (評価・課題), Act (今後の方向性)."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("施策"))
    plan_year = models.ForeignKey(
        PlanYear, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("年度")
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.NOT_STARTED
    )
    achievements_text = models.TextField(_("取組実績"), blank=True, max_length=TEXT_MAX_LENGTH)
    self_assessment = models.CharField(_("評価（自己評価）"), max_length=20, choices=SelfAssessment.choices, blank=True)
    issues_text = models.TextField(_("課題"), blank=True, max_length=TEXT_MAX_LENGTH)
    next_steps_text = models.TextField(_("今後の方向性"), blank=True, max_length=TEXT_MAX_LENGTH)
    review_comment = models.TextField(_("本部からのコメント"), blank=True, max_length=TEXT_MAX_LENGTH)
    version = models.PositiveIntegerField(_("版"), default=0)

    class Meta:
        verbose_name = _("年度報告")
        verbose_name_plural = _("年度報告")
        constraints = [models.UniqueConstraint(fields=["measure", "plan_year"], name="submission_one_per_year")]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.plan_year}: {self.get_status_display()}"


class Transition(models.Model):
    """One move of a submission through the workflow: who, when, from, to, and why."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("年度報告")
    )
    from_status = models.CharField(_("変更前"), max_length=20, choices=SubmissionStatus.choices)
    to_status = models.CharField(_("変更後"), max_length=20, choices=SubmissionStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("操作者")
    )
    at = models.DateTimeField(_("日時"), auto_now_add=True)
    comment = models.TextField(_("コメント・理由"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("状態の変更")
        verbose_name_plural = _("状態の変更")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission}: {self.from_status} → {self.to_status}"


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未着手")
    IN_PROGRESS = "in_progress", _("実施中")
    DONE = "done", _("完了")
    DELAYED = "delayed", _("遅延")


class ScheduleProgress(AuditedModel):
    schedule_item = models.ForeignKey(
        ScheduleItem, on_delete=models.PROTECT, related_name="progress", verbose_name=_("取組")
    )
    plan_year = models.ForeignKey(
        PlanYear, on_delete=models.PROTECT, related_name="schedule_progress", verbose_name=_("年度")
    )
    status = models.CharField(_("進捗"), max_length=20, choices=ProgressStatus.choices)
    note = models.TextField(_("補足"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("取組の進捗")
        verbose_name_plural = _("取組の進捗")
        constraints = [
            models.UniqueConstraint(fields=["schedule_item", "plan_year"], name="schedule_progress_one_per_year")
        ]
        # The dashboard asks which items are delayed in a year; the year index alone would
        # read every item's progress.
        indexes = [models.Index(fields=["plan_year", "status"], name="schedule_progress_year_status")]

    def __str__(self) -> str:
        return f"{self.schedule_item} {self.plan_year}: {self.get_status_display()}"


class MessageKind(models.TextChoices):
    RETURN = "return", _("差戻し")
    REOPEN = "reopen", _("承認の取消し")
    APPROVAL = "approval", _("承認時のコメント")
    NOTE = "note", _("本部からの連絡")
    REPLY = "reply", _("所属からの返信")


# Kinds that ask the section to act: open until the report is submitted again.
REQUEST_KINDS = (MessageKind.RETURN, MessageKind.REOPEN)


class Message(models.Model):
    """One message of a report's conversation between headquarters and the section: a return
    comment, a reopen reason, a note, or the clerk's reply. Written by pdca.services only."""

    MAX_LENGTH = TEXT_MAX_LENGTH

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="messages", verbose_name=_("年度報告")
    )
    kind = models.CharField(_("種類"), max_length=20, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("送信者")
    )
    text = models.TextField(_("本文"), max_length=MAX_LENGTH)
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("報告についてのやりとり")
        verbose_name_plural = _("報告についてのやりとり")
        ordering = ["-at", "-pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="message_text_not_empty")]
        indexes = [models.Index(fields=["submission", "-at"], name="message_submission_at")]

    def __str__(self) -> str:
        return f"{self.submission}: {self.get_kind_display()}"


class YearStatusChange(models.Model):
    """Headquarters closing a plan year (read-only for everyone) or reopening it, with the reason."""

    plan_year = models.ForeignKey(
        PlanYear, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("年度")
    )
    is_open = models.BooleanField(_("変更後の受付"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("操作者")
    )
    at = models.DateTimeField(_("日時"), auto_now_add=True)
    reason = models.TextField(_("理由"), blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("年度の締切・再開")
        verbose_name_plural = _("年度の締切・再開")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan_year}: {'再開' if self.is_open else '締切'}"


class SubmissionDeadline(models.Model):
    """The date by which each section submits its reports for a plan year; headquarters sets it."""

    plan_year = models.OneToOneField(
        PlanYear, on_delete=models.CASCADE, related_name="submission_deadline", verbose_name=_("年度")
    )
    due_on = models.DateField(_("提出期限"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("設定者")
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("提出期限")
        verbose_name_plural = _("提出期限")

    def __str__(self) -> str:
        return f"{self.plan_year}: {self.due_on:%Y-%m-%d}"


class ReminderSent(models.Model):
    """One reminder e-mail to a section's staff on one day: what it listed, and to whom. The
    unique day per section is what makes `send_reminders` safe to run twice."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("所属"))
    sent_on = models.DateField(_("送信日"))
    sent_at = models.DateTimeField(_("送信日時"), auto_now_add=True)
    recipients = models.TextField(_("宛先"))
    subject = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"))
    reports = models.PositiveIntegerField(_("記載した報告の数"))

    class Meta:
        verbose_name = _("催促メールの記録")
        verbose_name_plural = _("催促メールの記録")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["section", "sent_on"], name="reminder_once_a_day_per_section")]

    def __str__(self) -> str:
        return f"{self.section} {self.sent_on:%Y-%m-%d}"


class ReportEdition(models.Model):
    """A published edition of a year's inspection report (点検報告書): the PDF exactly as
    published, with its checksum, who published it and when. Never changed afterwards:
    publishing again makes the next edition."""

    plan = models.ForeignKey(
        "measures.Plan", on_delete=models.PROTECT, related_name="report_editions", verbose_name=_("計画")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("版"))
    plan_codes = models.JSONField(
        _("対象の計画"), default=list, help_text=_("報告書が扱う計画のコード（主たる計画が先頭）。")
    )
    basis = models.CharField(_("数値の基準"), max_length=20, default=SubmissionStatus.APPROVED)
    data_date = models.DateTimeField(_("データの日付"), null=True, blank=True)
    pdf = models.BinaryField(_("PDF"))
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    pages = models.PositiveIntegerField(_("ページ数"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("公表者"),
    )
    published_at = models.DateTimeField(_("公表日時"))

    class Meta:
        verbose_name = _("点検報告書の公表版")
        verbose_name_plural = _("点検報告書の公表版")
        ordering = ["plan", "fiscal_year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "fiscal_year", "number"], name="report_edition_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="report_edition_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.fiscal_year} 第{self.number}版"


class FileEventKind(models.TextChoices):
    MEETING_WORKBOOK = "meeting_workbook", _("会議資料（Excel）のダウンロード")
    TEMPLATE_DOWNLOAD = "template_download", _("入力テンプレートのダウンロード")
    TEMPLATE_UPLOAD = "template_upload", _("入力テンプレートのアップロード")
    TEMPLATE_SAVE = "template_save", _("アップロード内容の保存")


class FileEvent(models.Model):
    """Who took which workbook or sent which template, when, for which year: kept for
    headquarters (who looked at the figures before the meeting, who changed what by file)."""

    kind = models.CharField(_("種類"), max_length=30, choices=FileEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("利用者")
    )
    at = models.DateTimeField(_("日時"), auto_now_add=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), null=True)
    file_name = models.CharField(_("ファイル名"), max_length=255, blank=True)
    outcome = models.CharField(_("結果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Excelの記録")
        verbose_name_plural = _("Excelの記録")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["-at"], name="file_event_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.user}"


class FinalReview(AuditedModel):
    """A measure's plan-period review (総括評価): the final evaluation text, written by the
    owning section and headquarters at the end of the plan, with the same submit / approve
    flow as a yearly report (pdca.services.final_review_save and friends)."""

    measure = models.OneToOneField(
        Measure, on_delete=models.PROTECT, related_name="final_review", verbose_name=_("施策")
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.NOT_STARTED
    )
    evaluation_text = models.TextField(_("総括評価"), blank=True, max_length=TEXT_MAX_LENGTH)
    review_comment = models.TextField(_("本部からのコメント"), blank=True, max_length=TEXT_MAX_LENGTH)
    version = models.PositiveIntegerField(_("版"), default=0)

    class Meta:
        verbose_name = _("総括評価")
        verbose_name_plural = _("総括評価")

    def __str__(self) -> str:
        return f"{self.measure.code} {self.get_status_display()}"
