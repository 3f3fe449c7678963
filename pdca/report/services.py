"""Publishing the inspection report: a new edition keeps the PDF as published."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.models import Plan
from pdca.models import ReportEdition
from pdca.report.pdf import report_pdf
from pdca.report.selectors import report_read


class PublishConflict(Exception):
    """Another edition of the same report was published while this one was being rendered."""


def edition_label(number: int, when) -> str:
    return _("第%(number)d版（%(date)s公表）") % {
        "number": number,
        "date": timezone.localtime(when).strftime("%Y-%m-%d"),
    }


def report_edition_publish(*, plans: list[Plan], fiscal_year: int, user) -> ReportEdition:
    """Render the report of `fiscal_year` for `plans` (the first is the main plan) on the
    approved basis and keep it as the next edition.

    The PDF is rendered outside the transaction (it takes seconds); the edition number read
    before rendering is checked when the row is written, so two headquarters staff
    publishing at once get editions n and n+1 or a conflict, never two editions n."""
    plan = plans[0]
    editions = ReportEdition.objects.filter(plan=plan, fiscal_year=fiscal_year)
    number = (editions.aggregate(last=Max("number"))["last"] or 0) + 1
    published_at = timezone.now()
    report = report_read(plans=plans, fiscal_year=fiscal_year, version=edition_label(number, published_at))
    rendered = report_pdf(report)
    pdf = rendered.pdf
    try:
        with transaction.atomic():
            return ReportEdition.objects.create(
                plan=plan,
                fiscal_year=fiscal_year,
                number=number,
                plan_codes=[p.code for p in plans],
                data_date=report.data_date,
                pdf=pdf,
                size=len(pdf),
                sha256=hashlib.sha256(pdf).hexdigest(),
                pages=rendered.pages,
                published_by=user,
                published_at=published_at,
            )
    except IntegrityError as error:
        raise PublishConflict(
            _("同じ報告書の別の版が同時に公表されました。内容を確かめて、もう一度公表してください。")
        ) from error
