"""What a mark may hold (act 001: marks from the school's scale; a «точка» marks work owed)."""
from __future__ import annotations

from typing import Optional

from .errors import N_, RuleViolation


def check_mark(value_scale_id: Optional[int], allowed_scale_id: int, is_duty: bool) -> None:
    """A mark takes a value from the subject group's scale, or is a bare «точка»."""
    if value_scale_id is None:
        if not is_duty:
            raise RuleViolation(N_("A mark needs a value from the scale or the duty flag («точка»)."))
        return
    if value_scale_id != allowed_scale_id:
        raise RuleViolation(N_("This value is not on the mark scale of the subject group."))


def check_weight(weight) -> None:
    """An assignment's own weight, when set, lies in (0, 10]: "1,5" for an independent
    work, "2" for a control work; the type's weight applies when it is empty."""
    if weight is None:
        return
    try:
        number = float(weight)
    except (TypeError, ValueError):
        number = float("nan")
    if not (0 < number <= 10):  # also refuses NaN
        raise RuleViolation(N_("The weight is a number from 0 to 10."))
