"""Attachment limits and the forum's stop words (app/rules/communication.py)."""
from __future__ import annotations

import pytest

from app.rules.communication import check_attachment, check_attachment_count, flagged_words
from app.rules.errors import RuleViolation


def test_documents_pictures_and_archives_may_be_attached():
    for name in ("Приказ.pdf", "расписание.XLSX", "фото.jpeg", "материалы.zip"):
        check_attachment(name, 1000)


def test_programs_and_files_without_an_extension_are_refused():
    for name in ("setup.exe", "script.sh", "README", ""):
        with pytest.raises(RuleViolation):
            check_attachment(name, 1000)


def test_a_file_over_five_megabytes_is_refused_and_an_empty_one_too():
    check_attachment("big.pdf", 5 * 1024 * 1024)
    with pytest.raises(RuleViolation) as refused:
        check_attachment("big.pdf", 5 * 1024 * 1024 + 1)
    assert refused.value.params["limit"] == "5"
    with pytest.raises(RuleViolation):
        check_attachment("empty.pdf", 0)


def test_at_most_five_files_per_announcement_or_letter():
    check_attachment_count(5)
    with pytest.raises(RuleViolation):
        check_attachment_count(6)


def test_stop_words_are_found_whatever_the_case_and_yo():
    assert flagged_words("Ты ДУРАК!", ["дурак"]) == ["дурак"]
    assert flagged_words("Какой-то придурок ёжик", ["ежик", "урок"]) == ["ежик"]


def test_a_stop_word_matches_word_beginnings_only():
    assert flagged_words("Все дураки", ["дурак"]) == ["дурак"]
    assert flagged_words("Урок отменили", ["рок"]) == []


def test_a_clean_post_is_not_flagged():
    assert flagged_words("Когда родительское собрание?", ["дурак", "идиот"]) == []


def test_an_announcement_for_a_class_or_its_parents_names_the_class():
    from app.rules.communication import check_audience

    check_audience("school", None)
    check_audience("class_parents", 5)
    for audience in ("school_class", "class_parents"):
        with pytest.raises(RuleViolation):
            check_audience(audience, None)


def test_a_letter_needs_a_recipient_a_subject_of_up_to_255_characters_and_a_text():
    from app.rules.communication import check_letter

    check_letter(1, "Тема", "Текст")
    for recipients, subject, body in ((0, "Тема", "Текст"), (1, "", "Текст"), (1, "Т" * 256, "Текст"), (1, "Тема", "")):
        with pytest.raises(RuleViolation):
            check_letter(recipients, subject, body)
