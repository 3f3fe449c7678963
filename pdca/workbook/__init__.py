"""Excel workbooks (openpyxl): the meeting workbook for headquarters (`exports`), the
department entry template (`template`) and reading a filled-in template back (`imports`).

Figures come from `indicators.selectors` and the stored rates, never from arithmetic here,
so a workbook shows what the web pages show.
"""
