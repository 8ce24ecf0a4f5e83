"""Personal-data consent (152-FZ): visible on the student card, a list of those
without it, and the printable form."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import exists, select

from app.extensions import db
from app.models import PersonalDataConsent, Student


def _students(app):
    with app.app_context():
        signed = db.session.scalar(select(Student).join(PersonalDataConsent, PersonalDataConsent.student_id == Student.id)
                                   .where(PersonalDataConsent.withdrawn_on.is_(None)).order_by(Student.id))
        unsigned = db.session.scalar(select(Student).where(~exists(select(PersonalDataConsent.id).where(
            PersonalDataConsent.student_id == Student.id, PersonalDataConsent.withdrawn_on.is_(None)))).order_by(Student.id))
        result = (signed.id, signed.last_name, unsigned.id, unsigned.last_name)
        db.session.remove()
    return result


def test_student_card_shows_the_consent_state(app, admin_client):
    signed, _, unsigned, _ = _students(app)
    assert "подписано" in admin_client.get(f"/studentview/show/{signed}").get_data(as_text=True)
    assert "нет согласия" in admin_client.get(f"/studentview/show/{unsigned}").get_data(as_text=True)


def test_list_without_consent_holds_exactly_those_without_it(app, admin_client):
    signed, _, unsigned, _ = _students(app)
    html = admin_client.get("/studentwithoutconsentview/list/?psize_StudentWithoutConsentView=100").get_data(as_text=True)
    assert f"/studentwithoutconsentview/show/{unsigned}" in html
    assert f"/studentwithoutconsentview/show/{signed}\"" not in html


def test_printed_consent_form_names_the_student_and_the_school_in_cyrillic(app, admin_client):
    signed, last_name, _, _ = _students(app)
    response = admin_client.get(f"/studentview/consent/{signed}")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert last_name in text
    assert "Согласие" in text and "персональных данных" in text
    assert "Средняя общеобразовательная школа № 1" in text.replace("\n", " ")


def test_consent_form_of_another_schools_student_is_not_found(app, admin_client):
    with app.app_context():
        last = db.session.scalar(select(Student.id).order_by(Student.id.desc()))
        db.session.remove()
    assert admin_client.get(f"/studentview/consent/{last + 1000}").status_code == 404
