"""Reading and writing the plan file (docs/plan-format.md), a module per job: `check`
(read and check), `compare` (the file against the stored rows), `apply` (write the
differences, with `bulk_rows`), `export` (the stored plan as a file).

The plan file holds measures *and* their indicators, so it lives here, above `measures`
in the dependency order (`indicators` → `measures`), not in `measures` itself.

Loading is two steps: `plan_file_check` checks the whole document and collects every
problem (naming the file, the measure code and the key) before anything is written;
`plan_load` then compares the file with the stored plan by natural keys and writes only the
differences, in bulk and in one transaction, so a bad file loads nothing and an edited file
updates in place, keeping whatever hangs off measures and indicators (actuals, progress) as
long as their natural keys stay.
"""

from indicators.plan_file.apply import LoadSummary, plan_load
from indicators.plan_file.check import FORMAT, PlanFileError, plan_file_check, plan_file_read
from indicators.plan_file.export import plan_export, plan_export_json

__all__ = [
    "FORMAT",
    "LoadSummary",
    "PlanFileError",
    "plan_export",
    "plan_export_json",
    "plan_file_check",
    "plan_file_read",
    "plan_load",
]
