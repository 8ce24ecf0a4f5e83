"""Each school sees only its own segment: lists, rows by id and form dropdowns."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Employee, PartaUser, School, SchoolClass, SchoolYear, Subject
from tests.conftest import unique
from tests.forms import read_form


@pytest.fixture(scope="module")
def other_school(app):
    """A second school in the same database, with a subject, a year, a class and a teacher."""
    import datetime as dt

    from app.models import Guardian, Student

    with app.app_context():
        school = School(full_name=unique("Гимназия"), short_name=unique("Гимназия №"))
        db.session.add(school)
        db.session.flush()
        subject = Subject(school_id=school.id, name=unique("Латынь"))
        pupil = Student(school_id=school.id, last_name="Чужой", first_name="Ученик", personal_file_no=unique("Г"))
        parent = Guardian(school_id=school.id, last_name="Чужая", first_name="Мама")
        db.session.add_all([pupil, parent])
        stranger = PartaUser(username=unique("chuzhoy").replace(" ", ""), first_name="Чужой", last_name="Админ",
                             email=f"{unique('x').replace(' ', '')}@example.ru", active=True, school_id=school.id)
        db.session.add(stranger)
        year = SchoolYear(school_id=school.id, name="2026/2027", start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 5, 31))
        teacher = Employee(school_id=school.id, last_name="Чужаков", first_name="Пётр")
        db.session.add_all([subject, year, teacher])
        db.session.flush()
        school_class = SchoolClass(school_id=school.id, year_id=year.id, grade=5, letter="Я")
        db.session.add(school_class)
        db.session.commit()
        ids = {"school": school.id, "subject": subject.id, "subject_name": subject.name, "teacher": teacher.id,
               "class": school_class.id, "year": year.id, "school_name": school.short_name,
               "student": pupil.id, "guardian": parent.id, "login": stranger.username, "login_id": stranger.id}
        db.session.remove()
    yield ids
    # the school goes again: other modules count the students and schools of the database
    from sqlalchemy import delete

    with app.app_context():
        for model in (SchoolClass, SchoolYear, Subject, Employee, Guardian, Student):
            db.session.execute(delete(model).where(model.school_id == ids["school"]))
        db.session.execute(delete(PartaUser).where(PartaUser.id == ids["login_id"]))
        db.session.execute(delete(School).where(School.id == ids["school"]))
        db.session.commit()
        db.session.remove()


def test_lists_show_only_the_users_school(admin_client, other_school):
    html = admin_client.get("/subjectview/list/?psize_SubjectView=100").get_data(as_text=True)
    assert other_school["subject_name"] not in html
    assert "Математика" in html
    schools = admin_client.get("/schoolview/list/").get_data(as_text=True)
    assert other_school["school_name"] not in schools


@pytest.mark.parametrize("path", ["/subjectview/show/{subject}", "/subjectview/edit/{subject}", "/schoolclassview/show/{class}",
                                  "/employeeview/show/{teacher}", "/schoolview/show/{school}"])
def test_rows_of_another_school_are_not_found_by_id(admin_client, other_school, path):
    assert admin_client.get(path.format(**other_school)).status_code == 404


def test_rows_of_another_school_cannot_be_deleted(app, admin_client, other_school):
    admin_client.post(f"/subjectview/delete/{other_school['subject']}")
    with app.app_context():
        assert db.session.get(Subject, other_school["subject"]) is not None
        db.session.remove()


def test_form_dropdowns_offer_only_the_users_school(admin_client, other_school):
    form = read_form(admin_client.get("/schoolclassview/add").get_data(as_text=True))
    assert str(other_school["teacher"]) not in form.selects["class_teacher"]
    assert str(other_school["year"]) not in form.selects["year"]
    assert len(form.selects["class_teacher"]) > 10


def test_a_new_row_joins_the_users_school(app, admin_client):
    name = unique("Черчение")
    admin_client.post("/subjectview/add", data={"name": name, "order": "50"})
    with app.app_context():
        admin = db.session.scalar(select(PartaUser).where(PartaUser.username == "admin"))
        subject = db.session.scalar(select(Subject).where(Subject.name == name))
        assert subject.school_id == admin.school_id
        db.session.remove()


def test_editing_cannot_point_at_another_schools_row(app, admin_client, other_school):
    """A forged form value naming another school's teacher is refused."""
    with app.app_context():
        own_class = db.session.scalar(select(SchoolClass).where(SchoolClass.school_id != other_school["school"]).order_by(SchoolClass.id))
        pk, teacher_before = own_class.id, own_class.class_teacher_id
        db.session.remove()
    form = read_form(admin_client.get(f"/schoolclassview/edit/{pk}").get_data(as_text=True)).data
    form["class_teacher"] = str(other_school["teacher"])
    admin_client.post(f"/schoolclassview/edit/{pk}", data=form)
    with app.app_context():
        assert db.session.get(SchoolClass, pk).class_teacher_id == teacher_before
        db.session.remove()


def _token(client, username):
    response = client.post("/api/v1/security/login", json={"username": username, "password": "demo", "provider": "db"})
    return {"Authorization": f"Bearer {response.json['access_token']}"}


@pytest.mark.parametrize("resource,key", [("student", "student"), ("guardian", "guardian"), ("employee", "teacher")])
def test_the_api_does_not_reach_another_school(client, other_school, resource, key):
    headers = _token(client, "admin")
    assert client.get(f"/api/v1/{resource}/{other_school[key]}", headers=headers).status_code == 404
    assert client.put(f"/api/v1/{resource}/{other_school[key]}", json={"last_name": "Взлом"}, headers=headers).status_code == 404
    assert client.delete(f"/api/v1/{resource}/{other_school[key]}", headers=headers).status_code == 404
    listed = client.get(f"/api/v1/{resource}/?q=(page_size:100,filters:!((col:last_name,opr:sw,value:Чуж)))", headers=headers)
    assert other_school[key] not in listed.json["ids"]


def test_documents_of_another_schools_student_are_not_printed(admin_client, other_school):
    assert admin_client.get(f"/studentview/consent/{other_school['student']}").status_code == 404


def test_related_lists_and_exports_do_not_cross_schools(admin_client, other_school):
    assert admin_client.get(f"/studentview/show/{other_school['student']}").status_code == 404
    assert admin_client.get(f"/guardianview/show/{other_school['guardian']}").status_code == 404
    assert admin_client.get(f"/schoolclassview/show/{other_school['class']}").status_code == 404


def test_logins_of_another_school_are_invisible_in_the_user_pages(admin_client, other_school):
    listing = admin_client.get("/users/list/?psize_PartaUserDBModelView=100&_flt_0_last_name=Админ").get_data(as_text=True)
    assert other_school["login"] not in listing
    assert admin_client.get(f"/users/show/{other_school['login_id']}").status_code == 404
    assert admin_client.get(f"/users/edit/{other_school['login_id']}").status_code == 404


def test_a_school_administrator_cannot_create_schools(app, admin_client):
    from sqlalchemy import func

    with app.app_context():
        before = db.session.scalar(select(func.count(School.id)))
        db.session.remove()
    response = admin_client.post("/schoolview/add", data={"kind": "general", "full_name": "Новая школа", "short_name": "Новая"},
                                 follow_redirects=True)
    assert "Новую школу создаёт оператор муниципального сегмента." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(School.id))) == before
        db.session.remove()


def test_on_postgresql_a_scope_reads_with_the_same_statement_whatever_the_number_of_its_rows():
    """The ids a login may see go to PostgreSQL as one array each, so that every teacher's (or
    parent's) statement is the same text — prepared once per connection, planned once — and a
    single school as `= school` (an index led by school_id then also gives a list's order)."""
    from sqlalchemy.dialects import postgresql

    from app.models import Mark
    from app.security.scoping import Scope, _criteria

    def compiled(scope):
        statement = select(Mark.id).options(*_criteria(scope, True))
        return statement.compile(dialect=postgresql.psycopg.dialect())

    few = compiled(Scope(schools=(1,), groups=(3,), substitute_for=7, students=(11, 12)))
    many = compiled(Scope(schools=(1,), groups=tuple(range(3, 40)), substitute_for=8, students=tuple(range(11, 300))))
    assert str(few) == str(many)
    assert "= ANY" in str(few) and len(few.params) == len(many.params) < 10
    assert sorted(map(str, few.params.values())) != sorted(map(str, many.params.values()))
    assert "mark.school_id IN (__[POSTCOMPILE" in str(compiled(Scope(schools=(1,))))  # one value: PostgreSQL reads `=`
    assert "mark.school_id = ANY" in str(compiled(Scope(schools=(1, 2))))


def test_a_bounded_read_skips_the_scoping_only_where_its_caller_bounded_it(app, other_school):
    """bounded_rows: a read marked unscoped by the page that bounded it runs as plain SQL; any
    other read keeps the school's segment; a read while the session holds unflushed rows sees them."""
    from app.models import Subject
    from app.security.scoping import as_school, bounded_rows

    names = select(Subject.name).where(Subject.id == other_school["subject"])
    with app.app_context(), as_school(other_school["school"] + 10_000):  # some other school's user
        assert bounded_rows(db.session, names, {}, {}) == []
        assert bounded_rows(db.session, names, {}, None) == []
        assert [row[0] for row in bounded_rows(db.session, names, {}, {"parta_unscoped": True})] == [
            other_school["subject_name"]]
        db.session.remove()
    with app.app_context(), as_school(other_school["school"]):
        pending = Subject(school_id=other_school["school"], name=unique("Греческий"))
        db.session.add(pending)
        mine = select(Subject.name).where(Subject.name == pending.name)
        assert [row[0] for row in bounded_rows(db.session, mine, {}, {"parta_unscoped": True})] == [pending.name]
        db.session.rollback()
        db.session.remove()
