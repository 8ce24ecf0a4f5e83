"""Run by tests/compat/test_netschoolapi.py in a virtual environment of its own with the
unchanged PyPI package netschoolapi==11.0.5 (its pins conflict with Parta's).

Usage: python netschool_client.py URL SCHOOL LOGIN PASSWORD WEEK_START
Prints one JSON line of what the client read; after the first round it prints
"EXPIRE" and waits for a line on stdin (the test expires the token meanwhile), then
reads the diary again — the client must get 401 and log in by itself.
"""
import asyncio
import datetime as dt
import json
import sys
from io import BytesIO

from netschoolapi import NetSchoolAPI, errors


async def main(url: str, school: str, login: str, password: str, week: str) -> None:
    start = dt.date.fromisoformat(week)
    end = start + dt.timedelta(days=5)
    out: dict = {}
    ns = NetSchoolAPI(url)
    out["schools"] = [s.name for s in await ns.schools()]
    await ns.login(login, password, school)
    diary = await ns.diary(start, end)
    lessons = [lesson for day in diary.schedule for lesson in day.lessons]
    assignments = [a for lesson in lessons for a in lesson.assignments]
    out["diary"] = {
        "start": diary.start.isoformat(), "days": len(diary.schedule), "lessons": len(lessons),
        "with_time": sum(1 for lesson in lessons if lesson.start.hour > 0), "assignments": len(assignments),
        "marks": sorted(a.mark for a in assignments if a.mark is not None),
        "duty": sum(1 for a in assignments if a.is_duty), "types": sorted({a.type for a in assignments}),
        "subjects": sorted({lesson.subject for lesson in lessons}),
    }
    overdue = await ns.overdue(start, end)
    out["overdue"] = [{"type": a.type, "duty": a.is_duty, "content": a.content} for a in overdue]
    announcements = await ns.announcements()
    out["announcements"] = [{"name": a.name, "author": a.author.full_name, "files": [f.name for f in a.attachments]}
                            for a in announcements]
    out["attachments"] = {}
    for file in (f for a in announcements for f in a.attachments):
        buffer = BytesIO()
        await ns.download_attachment(file.id, buffer)
        out["attachments"][file.name] = buffer.getvalue().decode("utf-8", errors="replace")
    out["attachments_of_assignment"] = len(await ns.attachments(assignments[0].id)) if assignments else None
    school_card = await ns.school()
    out["school"] = {"name": school_card.name, "director": school_card.director, "email": school_card.email}

    print("EXPIRE", flush=True)
    sys.stdin.readline()
    again = await ns.diary(start, end)  # 401 → the client logs in again and repeats the request
    out["after_expiry_lessons"] = sum(len(day.lessons) for day in again.schedule)
    await ns.logout()

    wrong = NetSchoolAPI(url)
    try:
        await wrong.login(login, password + "-wrong", school)
        out["wrong_password"] = "accepted"
    except errors.AuthError:
        out["wrong_password"] = "AuthError"
    await wrong._wrapped_client.client.aclose()
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
