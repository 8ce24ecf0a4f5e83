"""The parent's consent to personal-data processing (152-FZ), filled in or blank."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext

from reports.consent import consent_form_pdf

from .helpers import assert_roboto_only, chars_without_glyph, flat, reader, text

SCHOOL = {
    "full_name": "Муниципальное бюджетное общеобразовательное учреждение средняя общеобразовательная школа № 1",
    "short_name": "МБОУ СОШ № 1",
    "juridical_address": "352080, Краснодарский край, ст-ца Крыловская, ул. Ленина, д. 1",
    "director": "Волкова Наталья Михайловна",
}
STUDENT = {"full_name": "Иванова Анна Сергеевна", "birth_date": dt.date(2014, 3, 7), "class_name": "5А"}
GUARDIAN = {"full_name": "Иванова Елена Петровна", "address": "ул. Садовая, д. 12, кв. 3", "phone": "+7 900 123-45-67"}

LEGAL_PHRASES = (
    "СОГЛАСИЕ",
    "родителя (законного представителя) на обработку персональных данных обучающегося",
    "Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»",
    "Перечень персональных данных",
    "успеваемость",
    "посещаемость",
    "электронного классного журнала и электронного дневника",
    "органы, осуществляющие управление в сфере образования",
    "сбор, запись, систематизация",
    "до окончания обучения",
    "может быть отозвано мной в любое время на основании письменного заявления",
    "(подпись)",
    "(расшифровка подписи)",
)


def test_filled_form_names_the_parent_child_and_operator(pdf_ctx):
    data = consent_form_pdf(SCHOOL, STUDENT, GUARDIAN, form_version="2")
    printed = flat(text(data))
    for expected in (GUARDIAN["full_name"], GUARDIAN["address"], GUARDIAN["phone"], STUDENT["full_name"],
                     "07.03.2014", "5А", SCHOOL["full_name"], SCHOOL["short_name"],
                     SCHOOL["juridical_address"], SCHOOL["director"], *LEGAL_PHRASES):
        assert expected in printed, expected
    assert gettext("Consent form, version %(version)s", version="2") in printed.split("СОГЛАСИЕ")[0]
    assert printed.count(GUARDIAN["full_name"]) == 2  # «Я, …» and the signature


def test_filled_form_fits_on_one_page(pdf_ctx):
    assert len(reader(consent_form_pdf(SCHOOL, STUDENT, GUARDIAN)).pages) == 1


def test_blank_form_prints_lines_to_fill_by_hand(pdf_ctx):
    data = consent_form_pdf(SCHOOL, None, None)
    printed = flat(text(data))
    for expected in LEGAL_PHRASES:
        assert expected in printed, expected
    assert "(фамилия, имя, отчество обучающегося полностью)" in printed
    assert "None" not in printed and "Иванова" not in printed
    assert len(reader(data).pages) == 1


def test_missing_fields_print_blank_not_none(pdf_ctx):
    data = consent_form_pdf({"short_name": "МБОУ СОШ № 1"}, {"full_name": "Петров Пётр"}, {"full_name": "", "phone": None})
    printed = flat(text(data))
    assert "Петров Пётр" in printed
    assert "None" not in printed
    assert "(полное наименование образовательной организации)" in printed


def test_consent_uses_embedded_roboto_and_no_missing_glyphs(pdf_ctx):
    data = consent_form_pdf(SCHOOL, STUDENT, GUARDIAN)
    assert_roboto_only(data)
    assert not chars_without_glyph(text(data))
