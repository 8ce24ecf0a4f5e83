"""The printable consent of a parent (законный представитель) to the processing of a
child's personal data, 152-FZ art. 9; act 002 approves such a form.

Unknown fields print as blank lines to fill in by hand, so the same function prints
a blank form for the office and a pre-filled one for a given family.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from reports.pdf import render_pdf

SCHOOL_KEYS = ("full_name", "short_name", "juridical_address", "director")
STUDENT_KEYS = ("full_name", "birth_date", "class_name")
GUARDIAN_KEYS = ("full_name", "address", "phone")


def _fields(data: Optional[Mapping[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """Every key the template reads, None where unknown; blank strings count as unknown."""
    data = data or {}
    return {key: (data.get(key) or None) for key in keys}


def consent_form_pdf(
    school: dict,
    student: dict | None,
    guardian: dict | None,
    form_version: str = "1",
) -> bytes:
    """The consent form as a PDF; pass None for the student or guardian to leave
    their lines blank."""
    return render_pdf(
        "consent_form.html",
        school=_fields(school, SCHOOL_KEYS),
        student=_fields(student, STUDENT_KEYS),
        guardian=_fields(guardian, GUARDIAN_KEYS),
        form_version=form_version,
    )
