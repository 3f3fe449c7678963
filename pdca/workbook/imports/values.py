"""What an upload says, as it travels from reading (step 1) through the session to saving
(step 2): plain dataclasses, and the error that carries the messages to show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

TEXT_KEYS = ("achievements_text", "self_assessment", "issues_text", "next_steps_text")


class UploadError(Exception):
    """The upload cannot be used; `messages` are the Japanese lines to show (nothing was written)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass
class IndicatorInput:
    indicator_id: int
    value: Decimal | None
    milestone_status: str
    description: str


@dataclass
class ProgressInput:
    item_id: int
    status: str
    note: str


@dataclass
class MeasureUpdate:
    """Everything to save for one measure: the file's rows, and the texts (from the file, or
    as saved when the file has no row for them). `version` is the submission's version when
    previewed, so that a save in between is caught by entry_save."""

    measure_id: int
    code: str
    version: int
    indicators: list[IndicatorInput] = field(default_factory=list)
    progress: list[ProgressInput] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class Change:
    code: str
    where: str
    what: str
    old: str
    new: str
    # For a changed actual: its plausibility warnings (indicators.plausibility), and the rate
    # and grade it would get.
    warnings: tuple[str, ...] = ()
    result: str = ""


@dataclass
class UploadPreview:
    fiscal_year: int
    digest: str
    filename: str
    updates: list[MeasureUpdate]
    changes: list[Change]

    def as_session_data(self) -> dict:
        """JSON-safe: decimals become strings."""
        data = asdict(self)
        for update in data["updates"]:
            for item in update["indicators"]:
                item["value"] = None if item["value"] is None else str(item["value"])
        return data

    @classmethod
    def from_session_data(cls, data: dict) -> UploadPreview:
        updates = []
        for raw in data["updates"]:
            indicators = [
                IndicatorInput(
                    indicator_id=item["indicator_id"],
                    value=None if item["value"] is None else Decimal(item["value"]),
                    milestone_status=item["milestone_status"],
                    description=item["description"],
                )
                for item in raw["indicators"]
            ]
            progress = [ProgressInput(**item) for item in raw["progress"]]
            updates.append(
                MeasureUpdate(
                    measure_id=raw["measure_id"],
                    code=raw["code"],
                    version=raw["version"],
                    indicators=indicators,
                    progress=progress,
                    texts=raw["texts"],
                )
            )
        changes = [Change(**change) for change in data["changes"]]
        return cls(
            fiscal_year=data["fiscal_year"],
            digest=data["digest"],
            filename=data["filename"],
            updates=updates,
            changes=changes,
        )
