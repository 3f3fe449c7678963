"""Reading a filled-in department template back, and saving it: a module per job.

Two steps, so that nothing is written before the clerk has seen what will change:

1. `template_upload_read` checks the file as a whole (size before anything else, then
   type, encryption, the signed identity of the template, its year and sections, sheet
   names, headers and merged cells) and then every input cell (numbers through
   `core.numbers.parse_decimal`, like the entry form). It compares the file with what is
   saved now and returns an `UploadPreview`: the measures whose values differ and every
   changed cell, old → new. Measures whose values are unchanged are left out, so the same
   file uploaded twice changes nothing. Problems are collected, not stopped at, and raised
   together as one `UploadError` whose messages name the sheet, row and column in Japanese.
2. `template_upload_apply` saves the previewed measures in one transaction, each through
   `pdca.services.entry_save` after asking `pdca.rights`, exactly as the entry form does.
   Any refusal or conflict undoes the whole upload.

Modules: `container` (the file as a whole, before anything is loaded), `sheets` (the
workbook's identity, rows and cells), `compare` (the file against what is saved),
`read` (step 1), `apply` (step 2), and `values` (what travels between them).

Between the steps the preview is kept as plain parsed data in the server-side session
(`UploadPreview.as_session_data`), never as a file on disk; a digest of the uploaded file
ties the confirmation to the preview the clerk saw.
"""

from pdca.workbook.imports.apply import template_upload_apply
from pdca.workbook.imports.read import template_upload_read
from pdca.workbook.imports.values import Change, MeasureUpdate, UploadError, UploadPreview

__all__ = ["Change", "MeasureUpdate", "UploadError", "UploadPreview", "template_upload_apply", "template_upload_read"]
