"""The role × right matrix: marks where granted, headers that fit, page-sized tables."""
from __future__ import annotations

import pytest
from flask_babel import gettext

from reports.rights import hyphenation_points, layout, role_matrix_pdf, wrap
from reports.pdf import text_width

from .helpers import assert_roboto_only, chars_without_glyph, flat, page_texts, text

ROLES = [
    "Администратор", "Координатор", "Директор", "Завуч", "Учитель", "Секретарь", "Специалист по кадрам",
    "Воспитатель", "Модератор форума", "Ученик", "Родитель", "Специалист управления образования",
    "Оператор муниципального сегмента",
]
BASE_RIGHTS = [
    ("journal_view_own", "Просмотр журналов своих предмет-групп и класса"),
    ("journal_view_all", "Просмотр всех журналов"),
    ("journal_edit_own", "Редактирование журналов своих предмет-групп"),
    ("final_marks_edit_all", "Редактирование всех итоговых отметок"),
    ("users_edit", "Редактирование пользователей и выдача паролей"),
]


def rights(n: int) -> list[tuple[str, str]]:
    out = list(BASE_RIGHTS)
    for i in range(len(out), n):
        out.append((f"right_{i:02d}_view_own", f"Право номер {i} с названием, которое может занять две строки таблицы"))
    return out


def split_word(word: str) -> str:
    points = hyphenation_points(word)
    return "-".join(word[a:b] for a, b in zip([0, *points], [*points, len(word)]))


@pytest.mark.parametrize("word, expected", [
    ("Администратор", "Ад-ми-нис-тра-тор"),
    ("муниципального", "му-ни-ци-паль-но-го"),
    ("образования", "об-ра-зо-ва-ния"),
    ("подъезд", "подъ-езд"),
    ("Ученик", "Уче-ник"),
])
def test_russian_words_break_at_syllables(word, expected):
    assert split_word(word) == expected


def test_role_headers_fit_their_columns(pdf_ctx):
    shape = layout(ROLES, [code for code, _ in rights(60)])
    inner = shape.role_width - 5
    for role in ROLES:
        lines = wrap(role, inner, shape.header_size, bold=True)
        assert all(text_width(line, shape.header_size, bold=True) <= inner for line in lines), lines
        assert "".join(lines).replace(" ", "").replace("-", "") == role.replace(" ", "").replace("-", "")


def test_a_compound_word_breaks_at_its_own_hyphen():
    assert wrap("Учитель-предметник", text_width("Учитель-предметни", 7), 7) == ["Учитель-", "предметник"]


def test_matrix_marks_granted_pairs_and_names_roles_and_rights(pdf_ctx):
    granted = {("Администратор", code) for code, _ in BASE_RIGHTS} | {("Учитель", "journal_edit_own"),
                                                                         ("Родитель", "journal_view_own")}
    data = role_matrix_pdf("МБОУ СОШ № 1", ROLES, BASE_RIGHTS, granted)
    pages = page_texts(data)
    printed = flat(text(data))
    for code, title in BASE_RIGHTS:
        assert code in printed and title in printed
    for expected in ("Директор", "Завуч", "Учитель", "Родитель", "МБОУ СОШ № 1", gettext("Rights of roles"),
                     gettext("Code"), gettext("Right")):
        assert expected in printed
    # One «+» per granted pair, plus the one in each page's legend.
    assert printed.count("+") == len(granted) + len(pages)


def test_sixty_rights_split_into_pages_each_with_the_header(pdf_ctx):
    data = role_matrix_pdf("МБОУ СОШ № 1", ROLES, rights(60), {("Директор", "right_59_view_own")})
    pages = page_texts(data)
    assert 2 <= len(pages) <= 4
    for page in pages:
        assert gettext("Code") in page and "Директор" in page and "Завуч" in page
    printed = flat(text(data))
    assert "right_05_view_own" in printed and "right_59_view_own" in printed
    assert printed.count("+") == 1 + len(pages)


def test_matrix_uses_embedded_roboto_and_no_missing_glyphs(pdf_ctx):
    data = role_matrix_pdf("МБОУ СОШ № 1", ROLES, rights(8), {("Директор", "journal_view_all")})
    assert_roboto_only(data)
    assert not chars_without_glyph(text(data))


def test_no_rights_still_print_the_header(pdf_ctx):
    printed = flat(text(role_matrix_pdf("МБОУ СОШ № 1", ROLES, [], set())))
    assert gettext("Code") in printed and "Директор" in printed
