"""Announcements (audiences, attachments and their limits), the internal mail (the
address book is scoped; letters, unread counts, files) and the forum (stop words,
moderation and its log)."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Announcement, Employee, Enrolment, ForumPost, ForumTopic, Guardian, MailMessage, ModerationLog, PartaUser,
    SchoolClass, Student, StudentGuardian, SubjectGroup, SubjectGroupTeacher,
)
from tests.conftest import DEMO_PASSWORD, flashes, login, unique


def as_user(app, username: str):
    """A client of its own, logged in (a logged-in client does not log in again)."""
    return login(app.test_client(), username)


def _id(username: str) -> int:
    return db.session.scalar(select(PartaUser.id).where(PartaUser.username == username))


def _class_of(app, username: str) -> int:
    with app.app_context():
        student = db.session.scalar(select(Student.id).where(Student.user_id == _id(username)))
        class_id = db.session.scalar(select(Enrolment.class_id).where(Enrolment.student_id == student,
                                                                     Enrolment.end_date.is_(None)))
        db.session.remove()
    return class_id


def _announce(client, title: str, audience: str, class_id=None, files=()):
    data = {"title": title, "text": "Текст объявления", "audience": audience, "visible_until": ""}
    if class_id:
        data["school_class"] = str(class_id)
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/announcementview/add", data=data, content_type="multipart/form-data", follow_redirects=True)


def _count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return n


# --- announcements -----------------------------------------------------------------------

def test_an_announcement_for_the_parents_of_a_class_reaches_them_and_not_the_students(app, client):
    class_id = _class_of(app, "student")
    title = unique("Экскурсия")
    client = as_user(app, "classteacher")
    response = _announce(client, title, "class_parents", class_id, files=[("Маршрут.pdf", b"%PDF-1.4 test")])
    assert "Запись добавлена" in flashes(response.get_data(as_text=True))
    client = as_user(app, "parent")
    home = client.get("/").get_data(as_text=True)
    assert title in home and "Маршрут.pdf" in home
    file_link = re.search(r'href="(/announcements/file/\d+)"[^>]*><i class="fa fa-paperclip"></i> Маршрут.pdf', home).group(1)
    download = client.get(file_link)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    client = as_user(app, "student")
    assert title not in client.get("/announcements/").get_data(as_text=True)
    assert client.get(file_link).status_code == 404


def test_a_staff_announcement_stays_with_the_staff(app, client):
    title = unique("Педсовет")
    client = as_user(app, "coordinator")
    assert "Запись добавлена" in flashes(_announce(client, title, "staff").get_data(as_text=True))
    client = as_user(app, "teacher")
    assert title in client.get("/").get_data(as_text=True)
    client = as_user(app, "parent")
    assert title not in client.get("/announcements/").get_data(as_text=True)


@pytest.mark.parametrize("files,message", [
    ([("setup.exe", b"MZ")], "Файлы такого типа прикреплять нельзя"),
    ([(f"f{i}.txt", b"x") for i in range(6)], "не больше 5 файлов"),
    ([("big.pdf", b"x" * (5 * 1024 * 1024 + 1))], "больше 5 МБ"),
])
def test_attachments_outside_the_limits_are_refused_and_nothing_is_posted(app, client, files, message):
    before = _count(app, Announcement)
    client = as_user(app, "teacher")
    response = _announce(client, unique("С вложением"), "school", files=files)
    assert any(message in text for text in flashes(response.get_data(as_text=True)))
    assert _count(app, Announcement) == before


def test_a_class_announcement_needs_its_class(app, client):
    before = _count(app, Announcement)
    client = as_user(app, "teacher")
    response = _announce(client, unique("Без класса"), "school_class")
    assert any("Выберите класс" in text for text in flashes(response.get_data(as_text=True)))
    assert _count(app, Announcement) == before


# --- mail ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strangers(app):
    """A teacher of another class and a parent of a student of another class, both with logins."""
    with app.app_context():
        sm = app.appbuilder.sm
        demo_class = _class_of(app, "student")
        other_class = db.session.scalar(select(SchoolClass).where(SchoolClass.id != demo_class, SchoolClass.grade == 9))
        teacher_login = sm.add_user(unique("t").replace(" ", ""), "Ирина", "Чужая", f"{unique('t')[-6:]}@t.test",
                                    sm.find_role("Учитель"), password=DEMO_PASSWORD)
        teacher_login.school_id = other_class.school_id
        employee = Employee(school_id=other_class.school_id, last_name="Чужая", first_name="Ирина", user_id=teacher_login.id)
        db.session.add(employee)
        db.session.flush()
        group = db.session.scalar(select(SubjectGroup).where(SubjectGroup.class_id == other_class.id))
        db.session.add(SubjectGroupTeacher(school_id=other_class.school_id, subject_group_id=group.id, employee_id=employee.id))
        student = db.session.scalar(select(Student.id).join(Enrolment, Enrolment.student_id == Student.id)
                                    .where(Enrolment.class_id == other_class.id))
        parent_login = sm.add_user(unique("p").replace(" ", ""), "Пётр", "Чужой", f"{unique('p')[-6:]}@p.test",
                                   sm.find_role("Родитель"), password=DEMO_PASSWORD)
        parent_login.school_id = other_class.school_id
        guardian = Guardian(school_id=other_class.school_id, last_name="Чужой", first_name="Пётр", user_id=parent_login.id)
        db.session.add(guardian)
        db.session.flush()
        db.session.add(StudentGuardian(school_id=other_class.school_id, student_id=student, guardian_id=guardian.id,
                                       relation="father"))
        db.session.commit()
        ids = {"teacher": teacher_login.id, "parent": parent_login.id, "teacher_login": teacher_login.username}
        db.session.remove()
    return ids


def _book(client) -> set:
    html = client.get("/mail/compose").get_data(as_text=True)
    return {int(v) for v in re.findall(r'<option value="(\d+)"', html[html.index('id="mail-to"'):])}


def test_a_parent_writes_to_their_childrens_teachers_and_the_administration_only(app, client, strangers):
    with app.app_context():
        expected = {_id(name) for name in ("teacher", "classteacher", "admin", "coordinator", "director", "secretary")}
        db.session.remove()
    client = as_user(app, "parent")
    book = _book(client)
    assert expected <= book
    assert strangers["teacher"] not in book and strangers["parent"] not in book
    before = _count(app, MailMessage)
    response = client.post("/mail/compose", data={"to": [strangers["teacher"]], "subject": "Вопрос", "body": "Текст"},
                           follow_redirects=True)
    assert any("вы писать не можете" in text for text in flashes(response.get_data(as_text=True)))
    assert _count(app, MailMessage) == before


def test_a_teacher_writes_to_the_parents_of_their_groups_not_of_other_classes(app, client, strangers):
    with app.app_context():
        parent = _id("parent")
        db.session.remove()
    client = as_user(app, "teacher")
    book = _book(client)
    assert parent in book and strangers["parent"] not in book
    assert strangers["teacher"] in book  # colleagues write to each other


def test_a_letter_arrives_unread_is_read_and_its_file_stays_between_the_two(app, client):
    with app.app_context():
        teacher = _id("teacher")
        db.session.remove()
    subject = unique("Домашнее задание")
    client = as_user(app, "parent")
    response = client.post("/mail/compose", data={"to": [str(teacher)], "subject": subject, "body": "Можно ли сдать позже?",
                                                  "files": [(io.BytesIO(b"scan"), "справка.jpg")]},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Письмо отправлено." in flashes(response.get_data(as_text=True))
    client = as_user(app, "teacher")
    inbox = client.get("/mail/").get_data(as_text=True)
    assert subject in inbox and re.search(r'id="navbar-unread">\d+<', inbox)
    letter_id = int(re.search(rf'href="/mail/letter/(\d+)"><b>{re.escape(subject)}', inbox).group(1))
    letter = client.get(f"/mail/letter/{letter_id}").get_data(as_text=True)
    assert "Можно ли сдать позже?" in letter
    file_url = re.search(r'href="(/mail/file/\d+)"', letter).group(1)
    assert client.get(file_url).data == b"scan"
    with app.app_context():
        message = db.session.get(MailMessage, letter_id)
        assert message.recipients[0].read_at is not None
        db.session.remove()
    client = as_user(app, "student")
    assert client.get(f"/mail/letter/{letter_id}").status_code == 404
    assert client.get(file_url).status_code == 404


def test_an_empty_letter_is_refused(app, client):
    with app.app_context():
        teacher = _id("teacher")
        db.session.remove()
    before = _count(app, MailMessage)
    client = as_user(app, "parent")
    response = client.post("/mail/compose", data={"to": [str(teacher)], "subject": "", "body": ""}, follow_redirects=True)
    assert any("тему" in text for text in flashes(response.get_data(as_text=True)))
    assert _count(app, MailMessage) == before


# --- the forum ---------------------------------------------------------------------------------

def _topic(client, title: str, text: str) -> int:
    response = client.post("/forum/new", data={"title": title, "text": text})
    return int(re.search(r"/forum/topic/(\d+)", response.headers["Location"]).group(1))


def test_a_post_with_a_stop_word_waits_for_the_moderator_who_removes_it_and_the_log_keeps_it(app, client):
    client = as_user(app, "parent")
    topic = _topic(client, unique("Кружки"), "Предлагаю открыть кружок рисования.")
    client = as_user(app, "student")
    client.post(f"/forum/topic/{topic}", data={"text": "Это предложение для идиотов"})
    own = client.get(f"/forum/topic/{topic}").get_data(as_text=True)
    assert "Это предложение для идиотов" in own and "на проверке у модератора" in own
    client = as_user(app, "parent")
    page = client.get(f"/forum/topic/{topic}").get_data(as_text=True)
    assert "Предлагаю открыть кружок рисования." in page and "для идиотов" not in page
    client = as_user(app, "moderator")
    queue = client.get("/forum/moderation").get_data(as_text=True)
    assert "Это предложение для идиотов" in queue and "идиот" in queue
    with app.app_context():
        post = db.session.scalar(select(ForumPost.id).where(ForumPost.text == "Это предложение для идиотов"))
        db.session.remove()
    client.post(f"/forum/post/{post}/delete", data={"reason": "Оскорбление"})
    with app.app_context():
        entry = db.session.scalar(select(ModerationLog).where(ModerationLog.post_id == post))
        assert entry.action.name == "delete" and entry.reason == "Оскорбление"
        assert entry.moderator.username == "moderator" and entry.old_text == "Это предложение для идиотов"
        assert db.session.get(ForumPost, post).is_deleted
        db.session.remove()
    client = as_user(app, "student")
    assert "для идиотов" not in client.get(f"/forum/topic/{topic}").get_data(as_text=True)


def test_a_stop_word_with_a_latin_letter_waits_for_the_moderator_too(app, client):
    client = as_user(app, "parent")
    topic = _topic(client, unique("Погода"), "Сам ты дуpак")   # «p» is Latin
    with app.app_context():
        post = db.session.scalar(select(ForumPost).join(ForumTopic).where(ForumTopic.id == topic))
        assert post.flagged == "дурак"
        db.session.remove()
    client = as_user(app, "student")
    assert "Сам ты дуpак" not in client.get(f"/forum/topic/{topic}").get_data(as_text=True)


def test_the_moderator_edits_a_post_and_the_log_keeps_both_texts(app, client):
    client = as_user(app, "parent")
    topic = _topic(client, unique("Опечатка"), "Собрание в чтверг")
    with app.app_context():
        post = db.session.scalar(select(ForumPost.id).join(ForumTopic).where(ForumTopic.id == topic))
        db.session.remove()
    client = as_user(app, "moderator")
    client.post(f"/forum/post/{post}/edit", data={"text": "Собрание в четверг", "reason": "Опечатка"})
    with app.app_context():
        entry = db.session.scalar(select(ModerationLog).where(ModerationLog.post_id == post))
        assert (entry.old_text, entry.new_text) == ("Собрание в чтверг", "Собрание в четверг")
        db.session.remove()
    client = as_user(app, "parent")
    page = client.get(f"/forum/topic/{topic}").get_data(as_text=True)
    assert "Собрание в четверг" in page and "исправлено модератором" in page


def test_a_new_stop_word_of_the_moderator_flags_the_next_post(app, client):
    word = unique("бяка").split()[-1]
    client = as_user(app, "moderator")
    assert client.post("/forumstopwordview/add", data={"word": word}, follow_redirects=True).status_code == 200
    client = as_user(app, "parent")
    topic = _topic(client, unique("Слова"), f"Какая {word} погода")
    with app.app_context():
        post = db.session.scalar(select(ForumPost).join(ForumTopic).where(ForumTopic.id == topic))
        assert post.flagged == word
        db.session.remove()


def test_only_the_moderator_moderates(app, client):
    with app.app_context():
        post = db.session.scalar(select(ForumPost.id).order_by(ForumPost.id))
        db.session.remove()
    client = as_user(app, "teacher")
    assert client.get("/forum/moderation").status_code in (302, 403)
    assert client.post(f"/forum/post/{post}/delete").status_code in (302, 403)
    with app.app_context():
        assert not db.session.get(ForumPost, post).is_deleted
        db.session.remove()
