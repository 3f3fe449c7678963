from django.urls import path

from pdca.views import dashboard, entry, plan, plan_review, report, review, targets, workbook, years

urlpatterns = [
    path("", plan.home_view, name="home"),
    path("plan/", plan.plan_tree_view, name="plan_tree"),
    path("dashboard/", dashboard.dashboard_view, name="dashboard"),
    path("plan-review/", plan_review.plan_review_view, name="plan_review"),
    path("plan-review/<str:code>/", plan_review.final_review_view, name="final_review"),
    path("plan-review/<str:code>/decide/", plan_review.final_review_decide_view, name="final_review_decide"),
    path("measures/", plan.measure_list_view, name="measure_list"),
    path("measures/<str:code>/", plan.measure_detail_view, name="measure_detail"),
    path("measures/<str:code>/targets/<int:target_id>/revise/", targets.target_revise_view, name="target_revise"),
    path("entry/", entry.worklist_view, name="worklist"),
    path("entry/<str:code>/<int:fiscal_year>/", entry.entry_view, name="entry"),
    path("entry/<str:code>/<int:fiscal_year>/messages/", entry.message_post_view, name="message_post"),
    path("review/", review.review_queue_view, name="review_queue"),
    path("status/", review.status_board_view, name="status_board"),
    path("deadlines/", review.deadlines_view, name="deadlines"),
    path("review/approve/", review.bulk_approve_view, name="review_bulk_approve"),
    path("review/<str:code>/<int:fiscal_year>/approve/", entry.approve_view, name="review_approve"),
    path("review/<str:code>/<int:fiscal_year>/return/", entry.return_view, name="review_return"),
    path("review/<str:code>/<int:fiscal_year>/reopen/", entry.reopen_view, name="review_reopen"),
    path("workbook/", workbook.workbook_download_view, name="workbook_download"),
    path("entry/template/", workbook.workbook_template_view, name="workbook_template"),
    path("entry/upload/", workbook.workbook_upload_view, name="workbook_upload"),
    path("manage/", years.manage_view, name="manage"),
    path("years/", years.years_view, name="years"),
    path("manage/files/", years.file_events_view, name="file_events"),
    path("years/<int:fiscal_year>/close/", years.year_close_view, name="year_close"),
    path("years/<int:fiscal_year>/reopen/", years.year_reopen_view, name="year_reopen"),
    path("report/", report.report_view, name="report"),
    path("report/publish/", report.report_publish_view, name="report_publish"),
    path(
        "report/editions/<slug:plan_code>/<int:fiscal_year>/", report.report_edition_view, name="report_edition_latest"
    ),
    path(
        "report/editions/<slug:plan_code>/<int:fiscal_year>/<int:number>/",
        report.report_edition_view,
        name="report_edition",
    ),
]
