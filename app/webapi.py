"""The NetSchool-compatible web API under /webapi/, so that
the apps and bots families use with «Сетевой город. Образование» (the `netschoolapi`
package among them) work with Parta unchanged.

Off by default: a school switches it on in its card, a login in «Доступ для
приложений» (app/security/webapi.py keeps the secret the handshake needs). A session
is the NSSESSIONID cookie; after login each request carries the `at` token. A token
past its time gets 401; logging in again with the same cookie renews the same token
(the Python client retries the request it built before, with the old token). The
data are the diary's (app/journal/diary.py), read through the central scoping as the
token's user: a parent's token sees all their children, a student's only themselves,
and any other studentId is refused.
"""
from __future__ import annotations

import datetime as dt
import secrets
from functools import lru_cache
from typing import Optional

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from app.clock import school_today, utcnow
from app.extensions import csrf, db
from app.journal import data, diary, marks
from app.models import AssignmentType, Attachment, PartaUser, School, WebApiSession
from app.rules import grading
from app.rules.netschool import ns_date, parse_day, pw2_matches
from app.security import communication, grants, login_limits, reporting, webapi as accounts
from app.views.base import parse_int

bp = Blueprint("webapi", __name__, url_prefix="/webapi")
COOKIE = "NSSESSIONID"
UNSCOPED = {"parta_unscoped": True}
PRODUCT = "Парта"



def _lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=int(current_app.config.get("PARTA_WEBAPI_SESSION_MINUTES", 45)))


def _error(status: int, message: str):
    return jsonify(message=message), status


def _session(create: bool = False) -> Optional[WebApiSession]:
    """The API session of the request's cookie (created by auth/getdata)."""
    cookie = request.cookies.get(COOKIE, "")
    found = db.session.scalar(select(WebApiSession).where(WebApiSession.cookie == cookie),
                              execution_options=UNSCOPED) if cookie else None
    if found is None and create:
        found = WebApiSession(cookie=secrets.token_hex(16), created_at=utcnow())
        db.session.add(found)
        db.session.flush()
    return found


def _with_cookie(response, session: WebApiSession):
    response.set_cookie(COOKIE, session.cookie, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


# --- the handshake -------------------------------------------------------------------

@bp.route("/logindata", methods=["GET"])
def logindata():
    # Anyone may ask, so it keeps nothing: the session starts at auth/getdata, the first
    # step with something to remember (the salt).
    return jsonify(productName=PRODUCT, version="1.0", schoolYearId=None)


@bp.route("/auth/getdata", methods=["POST"])
def getdata():
    # sessions nobody logged into within a day are forgotten (and nightly, app/jobs.py)
    db.session.execute(delete(WebApiSession).where(accounts.abandoned_sessions(utcnow())), execution_options=UNSCOPED)
    session = _session(create=True)
    session.salt = _digits(10)
    db.session.commit()
    return _with_cookie(jsonify(lt=_digits(9), ver=_digits(9), salt=session.salt), session)


@bp.route("/schools/search", methods=["GET"])
def schools():
    name = (request.args.get("name") or "").strip().lower()
    rows = db.session.scalars(select(School).where(School.webapi_enabled.is_(True)).order_by(School.short_name),
                              execution_options=UNSCOPED).all()
    return jsonify([{"id": s.id, "shortName": s.short_name, "name": s.full_name,
                     "addressString": s.postal_address or s.juridical_address or ""}
                    for s in rows if not name or name in s.short_name.lower() or name in s.full_name.lower()])


@bp.route("/login", methods=["POST"])
def login():
    from flask_babel import gettext

    refused = gettext("Wrong login or password, or the school does not let apps in.")
    session = _session()
    if session is None or not session.salt:
        return _error(409, gettext("Start the login again."))
    school_id = parse_int(request.form.get("scid"))
    username = (request.form.get("un") or "").strip()
    sm = current_app.appbuilder.sm
    until = sm.login_locked_until(username)
    if until is not None:
        sm.record_failed_login(username, counted=False)  # for the per-address limit and the statistics
        return _error(409, gettext("Too many wrong passwords: the login is locked for a while."))
    user = db.session.scalar(select(PartaUser).where(PartaUser.username == username), execution_options=UNSCOPED)
    account = accounts.account_of(db.session, user.id) if user is not None else None
    secret = accounts.decrypt(account.secret) if account is not None and account.enabled else None
    if user is None or not user.active or user.school_id != school_id or not accounts.school_allows(db.session, school_id) \
            or secret is None or not pw2_matches(request.form.get("pw2"), session.salt, secret):
        sm.record_failed_login(username)
        return _error(409, refused)
    if session.user_id != user.id or not session.token:
        session.token = secrets.token_hex(24)
    session.user_id, session.school_id, session.salt = user.id, school_id, None
    session.expires_at = utcnow() + _lifetime()
    db.session.commit()
    login_limits.forget_failures(username)
    sm.on_user_login(user)
    return jsonify(at=session.token, timeOut=int(_lifetime().total_seconds() * 1000),
                   accountInfo={"user": {"id": user.id, "name": f"{user.first_name} {user.last_name}"},
                                "userId": user.id})


# --- every other call needs the token -------------------------------------------------

OPEN = {"webapi.logindata", "webapi.getdata", "webapi.schools", "webapi.login"}


# The token's expiry slides while it is used, written at most once a minute (the token then
# lives up to a minute less than its lifetime after the last call, and a call writes nothing).
SLIDE_EVERY = dt.timedelta(minutes=1)


@lru_cache(maxsize=4)
def _token_statement(dialect_name: str):
    """The API session of a token with its login (school, municipality, roles), whether its
    school lets apps in, and the rights version: one statement, built once per process."""
    return (select(WebApiSession, School.webapi_enabled, grants.version_column(dialect_name), PartaUser)
            .join(PartaUser, PartaUser.id == WebApiSession.user_id)
            .outerjoin(School, School.id == WebApiSession.school_id)
            .where(WebApiSession.token == bindparam("token"))
            .options(joinedload(PartaUser.school), joinedload(PartaUser.municipality), joinedload(PartaUser.roles)))


@bp.before_request
def _authenticate():
    """401 (JSON, never a redirect) without a live token; otherwise the request runs as
    the token's user, so the central scoping applies as on the pages."""
    if request.endpoint in OPEN:
        return None
    token = request.headers.get("at", "")
    found = db.session.execute(_token_statement(db.session.get_bind().dialect.name), {"token": token},
                               execution_options=UNSCOPED).unique().first() if token else None
    now = utcnow()
    if found is None:
        return _error(401, "Unauthorized")
    session, school_allows, version, user = found
    if session.expires_at is None or session.expires_at < now or not user.active or session.school_id is None \
            or not school_allows:
        return _error(401, "Unauthorized")
    grants.note_version(version)
    expires = now + _lifetime()
    if expires - session.expires_at >= SLIDE_EVERY:
        with db.engine.begin() as connection:  # a connection of its own: the request's rows stay as read
            connection.execute(update(WebApiSession.__table__).where(WebApiSession.__table__.c.id == session.id)
                               .values(expires_at=expires))
    g._login_user = g.user = user  # this request only: Flask-Login's current_user, no session cookie
    g.webapi_session = session
    return None


def _students() -> list:
    """(id, name) of the token's students: a parent's children, a student themselves."""
    return reporting.own_students(db.session)


def _student_arg() -> int:
    """The studentId asked for, if it is one of the token's students; 403 otherwise."""
    student_id = parse_int(request.args.get("studentId"))
    if student_id not in {sid for sid, _ in _students()}:
        from werkzeug.exceptions import Forbidden

        raise Forbidden()
    return student_id


@bp.errorhandler(403)
def _forbidden(_error_):
    return _error(403, "Forbidden")


@bp.errorhandler(404)
def _not_found(_error_):
    return _error(404, "Not found")


@bp.route("/student/diary/init", methods=["GET"])
def diary_init():
    today = school_today()
    students = []
    for sid, name in _students():
        classes = data.student_classes(db.session, sid, today - dt.timedelta(days=366), today)
        last = classes[-1] if classes else None
        students.append({"studentId": sid, "nickName": name, "className": last.name if last else "",
                         "classId": last.id if last else 0, "iupGrade": 0})
    return jsonify(students=students, currentStudentId=0, weekStart=ns_date(diary.week_start(today)), yaClass=False,
                   yaClassAuthUrl=None, newDiskToken="", newDiskWasRequest=False, ttsuRl=None, externalUrl=None,
                   weight=True, maxMark=5, withLaAssigns=False)


@bp.route("/years/current", methods=["GET"])
def current_year():
    year = data.year_on(db.session, school_today())
    if year is None:
        return _error(404, "No school year")
    return jsonify(id=year.id, name=year.name, startDate=ns_date(year.start_date), endDate=ns_date(year.end_date),
                   globalYearId=year.id, schoolId=year.school_id)


@bp.route("/grade/assignment/types", methods=["GET"])
def assignment_types():
    rows = db.session.scalars(select(AssignmentType).order_by(AssignmentType.order, AssignmentType.id)).all()
    return jsonify([{"id": t.id, "name": t.name, "abbr": t.abbr, "order": t.order or 0} for t in rows])


def _mark_json(a: diary.DiaryAssignment, student_id: int) -> Optional[dict]:
    if a.mark is None and not a.duty:
        return None
    score = a.score
    return {"assignmentId": a.id, "studentId": student_id, "mark": int(score) if score is not None else None,
            "resultScore": None, "dutyMark": bool(a.duty and a.mark is None)}


def _assignment_json(a: diary.DiaryAssignment, lesson_day: dt.date, student_id: int, subject: str = "") -> dict:
    item = {"id": a.id, "typeId": a.type_id, "assignmentName": a.title or a.type_name, "dueDate": ns_date(a.due_date or lesson_day),
            "weight": a.weight, "mark": _mark_json(a, student_id), "markComment": {"name": a.comment} if a.comment else None}
    if subject:
        item["subjectName"] = subject
    return item


@bp.route("/student/diary", methods=["GET"])
def diary_week():
    student_id = _student_arg()
    start = parse_day(request.args.get("weekStart")) or diary.week_start(school_today())
    end = parse_day(request.args.get("weekEnd")) or start + dt.timedelta(days=6)
    if end < start or (end - start).days > 31:
        return _error(400, "Bad dates")
    places = data.student_places(db.session, student_id, start, end)
    week = diary.diary_week(db.session, student_id, start, end, places=places)
    days = []
    for day, lessons in week.days:
        if not lessons:
            continue
        days.append({"date": ns_date(day), "lessons": [{
            "classmeetingId": lesson.id, "day": ns_date(day), "number": lesson.number,
            "relay": 1, "startTime": lesson.start.strftime("%H:%M") if lesson.start else "00:00",
            "endTime": lesson.end.strftime("%H:%M") if lesson.end else "00:00", "subjectName": lesson.subject,
            "room": lesson.room or None,
            "assignments": [_assignment_json(a, day, student_id) for a in lesson.assignments]}
            for lesson in lessons]})
    classes = places.classes(start, end)
    periods = places.periods.get(classes[-1].id, []) if classes else []
    period = marks.period_at([p for p in periods if not p.is_year], start)
    return jsonify(weekStart=ns_date(start), weekEnd=ns_date(end), weekDays=days,
                   termName=period.name if period else "", className=classes[-1].name if classes else "")


@bp.route("/student/diary/pastMandatory", methods=["GET"])
def past_mandatory():
    student_id = _student_arg()
    end = parse_day(request.args.get("weekEnd")) or school_today()
    year = data.year_on(db.session, end)
    start = year.start_date if year else end - dt.timedelta(days=366)
    places = data.student_places(db.session, student_id, start, end)
    owed = diary.work_owed(db.session, student_id, start, end, places=places)
    return jsonify([{"id": o.assignment_id, "typeId": o.type_id, "assignmentName": o.work, "dueDate": ns_date(o.due or o.day),
                     "weight": o.weight, "subjectName": o.subject,
                     "mark": {"assignmentId": o.assignment_id, "studentId": student_id, "mark": None,
                              "resultScore": None, "dutyMark": True},
                     "markComment": {"name": o.comment} if o.comment else None} for o in owed])


@bp.route("/student/diary/assigns/<int:assignment_id>", methods=["GET"])
def assignment_detail(assignment_id: int):
    from app.models import Assignment, Lesson, SubjectGroup

    student_id = _student_arg()
    row = db.session.execute(select(Assignment, Lesson, SubjectGroup).join(Lesson, Assignment.lesson_id == Lesson.id)
                             .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
                             .where(Assignment.id == assignment_id)).first()
    if row is None or row[2].id not in {g.id for g in data.student_groups(db.session, student_id, row[1].date, row[1].date)}:
        return _error(404, "Not found")
    assignment, lesson, group = row
    teachers = data.teachers_of(db.session, [group.id]).get(group.id, [])
    weight = grading.effective_weight(assignment.weight, assignment.type.weight)
    return jsonify(id=assignment.id, assignmentName=assignment.title or assignment.type.name,
                   description=lesson.homework or "", date=ns_date(lesson.date), weight=weight,
                   subjectGroup={"id": group.id, "name": group.name},
                   teachers=[{"id": eid, "name": name} for eid, name in teachers], attachments=[])


@bp.route("/student/diary/get-attachments", methods=["POST"])
def assignment_attachments():
    _student_arg()
    return jsonify([])  # Parta keeps files on announcements and letters, not on assignments


@bp.route("/announcements", methods=["GET"])
def announcements():
    take = parse_int(request.args.get("take"))
    items = communication.announcements_for(db.session, school_today(), limit=take if take and take > 0 else None)
    return jsonify([{"id": a.id, "name": a.title, "description": a.text,
                     "postDate": a.posted_at.replace(tzinfo=dt.timezone.utc).isoformat(),
                     "author": {"id": a.author.id if a.author else 0,
                                "fio": f"{a.author.last_name} {a.author.first_name}" if a.author else "",
                                "nickName": f"{a.author.first_name} {a.author.last_name}" if a.author else ""},
                     "attachments": [{"id": f.id, "originalFileName": f.filename, "description": ""}
                                     for f in a.attachments]} for a in items])


@bp.route("/attachments/<int:attachment_id>", methods=["GET"])
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.announcement_id is None or \
            not communication.announcement_visible(db.session, item.announcement_id, school_today()):
        return _error(404, "Not found")
    return Response(item.content, mimetype=item.content_type or "application/octet-stream",
                    headers={"Cache-Control": "no-store"})


@bp.route("/schools/<int:school_id>/card", methods=["GET"])
def school_card(school_id: int):
    school = db.session.get(School, school_id)
    if school is None:
        return _error(404, "Not found")
    text = lambda value: value or ""  # noqa: E731  (the clients want strings, never null)
    return jsonify(commonInfo={"fullSchoolName": text(school.full_name), "about": text(school.about),
                               "schoolName": text(school.short_name)},
                   contactInfo={"juridicalAddress": text(school.juridical_address),
                                "postAddress": text(school.postal_address), "email": text(school.email),
                                "web": text(school.website), "phones": text(school.phones)},
                   managementInfo={"director": text(school.director), "principalAHC": text(school.deputy_ahc),
                                   "principalIT": text(school.deputy_it), "principalUVR": text(school.deputy_uvr)})


@bp.route("/auth/logout", methods=["POST"])
def logout():
    session = g.webapi_session
    current_app.appbuilder.sm.on_user_logout(g._login_user)
    session.token, session.user_id, session.expires_at = None, None, None
    db.session.commit()
    return jsonify(ok=True)


def install(app: Flask) -> None:
    """Registers the API, exempt from the pages' CSRF check (its calls carry the token
    instead); its login shares the main login's limits (app/security/login_limits.py)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)

