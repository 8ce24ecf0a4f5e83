"""Every string of the app has a Russian translation; the UI speaks Russian."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import school_today

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None, "Label": None}
METHODS = [("app/**.py", "python"), ("reports/**.py", "python"), ("app/templates/**.html", "jinja2"), ("reports/**.html", "jinja2")]


def extracted_msgids() -> set[str]:
    ids: set[str] = set()
    for folder in ("app", "reports"):
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT / folder), method_map=[(p.split("/", 1)[1], m) for p, m in METHODS if p.startswith(folder)],
            keywords=KEYWORDS,
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_app_string_has_a_russian_translation():
    with open(ROOT / "translations/ru/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="ru")
    # a plural entry (ngettext) is keyed by its singular msgid; every plural form must be translated
    translated = {(m.id if isinstance(m.id, str) else m.id[0]): (m.string if isinstance(m.string, str) else " ".join(m.string))
                  for m in catalog if m.id and m.string and all(m.string) and not m.fuzzy}
    missing = sorted(i for i in extracted_msgids() if i not in translated)
    assert not missing, f"untranslated strings: {missing}"
    untranslated_cyrillic = [i for i, s in translated.items() if not re.search("[А-Яа-яЁё№]", s)]
    assert not untranslated_cyrillic, f"translations without Russian text: {untranslated_cyrillic}"


def test_login_page_is_in_russian(client):
    html = client.get("/login/").get_data(as_text=True)
    assert "Имя пользователя" in html
    assert "Пароль" in html
    assert 'lang="ru"' in html or "Парта" in html


def test_menus_are_in_russian_for_the_administrator(admin_client):
    html = admin_client.get("/").get_data(as_text=True)
    for menu in ("Управление", "Планирование", "Люди", "Журнал", "Движение учащихся", "Ученики", "Классы", "Расписание уроков"):
        assert menu in html
    for english in ("Administration", "Planning", "People", "Students", "List "):
        assert f">{english}<" not in html


def test_home_page_shows_the_school_today_and_its_head_counts(admin_client):

    html = admin_client.get("/").get_data(as_text=True)
    assert "МБОУ СОШ № 1" in html
    assert school_today().strftime("%d.%m.%Y") in html
    assert "2026/2027" in html
    assert "Учеников на сегодня" in html


def test_every_column_of_every_view_has_a_russian_label(app):
    from app.views import MENU

    missing = []
    with app.test_request_context():
        from app.views.base import PartaModelView

        for view_class, *_ in MENU:
            if not issubclass(view_class, PartaModelView):
                continue
            view = next(v for v in app.appbuilder.baseviews if isinstance(v, view_class))
            columns = set(view.list_columns) | set(view.show_columns) | set(view.add_columns or []) | set(view.search_columns)
            for column in columns:
                label = str(view.label_columns.get(column, ""))
                if not re.search("[А-Яа-яЁё№]", label):
                    missing.append(f"{view_class.__name__}.{column}")
    assert not missing, missing


def test_yes_and_no_are_shown_in_russian(admin_client):
    html = admin_client.get("/assignmenttypeview/list/").get_data(as_text=True)
    assert re.search(r">\s*Да\s*<", html) and re.search(r">\s*Нет\s*<", html)
    assert "False" not in html and "True" not in html
