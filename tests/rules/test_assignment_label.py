"""How the diary names a piece of work: the type and the title, never the type twice."""
from app.rules.journal import assignment_label


def test_a_title_that_names_the_type_already_is_shown_alone():
    assert assignment_label("Контрольная работа", "Контрольная работа № 3") == "Контрольная работа № 3"
    assert assignment_label("Контрольная работа", "контрольная работа по дробям") == "контрольная работа по дробям"


def test_another_title_follows_the_type_in_quotes_and_no_title_leaves_the_type():
    assert assignment_label("Контрольная работа", "Дроби") == "Контрольная работа «Дроби»"
    assert assignment_label("Ответ на уроке", None) == "Ответ на уроке"
    assert assignment_label("Ответ на уроке", "  ") == "Ответ на уроке"
