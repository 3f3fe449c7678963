"""Step 2: save a previewed upload, each measure as the entry form would, all or nothing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.cache import data_changed
from indicators.models import Indicator
from measures.models import Measure, PlanYear, ScheduleItem
from pdca import rights
from pdca.models import Submission
from pdca.people import display_name
from pdca.services import ConflictError, Entry, IndicatorEntry, ProgressEntry, entry_save
from pdca.workbook.imports.values import UploadError, UploadPreview


def template_upload_apply(*, user, plan_year: PlanYear, preview: UploadPreview) -> int:
    """Save a previewed upload: every measure through entry_save, in one transaction.

    Returns the number of measures saved. Raises UploadError (nothing written) when rights
    refuse a measure or someone saved one after the preview."""
    if preview.fiscal_year != plan_year.fiscal_year:
        raise UploadError([_("年度が一致しません。もう一度アップロードしてください。")])
    measure_ids = [update.measure_id for update in preview.updates]
    measures = Measure.objects.select_related("plan").in_bulk(measure_ids)
    indicators = Indicator.objects.select_related("measure__plan").in_bulk(
        [item.indicator_id for update in preview.updates for item in update.indicators]
    )
    items = ScheduleItem.objects.in_bulk([item.item_id for update in preview.updates for item in update.progress])
    submissions = {s.measure_id: s for s in Submission.objects.filter(measure_id__in=measure_ids, plan_year=plan_year)}
    with transaction.atomic():
        data_changed()
        for update in preview.updates:
            measure = measures.get(update.measure_id)
            if measure is None or measure.plan_id != plan_year.plan_id:
                raise UploadError([_("%(code)s：施策が見つかりません。") % {"code": update.code}])
            decision = rights.may_edit(user, measure, plan_year, submissions.get(measure.pk))
            if not decision:
                raise UploadError([_("%(code)s：%(reason)s") % {"code": update.code, "reason": decision.reason}])
            entry = Entry(
                indicators=[
                    IndicatorEntry(
                        indicator=indicators[i.indicator_id],
                        value=i.value,
                        milestone_status=i.milestone_status,
                        description=i.description,
                    )
                    for i in update.indicators
                ],
                progress=[
                    ProgressEntry(schedule_item=items[p.item_id], status=p.status, note=p.note) for p in update.progress
                ],
                **update.texts,
            )
            try:
                entry_save(
                    user=user, measure=measure, plan_year=plan_year, entry=entry, expected_version=update.version
                )
            except ConflictError as error:
                if error.current.updated_by_id == user.pk:
                    message = _(
                        "%(code)s：確認の後に、あなた自身が別のタブまたは画面でこの報告を保存しました。"
                        "何も保存していません。もう一度アップロードして、変更内容を確認してください。"
                    ) % {"code": update.code}
                else:
                    message = _(
                        "%(code)s：確認の後に、%(who)sさんがこの報告を保存しました。何も保存していません。"
                        "もう一度アップロードして、変更内容を確認してください。"
                    ) % {"code": update.code, "who": display_name(error.current.updated_by)}
                raise UploadError([message]) from error
            except PermissionDenied as error:
                raise UploadError([_("%(code)s：%(reason)s") % {"code": update.code, "reason": error}]) from error
    return len(preview.updates)
