"""Row filters of the people views."""
from __future__ import annotations

from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import exists, select

from app.models import PersonalDataConsent, Student


class WithoutConsentFilter(BaseFilter):
    """Students with no signed, unwithdrawn personal-data consent."""

    name = "without consent"
    arg_name = "noconsent"

    def apply(self, query, value):
        signed = select(PersonalDataConsent.id).where(
            PersonalDataConsent.student_id == Student.id, PersonalDataConsent.withdrawn_on.is_(None)
        )
        return query.filter(~exists(signed))
