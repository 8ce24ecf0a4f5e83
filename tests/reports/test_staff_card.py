"""The personal card of an employee: every section of the personal file printed in
Cyrillic with the embedded font, and empty sections saying so."""
from __future__ import annotations

from flask_babel import gettext

from reports.staff_card import StaffCard, staff_card_pdf

from .helpers import assert_roboto_only, chars_without_glyph, flat, page_texts, text

SCHOOL = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»"

FULL = StaffCard(
    full_name="Щербакова Юлия Эдуардовна",
    birth_date="11.02.1979", gender="Женский", phone="+7 (912) 560-11-97", email="shcherbakova@sch1.ru",
    address="г. Энск, ул. Чехова, д. 41, кв. 27", hire_date="28.08.2003", leave_date="",
    positions=[{"position": "Учитель", "rate": "1,5", "start": "28.08.2003", "end": "11.01.2026"},
               {"position": "Заместитель директора по УВР", "rate": "1", "start": "12.01.2026", "end": ""}],
    education=[{"level": "Высшее — специалитет, магистратура", "institution": "Энский государственный педагогический университет",
                "year": 2003, "specialty": "Математика", "qualification": "Учитель математики и информатики",
                "diploma": "ВСГ 0123456"}],
    attestations=[{"category": "Высшая", "position": "Учитель", "assigned_on": "20.03.2021",
                   "order_number": "№ 815 от 20.03.2021", "valid_until": "20.03.2026"}],
    category_warning="срок истёк",
    courses=[{"program": "Реализация требований обновлённых ФГОС ООО в работе учителя", "organisation": "Энский ИРО",
              "hours": 72, "start": "01.03.2025", "end": "20.03.2025", "certificate": "УД-7788"}],
    orders=[{"number": "К-3", "date": "28.08.2003", "kind": "Приём на работу", "position": "Учитель", "rate": "1,5",
             "reason": ""},
            {"number": "К-1", "date": "12.01.2026", "kind": "Перевод на другую должность",
             "position": "Заместитель директора по УВР", "rate": "1", "reason": ""}],
)


def test_card_prints_every_section_of_the_personal_file(pdf_ctx):
    printed = flat(text(staff_card_pdf(SCHOOL, FULL, "23.11.2026")))
    for expected in ("Щербакова Юлия Эдуардовна", "Средняя общеобразовательная школа № 1", "Заместитель директора по УВР",
                     "12.01.2026", "Энский государственный педагогический университет", "ВСГ 0123456", "Высшая",
                     "№ 815 от 20.03.2021", "Реализация требований обновлённых ФГОС ООО", "УД-7788", "К-3",
                     "Перевод на другую должность", "срок истёк", gettext("Personal card of an employee")):
        assert expected in printed, expected


def test_card_uses_embedded_roboto_and_no_missing_glyphs(pdf_ctx):
    data = staff_card_pdf(SCHOOL, FULL, "23.11.2026")
    assert_roboto_only(data)
    assert not chars_without_glyph(text(data))
    assert len(page_texts(data)) == 1


def test_empty_sections_say_there_are_no_records(pdf_ctx):
    printed = flat(text(staff_card_pdf(SCHOOL, StaffCard(full_name="Ёлкин Пётр"), "23.11.2026")))
    assert "Ёлкин Пётр" in printed
    assert printed.count(gettext("No records.")) == 5


def test_user_text_is_printed_as_text_not_markup(pdf_ctx):
    card = StaffCard(full_name="Иванов <b>Иван</b>", courses=[{"program": "<img src='http://x/y.png'>", "organisation": "ИРО",
                                                               "hours": 16, "start": "", "end": "01.02.2026",
                                                               "certificate": ""}])
    printed = flat(text(staff_card_pdf(SCHOOL, card, "23.11.2026")))
    assert "Иванов <b>Иван</b>" in printed and "<img src='http://x/y.png'>" in printed
