"""Login slips: ten to an A4 page, with everything a user needs to log in."""
from __future__ import annotations

from flask_babel import gettext

from reports.credentials import Slip, credential_slips_pdf

from .helpers import assert_roboto_only, chars_without_glyph, flat, page_texts, reader, text

SCHOOL = "МБОУ СОШ № 1"
SITE = "https://parta.school1.ru"


def slips(n: int) -> list[Slip]:
    people = [("Иванова Анна Сергеевна", "5А", "Ученик"), ("Щербаков Ёжи Юрьевич", "11Б", "Родитель"),
              ("Кузнецова Мария Петровна", "Сотрудники", "Учитель")]
    return [Slip(*people[i % 3], login=f"user{i:03d}", password=f"Kq7m{i:03d}xZ") for i in range(n)]


def test_slip_prints_school_person_class_role_site_login_and_password(pdf_ctx):
    data = credential_slips_pdf(SCHOOL, SITE, slips(3))
    printed = flat(text(data))
    for expected in (SCHOOL, SITE, "Иванова Анна Сергеевна", "Щербаков Ёжи Юрьевич", "5А", "11Б",
                     "Сотрудники", "Ученик", "Родитель", "user000", "Kq7m001xZ", "user002", "Kq7m002xZ"):
        assert expected in printed
    for label in ("Login name", "Password", "Site address"):
        assert gettext(label) in printed


def test_slip_tells_to_change_the_password_and_keep_it_secret(pdf_ctx):
    printed = flat(text(credential_slips_pdf(SCHOOL, SITE, slips(1))))
    assert "При первом входе в систему смените пароль" in printed
    assert "никому их не сообщайте" in printed
    assert "Вы несёте ответственность" in printed


def test_ten_slips_fit_on_a_page(pdf_ctx):
    pages = page_texts(credential_slips_pdf(SCHOOL, SITE, slips(11)))
    assert len(pages) == 2
    assert pages[0].count("Kq7m") == 10 and pages[1].count("Kq7m") == 1


def test_two_hundred_slips_render_on_twenty_pages(pdf_ctx):
    data = credential_slips_pdf(SCHOOL, SITE, slips(200))
    assert len(reader(data).pages) == 20
    printed = text(data)
    assert "Kq7m000xZ" in printed and "Kq7m199xZ" in printed


def test_long_names_keep_five_rows_to_a_page(pdf_ctx):
    long_ones = [Slip("Константинопольский-Преображенский Вячеслав Эдуардович", "Сотрудники",
                      "Учитель-предметник, классный руководитель", f"u{i}", f"p{i}") for i in range(10)]
    data = credential_slips_pdf("МБОУ СОШ № 1 имени Героя Советского Союза В. С. Ступака станицы Крыловской",
                                SITE, long_ones)
    assert len(reader(data).pages) == 1


def test_slips_use_embedded_roboto_and_no_missing_glyphs(pdf_ctx):
    data = credential_slips_pdf(SCHOOL, SITE, slips(3))
    assert_roboto_only(data)
    assert not chars_without_glyph(text(data))


def test_no_slips_still_give_a_pdf(pdf_ctx):
    assert credential_slips_pdf(SCHOOL, SITE, []).startswith(b"%PDF")
