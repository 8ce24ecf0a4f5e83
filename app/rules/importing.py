"""Import of students (with up to two guardians each) and of staff from a table:
the templates' columns, each row read and checked, and the natural key that
finds the same person again, so that importing a file twice changes nothing.

Natural keys: a student is found by the personal file number (№ личного дела)
within the school, else by (last, first, middle name, birth date); a guardian by
(last, first, middle name, phone); an employee by (last, first, middle name,
birth date). Names compare without regard to case, «ё» or extra spaces, phones by
their digits. An empty cell never erases what is stored: it means «not given».

Pure: values in, values and problems (RuleViolation) out; no Flask, no database.
A problem's `field` parameter is itself a msgid, and its `problem` parameter a
nested RuleViolation: the caller translates both (TRANSLATED_PARAMS).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Optional, Sequence

from .errors import N_, RuleViolation

ROWS_MAX = 3000  # a large school has ~2000 students
NAME_MAX = 100
FILE_NO_MAX = 30
ADDRESS_MAX = 500
PHONE_MAX = 50
EMAIL_MAX = 255
EDUCATION_MAX = 500
CATEGORY_MAX = 100
POSITION_MAX = 150
RATE_MAX = Decimal(2)  # as app.rules.staff: at most two full rates
EARLIEST_BIRTH = dt.date(1900, 1, 1)
GUARDIANS = (1, 2)

# Parameters of a problem that are msgids or problems themselves.
TRANSLATED_PARAMS = ("field", "problem")

# What happens to a row.
NEW, UPDATE, SAME, ERROR = "new", "update", "same", "error"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the template writes it
    aliases: tuple = ()


STUDENT_COLUMNS = (
    Column("personal_file_no", "№ личного дела", ("личное дело", "номер личного дела", "n личного дела")),
    Column("last_name", "Фамилия"),
    Column("first_name", "Имя"),
    Column("middle_name", "Отчество"),
    Column("birth_date", "Дата рождения (ДД.ММ.ГГГГ)"),
    Column("gender", "Пол (м/ж)"),
    Column("snils", "СНИЛС"),
    Column("address", "Адрес", ("адрес проживания", "адрес регистрации")),
    Column("phone", "Телефон"),
    Column("email", "E-mail", ("email", "e-mail", "эл почта", "электронная почта")),
)
# (field, header, other names) of each guardian's columns, «Представитель 1: Фамилия», …
GUARDIAN_FIELDS = (
    ("last_name", "Фамилия", ()), ("first_name", "Имя", ()), ("middle_name", "Отчество", ()),
    ("relation", "Кем приходится (мать/отец/опекун…)", ("степень родства", "родство")),
    ("phone", "Телефон", ()), ("email", "E-mail", ("email", "электронная почта")),
)
GUARDIAN_PREFIXES = ("представитель", "законный представитель", "родитель")


def _guardian_columns() -> tuple:
    return tuple(
        Column(f"guardian{n}_{key}", f"Представитель {n}: {header}",
               tuple(f"{prefix} {n} {name}" for prefix in GUARDIAN_PREFIXES for name in (header, *aliases)))
        for n in GUARDIANS for key, header, aliases in GUARDIAN_FIELDS
    )


STUDENT_ALL_COLUMNS = STUDENT_COLUMNS + _guardian_columns()

STAFF_COLUMNS = (
    Column("last_name", "Фамилия"),
    Column("first_name", "Имя"),
    Column("middle_name", "Отчество"),
    Column("birth_date", "Дата рождения (ДД.ММ.ГГГГ)"),
    Column("gender", "Пол (м/ж)"),
    Column("phone", "Телефон"),
    Column("email", "E-mail", ("email", "e-mail", "эл почта", "электронная почта")),
    Column("education", "Образование"),
    Column("qualification_category", "Квалификационная категория", ("категория",)),
    Column("hire_date", "Дата приёма (ДД.ММ.ГГГГ)", ("дата приема на работу", "дата приёма на работу")),
    Column("position", "Должность"),
    Column("rate", "Ставка"),
)

# Field labels for «what will change»: the same msgids as the views' labels.
FIELD_LABELS = {
    "personal_file_no": N_("Personal file no."), "last_name": N_("Last name"), "first_name": N_("First name"),
    "middle_name": N_("Patronymic"), "birth_date": N_("Birth date"), "gender": N_("Gender"), "snils": N_("SNILS"),
    "address": N_("Address"), "phone": N_("Phone"), "email": N_("E-mail"), "education": N_("Education"),
    "qualification_category": N_("Qualification category"), "hire_date": N_("Hired on"),
    "position": N_("Position"), "rate": N_("Rate"), "relation": N_("Relation"),
}

GENDERS = {"м": "male", "муж": "male", "мужской": "male", "m": "male", "male": "male",
           "ж": "female", "жен": "female", "женский": "female", "f": "female", "female": "female"}
RELATIONS = {
    "мать": "mother", "мама": "mother", "mother": "mother",
    "отец": "father", "папа": "father", "father": "father",
    "опекун": "guardian", "guardian": "guardian",
    "попечитель": "trustee", "trustee": "trustee",
    "иной": "other", "другое": "other", "другой": "other", "законный представитель": "other",
    "иной законный представитель": "other", "бабушка": "other", "дедушка": "other", "other": "other",
}


# --- Cells ------------------------------------------------------------------------

def text(value: Any) -> str:
    """A cell as trimmed text with single spaces; dates as ДД.ММ.ГГГГ."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return re.sub(r"\s+", " ", str(value)).strip()


def fold(value: Optional[str]) -> str:
    """A name as compared: no case, «ё» as «е», single spaces."""
    return re.sub(r"\s+", " ", (value or "").casefold().replace("ё", "е")).strip()


def phone_digits(value: Optional[str]) -> str:
    """A phone as compared: its digits, a leading 8 of a Russian number as 7."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits
    return digits


def tidy_name(value: str) -> str:
    """«ИВАНОВ» and «иванов-петров» as «Иванов», «Иванов-Петров»; mixed case stays."""
    if value and (value.isupper() or value.islower()):
        return re.sub(r"[^\s\-']+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), value)
    return value


def parse_date(value: Any) -> Optional[dt.date]:
    """A date from a date cell or from ДД.ММ.ГГГГ (also Д.М.ГГГГ and ГГГГ-ММ-ДД)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def snils_is_valid(digits: str) -> bool:
    """СНИЛС: 11 digits whose last two are the check number of the first nine
    (Σ digit × (9 − position); below 100 as is, 100 and 101 → 00, else mod 101)."""
    if not re.fullmatch(r"\d{11}", digits):
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    check = total if total < 100 else (0 if total in (100, 101) else total % 101)
    check = 0 if check == 100 else check
    return check == int(digits[9:])


def format_snils(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
PHONE = re.compile(r"^[+\d\s()\-]+(?:\s*(?:доб\.?|ext\.?)\s*\d+)?$")


# --- Rows -------------------------------------------------------------------------

@dataclass
class ImportRow:
    """One row of the file as read: parsed values (None where not given), the
    guardians (students' rows), and what is wrong with it."""

    row: int  # the row number the user sees in the spreadsheet
    values: dict = field(default_factory=dict)
    guardians: list = field(default_factory=list)  # dicts: index, last_name, …, relation
    problems: list = field(default_factory=list)   # RuleViolation

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def full_name(self) -> str:
        return " ".join(self.values[k] for k in ("last_name", "first_name", "middle_name") if self.values.get(k))


@dataclass
class ParsedTable:
    rows: list = field(default_factory=list)       # ImportRow
    problems: list = field(default_factory=list)   # RuleViolation of the whole table

    @property
    def valid_rows(self) -> list:
        return [r for r in self.rows if r.ok]


class _Reader:
    """Checks the cells of one row into `values`, collecting the problems."""

    def __init__(self, cells: dict, today: dt.date) -> None:
        self.cells = cells
        self.today = today
        self.problems: list = []

    def raw(self, key: str) -> Any:
        return self.cells.get(key)

    def text(self, key: str, limit: int, what: str) -> Optional[str]:
        value = text(self.raw(key))
        if len(value) > limit:
            self.problems.append(RuleViolation(N_("%(field)s is longer than %(max)s characters."), field=what, max=limit))
            return None
        return value or None

    def name(self, key: str, what: str, required: bool) -> Optional[str]:
        value = self.text(key, NAME_MAX, what)
        if value is None:
            if required and not text(self.raw(key)):
                self.problems.append(RuleViolation(N_("%(field)s is not filled in."), field=what))
            return None
        if re.search(r"[\d@_=+*/\\<>{}\[\]|#$%^&!?;:]", value):
            self.problems.append(RuleViolation(N_("%(field)s «%(value)s» holds characters a name cannot have."),
                                               field=what, value=value))
            return None
        return tidy_name(value)

    def date(self, key: str, what: str, required: bool, earliest: dt.date, latest: dt.date) -> Optional[dt.date]:
        raw = self.raw(key)
        if not text(raw):
            if required:
                self.problems.append(RuleViolation(N_("%(field)s is not filled in."), field=what))
            return None
        value = parse_date(raw)
        if value is None:
            self.problems.append(RuleViolation(N_("%(field)s «%(value)s» is not a date DD.MM.YYYY."),
                                               field=what, value=text(raw)))
            return None
        if not earliest <= value <= latest:
            self.problems.append(RuleViolation(N_("%(field)s %(value)s is not between %(start)s and %(end)s."),
                                               field=what, value=value.strftime("%d.%m.%Y"),
                                               start=earliest.strftime("%d.%m.%Y"), end=latest.strftime("%d.%m.%Y")))
            return None
        return value

    def gender(self, key: str = "gender") -> Optional[str]:
        value = fold(text(self.raw(key))).rstrip(".")
        if not value:
            return None
        if value not in GENDERS:
            self.problems.append(RuleViolation(N_("The gender «%(value)s» is not «м» or «ж»."), value=text(self.raw(key))))
            return None
        return GENDERS[value]

    def phone(self, key: str, what: str = N_("Phone")) -> Optional[str]:
        value = self.text(key, PHONE_MAX, what)
        if value is None:
            return None
        digits = re.sub(r"\D", "", value)
        if not PHONE.match(value) or not 5 <= len(digits) <= 20:
            self.problems.append(RuleViolation(N_("The phone «%(value)s» is not a phone number."), value=value))
            return None
        return value

    def email(self, key: str) -> Optional[str]:
        value = self.text(key, EMAIL_MAX, N_("E-mail"))
        if value is None:
            return None
        if not EMAIL.match(value):
            self.problems.append(RuleViolation(N_("The e-mail «%(value)s» is not an e-mail address."), value=value))
            return None
        return value

    def snils(self, key: str = "snils") -> Optional[str]:
        raw = text(self.raw(key))
        if not raw:
            return None
        digits = re.sub(r"[\s\-]", "", raw)
        if isinstance(self.raw(key), (int, float)) and digits.isdigit() and len(digits) < 11:
            digits = digits.zfill(11)  # a number cell loses the leading zeros
        if not re.fullmatch(r"\d{11}", digits):
            self.problems.append(RuleViolation(N_("The SNILS «%(value)s» is not 11 digits."), value=raw))
            return None
        if not snils_is_valid(digits):
            self.problems.append(RuleViolation(N_("The SNILS «%(value)s» has a wrong check number."), value=raw))
            return None
        return format_snils(digits)

    def rate(self, key: str = "rate") -> Optional[Decimal]:
        raw = self.raw(key)
        if not text(raw):
            return None
        try:
            value = Decimal(str(raw)) if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool) \
                else Decimal(text(raw).replace(" ", "").replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 < value <= RATE_MAX or value != value.quantize(Decimal("0.01")):
            self.problems.append(RuleViolation(N_("The rate «%(value)s» is not a number from 0,01 to %(max)s."),
                                               value=text(raw), max=RATE_MAX))
            return None
        return value.quantize(Decimal("0.01"))


def _person(reader: _Reader, *, birth_required: bool) -> dict:
    today = reader.today
    return {
        "last_name": reader.name("last_name", N_("Last name"), True),
        "first_name": reader.name("first_name", N_("First name"), True),
        "middle_name": reader.name("middle_name", N_("Patronymic"), False),
        "birth_date": reader.date("birth_date", N_("Birth date"), birth_required, EARLIEST_BIRTH, today),
        "gender": reader.gender(),
    }


def parse_student_row(row: int, cells: dict, today: dt.date) -> ImportRow:
    """A student's row: the card and up to two guardians. The birth date is required
    (it is the key of a student without a personal file number)."""
    reader = _Reader(cells, today)
    values = _person(reader, birth_required=True)
    file_no = reader.text("personal_file_no", FILE_NO_MAX, N_("Personal file no."))
    values.update(
        personal_file_no=file_no,
        snils=reader.snils(),
        address=reader.text("address", ADDRESS_MAX, N_("Address")),
        phone=reader.phone("phone"),
        email=reader.email("email"),
    )
    guardians = []
    for n in GUARDIANS:
        prefix = f"guardian{n}_"
        if all(not text(cells.get(prefix + key)) for key, _, _ in GUARDIAN_FIELDS):
            continue
        before = len(reader.problems)
        guardian = {
            "index": n,
            "last_name": reader.name(prefix + "last_name", N_("Last name"), True),
            "first_name": reader.name(prefix + "first_name", N_("First name"), True),
            "middle_name": reader.name(prefix + "middle_name", N_("Patronymic"), False),
            "phone": reader.phone(prefix + "phone"),
            "email": reader.email(prefix + "email"),
        }
        relation = fold(text(cells.get(prefix + "relation"))).rstrip(".")
        if not relation:
            reader.problems.append(RuleViolation(N_("Say who the guardian is to the student (mother, father, guardian…).")))
        elif relation not in RELATIONS:
            reader.problems.append(RuleViolation(
                N_("«%(value)s» is not a relation: mother, father, guardian, trustee or other representative."),
                value=text(cells.get(prefix + "relation"))))
        guardian["relation"] = RELATIONS.get(relation)
        # a guardian's problems are told with their number: «Представитель 1: …»
        reader.problems[before:] = [RuleViolation(N_("Guardian %(n)s: %(problem)s"), n=n, problem=problem)
                                    for problem in reader.problems[before:]]
        guardians.append(guardian)
    return ImportRow(row, values, guardians, reader.problems)


def parse_staff_row(row: int, cells: dict, today: dt.date) -> ImportRow:
    """An employee's row: the card, the position (a name from the school's list)
    and the rate. The birth date is required (it is part of the key)."""
    reader = _Reader(cells, today)
    values = _person(reader, birth_required=True)
    values.update(
        phone=reader.phone("phone"),
        email=reader.email("email"),
        education=reader.text("education", EDUCATION_MAX, N_("Education")),
        qualification_category=reader.text("qualification_category", CATEGORY_MAX, N_("Qualification category")),
        hire_date=reader.date("hire_date", N_("Hired on"), False, EARLIEST_BIRTH, today + dt.timedelta(days=366)),
        position=reader.text("position", POSITION_MAX, N_("Position")),
        rate=reader.rate(),
    )
    if values["rate"] is not None and not text(cells.get("position")):
        reader.problems.append(RuleViolation(N_("A rate is given without a position.")))
    if values["birth_date"] and values["hire_date"] and values["hire_date"] <= values["birth_date"]:
        reader.problems.append(RuleViolation(N_("The hiring date is before the birth date.")))
    return ImportRow(row, values, [], reader.problems)


# --- Tables -----------------------------------------------------------------------

def normalize_header(value: Any) -> str:
    """A header as compared: no case, no hint in brackets, no punctuation but «№» and «-»."""
    value = fold(text(value))
    value = re.sub(r"\(.*?\)", " ", value)
    value = re.sub(r"[^\w№\- ]", " ", value)
    return re.sub(r"\s+", " ", value).strip()


def header_map(cells: Sequence[Any], columns: Sequence[Column]) -> dict:
    """Column index by field key for the cells of a header row (unknown headers ignored)."""
    variants = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            variants.setdefault(normalize_header(name), column.key)
    found = {}
    for index, cell in enumerate(cells):
        key = variants.get(normalize_header(cell))
        if key is not None and key not in found:
            found[key] = index
    return found


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(text(c) == "" for c in cells)


def parse_table(rows: Iterable[Sequence[Any]], kind: str, today: dt.date) -> ParsedTable:
    """The rows of a students' («students») or staff («staff») table. The first
    non-empty row holds the headers (any order; the template's or close to them);
    empty rows are skipped; a person twice in the file is an error of the later row."""
    columns, parse_row = (STUDENT_ALL_COLUMNS, parse_student_row) if kind == "students" else (STAFF_COLUMNS, parse_staff_row)
    parsed = ParsedTable()
    header: Optional[dict] = None
    seen: dict = {}
    for number, cells in enumerate(rows, start=1):
        cells = list(cells or ())
        if _is_blank(cells):
            continue
        if header is None:
            header = header_map(cells, columns)
            missing = [c.header for c in columns if c.key in ("last_name", "first_name", "birth_date") and c.key not in header]
            if missing:
                parsed.problems.append(RuleViolation(
                    N_("The first row must hold the column headers of the template; missing: %(columns)s."),
                    columns=", ".join(f"«{name}»" for name in missing)))
                return parsed
            continue
        if len(parsed.rows) >= ROWS_MAX:
            parsed.problems.append(RuleViolation(N_("The file has more than %(max)s rows."), max=ROWS_MAX))
            break
        row = parse_row(number, {key: cells[index] for key, index in header.items() if index < len(cells)}, today)
        for key in keys_of(kind, row):
            if key in seen:
                row.problems.append(RuleViolation(N_("The same person as in row %(other)s."), other=seen[key]))
                break
        else:
            for key in keys_of(kind, row):
                seen[key] = row.row
        parsed.rows.append(row)
    if header is None:
        parsed.problems.append(RuleViolation(N_("The file has no rows.")))
    elif not parsed.rows and not parsed.problems:
        parsed.problems.append(RuleViolation(N_("The file has headers but no rows.")))
    return parsed


# --- Keys -------------------------------------------------------------------------

def name_key(last: Optional[str], first: Optional[str], middle: Optional[str]) -> tuple:
    return fold(last), fold(first), fold(middle)


def file_key(file_no: Optional[str]) -> Optional[tuple]:
    return ("file", fold(file_no)) if file_no else None


def person_key(values: dict) -> Optional[tuple]:
    """(last, first, middle, birth date), when the name and the birth date are known."""
    if not values.get("last_name") or not values.get("first_name") or not values.get("birth_date"):
        return None
    return ("person", *name_key(values["last_name"], values["first_name"], values.get("middle_name")),
            values["birth_date"])


def guardian_key(values: dict) -> tuple:
    return (*name_key(values.get("last_name"), values.get("first_name"), values.get("middle_name")),
            phone_digits(values.get("phone")))


def keys_of(kind: str, row: ImportRow) -> list:
    """The keys by which a row's person is found: a student by the file number and
    by name and birth date; an employee by name and birth date."""
    keys = [person_key(row.values)]
    if kind == "students":
        keys.insert(0, file_key(row.values.get("personal_file_no")))
    return [k for k in keys if k is not None]


# --- Changes ----------------------------------------------------------------------

def changes(current: dict, incoming: dict, fields: Iterable[str]) -> dict:
    """The fields the file would change: given in the file and different from what
    is stored (an empty cell changes nothing; names compare as written)."""
    return {name: incoming[name] for name in fields
            if incoming.get(name) is not None and incoming[name] != current.get(name)}


def next_file_number(last_name: str, taken: Iterable[str]) -> str:
    """A new personal file number «И-0501»: the first letter of the last name and one
    more than the largest number in use at the school (as the alphabetical book counts)."""
    largest = 0
    for number in taken:
        found = re.search(r"(\d+)\s*$", number or "")
        if found:
            largest = max(largest, int(found.group(1)))
    letter = (last_name or "?")[:1].upper()
    return f"{letter}-{largest + 1:04d}"
