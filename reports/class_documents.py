"""The class reports' PDFs drawn with platypus (reports/layout.py): the summary sheet,
the class's results for a period and its attendance. The figures come ready from
reports/classes.py; the words are translated by the caller into a `Words` (the
year-end archive draws the sheets in a pool of processes, without Flask)."""
from __future__ import annotations

from dataclasses import dataclass, field
from flask_babel import gettext

from reports import layout
from reports.formatting import average, percent, single_stops
from reports.layout import Grid, bold_para, para


@dataclass
class Words:
    """A document's translated words: its title, the foot of its pages, its labels."""

    title: str
    foot: str
    page: str
    labels: dict = field(default_factory=dict)


def words(school_name: str, title: str, printed_on: str, **labels) -> Words:
    """The title and foot every class report prints (report_base.html's), with `labels`."""
    foot = f"{school_name} · {title} · " + gettext("printed on %(day)s", day=printed_on)
    return Words(title, foot, gettext("Page %(number)s of %(count)s"), labels)


def _build(story: list, w: Words, orientation: str = "landscape") -> tuple:
    return layout.build(story, title=w.title, orientation=orientation, foot=w.foot, page_label=w.page)


def _header(title: str, subtitle: str = "") -> list:
    story = [para(title, "title")]
    if subtitle:
        story.append(para(subtitle, "meta-center"))
    return story


def _signatures(width: float, left: str, right: str) -> list:
    from reportlab.platypus import Spacer

    signatures = Grid([[para(left, "signature"), para(right, "signature")]], [width / 2, width / 2], header_rows=0,
                      striped=False, ruled=False, padding=(0, 0, 0, 0), center_from=None)
    return [Spacer(width, 10), signatures.table()]


# ---------------------------------------------------------------------------
# «Сводная ведомость учёта успеваемости»
# ---------------------------------------------------------------------------

def sheet_words(sheet, columns: list, school_name: str, printed_on: str, stamp: str = "") -> Words:
    """The sheet's words, one subtitle per column; call inside the app (translations)."""
    teacher = sheet.school_class.teacher
    subtitles = {}
    for column in columns:
        line = gettext("Class %(name)s, %(year)s school year. Marks: %(column)s.", name=sheet.school_class.name,
                       year=sheet.year_name, column=column.name)
        if teacher:
            line += " " + single_stops(gettext("Class teacher: %(name)s.", name=teacher))
        subtitles[column.key] = line
    return words(school_name, gettext("Summary sheet of progress"), printed_on, subtitles=subtitles, stamp=stamp,
                 student=gettext("Student"), missed=gettext("Missed"), excused=gettext("excused"),
                 quality=gettext("Quality") + ", %", success=gettext("Success") + ", %", average=gettext("Average"),
                 teacher=gettext("Class teacher"), director=gettext("Director"))


def _sheet_table(sheet, column, labels: dict, width: float):
    period_column = column.period is not None
    subjects = sheet.subjects
    extra = [labels["missed"], labels["excused"]] if period_column else []
    head = [para("№", "head-small"), para(labels["student"], "head-small")] + \
        [para(short, "head-small") for _sid, _name, short in subjects] + [para(x, "head-small") for x in extra]
    rows, style = [head], []
    for number, student in enumerate(sheet.students, start=1):
        row = [str(number), para(student.short_name)]
        for index, (sid, _name, _short) in enumerate(subjects):
            row.append(sheet.code(student.id, sid, column.key))
            if sheet.failing(student.id, sid, column.key):
                style.append(("TEXTCOLOR", (2 + index, len(rows)), (2 + index, len(rows)), layout.WARN))
        if period_column:
            absence = sheet.absences.get((student.id, column.key))
            row += [str(absence.lessons), str(absence.excused)] if absence else ["", ""]
        rows.append(row)
    stats = [sheet.stats(sid, column.key) for sid, _n, _s in subjects]
    blanks = ["", ""] if period_column else []
    totals = [(f"«{n}»", [str(getattr(s, attr)) for s in stats])
              for n, attr in (("5", "fives"), ("4", "fours"), ("3", "threes"), ("2", "twos"))]
    totals += [(labels["quality"], [percent(s.quality) for s in stats]),
               (labels["success"], [percent(s.success) for s in stats]),
               (labels["average"], [average(s.average) for s in stats])]
    first_total = len(rows)
    for label, values in totals:
        rows.append(["", bold_para(label)] + values + blanks)
    for index in range(first_total, len(rows)):
        style.append(("BACKGROUND", (0, index), (-1, index), layout.TOTAL_FILL))
    fixed = [3, 17]
    widths = layout.shares(width, fixed + [None] * (len(subjects) + len(extra)))
    return Grid(rows, widths, small_header=True, padding=(2, 2, 1.5, 1), center_from=2,
                extra=[("ALIGN", (0, 1), (0, -1), "CENTER")] + style).table()


def sheet_story(sheet, columns: list, w: Words) -> list:
    """A page per column: the title, the class and column, the table, the stamp, signatures."""
    from reportlab.platypus import PageBreak

    width = layout.frame_width("landscape")
    labels = w.labels
    story: list = []
    for column in columns:
        if story:
            story.append(PageBreak())
        story += _header(w.title, labels["subtitles"][column.key])
        story.append(_sheet_table(sheet, column, labels, width))
        if labels["stamp"]:
            story.append(para(labels["stamp"], "meta"))
        story += (_signatures(width, f"{labels['teacher']}: ____________", f"{labels['director']}: ____________"))
    return story


def sheet_document(sheet, columns: list, w: Words) -> tuple:
    """(PDF, pages) of the sheet's columns; needs no Flask (the archive's workers call it)."""
    return _build(sheet_story(sheet, columns, w), w)


# ---------------------------------------------------------------------------
# «Итоги успеваемости класса за учебный период»
# ---------------------------------------------------------------------------

CATEGORY_ROWS = (("excellent", "Excellent students (only «5»)"), ("good", "Good students («4» and «5»)"),
                 ("one_three", "With one «3»"), ("failing", "Failing students"))


def _results_subjects(r, width: float):
    heads = [gettext("Subject"), gettext("Teacher"), gettext("Students"), "«5»", "«4»", "«3»", "«2»", gettext("Other"),
             gettext("No mark"), gettext("Success") + ", %", gettext("Quality") + ", %", gettext("SOU") + ", %",
             gettext("Average")]
    rows = [[para(h, "head") for h in heads]]
    for s in r.subjects:
        st = s.stats
        rows.append([para(s.subject), para(s.teachers), str(s.students), str(st.fives), str(st.fours), str(st.threes),
                     str(st.twos), str(st.passed_other + st.failed_other), str(s.missing), percent(st.success),
                     percent(st.quality), percent(st.sou), average(st.average)])
    t = r.total
    rows.append([bold_para(gettext("All subjects")), "", "", str(t.fives), str(t.fours), str(t.threes), str(t.twos),
                 str(t.passed_other + t.failed_other), "", percent(t.success), percent(t.quality), percent(t.sou),
                 average(t.average)])
    widths = layout.shares(width, [17, 15, 7, 4, 4, 4, 4, 6, 7, 9, 8, 7, 8])
    return Grid(rows, widths, center_from=2, extra=layout.total_row(rows, len(rows) - 1)).table()


def _results_categories(r, width: float):
    rows = [[para(gettext("Category"), "head"), para(gettext("Students"), "head"), para(gettext("Who"), "head")]]
    for key, label in CATEGORY_ROWS:
        found = r.of(key)
        names = []
        for s in found:
            name = s.student.short_name
            if key == "one_three":
                name += f" ({', '.join(s.threes)})"
            elif key == "failing":
                name += " (" + ", ".join(f"{n}: {c}" for n, c in s.failing) + ")"
            names.append(name)
        rows.append([para(gettext(label)), str(len(found)), para("; ".join(names))])
    widths = layout.shares(width, [24, 8, None])
    return Grid(rows, widths, center_from=None, extra=[("ALIGN", (1, 1), (1, -1), "CENTER")]).table()


def absence_grid(rows_of: list, total, width: float):
    """№, student, lessons missed, excused, unexcused, whole days, of them excused; a total row."""
    heads = ["№", gettext("Student"), gettext("Lessons missed"), gettext("excused"), gettext("unexcused"),
             gettext("Whole days missed"), gettext("of them excused")]
    rows = [[para(h, "head") for h in heads]]
    for number, (student, a) in enumerate(rows_of, start=1):
        rows.append([str(number), para(student.short_name), str(a.lessons), str(a.excused), str(a.unexcused),
                     str(a.whole_days), str(a.whole_days_excused)])
    rows.append(["", bold_para(gettext("Total")), str(total.lessons), str(total.excused), str(total.unexcused),
                 str(total.whole_days), str(total.whole_days_excused)])
    widths = layout.shares(width, [5, None, None, None, None, None, None])
    return Grid(rows, widths, center_from=2, extra=[("ALIGN", (0, 1), (0, -1), "CENTER")]
                + layout.total_row(rows, len(rows) - 1)).table()


def results_document(r, school_name: str, subtitle: str, printed_on: str) -> bytes:
    from reportlab.platypus import PageBreak

    w = words(school_name, gettext("Results of the class for the study period"), printed_on)
    width = layout.frame_width("landscape")
    success, quality = r.rates
    rates = gettext("attested %(n)s of %(all)s; success %(s)s %%, quality %(q)s %%.", n=r.attested,
                    all=len(r.students), s=percent(success), q=percent(quality))
    story = _header(w.title, subtitle) + [
        _results_subjects(r, width),
        para(gettext("Students by their period marks"), "section"),
        layout.labelled(gettext("By students"), rates),
        _results_categories(r, width),
        PageBreak(),
        para(gettext("Absences in the period"), "section"),
        absence_grid([(s.student, s.absence) for s in r.students], r.absence, width),
    ]
    return _build(story, w)[0]


# ---------------------------------------------------------------------------
# «Отчёт о посещаемости класса»
# ---------------------------------------------------------------------------

def _attendance_table(att, keys: list, last: bool, width: float):
    heads = [para("№", "head-small"), para(gettext("Student"), "head-small")]
    heads += [para(key.strftime("%d.%m") if att.mode == "days" else key[1], "head-small") for key in keys]
    totals = [gettext("Missed"), gettext("excused"), gettext("unexcused"), gettext("Whole days")] if last else []
    heads += [para(x, "head-small") for x in totals]
    rows, style = [heads], []
    for number, line in enumerate(att.lines, start=1):
        row = [str(number), para(line.student.short_name)]
        for index, key in enumerate(keys):
            row.append(att.cell(line, key if att.mode == "days" else key[0]))
            if att.mode == "days" and att.whole_days.get((line.student.id, key)):
                style.append(("BACKGROUND", (2 + index, len(rows)), (2 + index, len(rows)), layout.WHOLE_DAY_FILL))
        if last:
            s = line.stats
            row += [str(s.lessons), str(s.excused), str(s.unexcused), str(s.whole_days)]
            style.append(("FONT", (2 + len(keys), len(rows)), (2 + len(keys), len(rows)),
                          layout.registered_font(True), 8))
        rows.append(row)
    if last:
        t = att.total
        rows.append(["", bold_para(gettext("Total"))] + [""] * len(keys)
                    + [str(t.lessons), str(t.excused), str(t.unexcused), str(t.whole_days)])
        style += layout.total_row(rows, len(rows) - 1)
    widths = layout.shares(width, [3, 14] + [None] * len(keys) + [5.5] * len(totals))
    # the shading of a whole day missed is drawn over the stripes
    return Grid(rows, widths, small_header=True, padding=(1, 1, 2, 1.5), center_from=2,
                extra=[("ALIGN", (0, 1), (0, -1), "CENTER")] + style).table()


def attendance_document(att, chunks: list, school_name: str, subtitle: str, printed_on: str) -> bytes:
    from reportlab.platypus import PageBreak

    w = words(school_name, gettext("Attendance of the class"), printed_on)
    width = layout.frame_width("landscape")
    story = _header(w.title, subtitle)
    for index, keys in enumerate(chunks):
        if index:
            story.append(PageBreak())
        story.append(_attendance_table(att, keys, index == len(chunks) - 1, width))
    story.append(para(gettext("In brackets: of them for an excused reason. A shaded day was missed whole."), "meta"))
    return _build(story, w)[0]
