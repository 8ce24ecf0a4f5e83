"""Rules of the school's communication: attachment limits and the forum's stop words."""
from __future__ import annotations

import re
from pathlib import PurePath
from typing import Iterable

from .errors import N_, RuleViolation

# Attachments (announcements, letters): documents, spreadsheets, presentations, pictures, archives.
ALLOWED_EXTENSIONS = frozenset({
    "pdf", "doc", "docx", "odt", "rtf", "txt", "xls", "xlsx", "ods", "csv", "ppt", "pptx", "odp",
    "jpg", "jpeg", "png", "gif", "zip",
})
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5


def check_attachment(filename: str, size: int, max_bytes: int = MAX_ATTACHMENT_BYTES) -> None:
    """A file may be attached when its type is a document, table, presentation, picture or
    archive, and it is not larger than the limit (5 MB by default)."""
    name = PurePath(filename or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not name or extension not in ALLOWED_EXTENSIONS:
        raise RuleViolation(N_("Files of this type cannot be attached (%(name)s). Allowed: %(types)s."),
                            name=name or "—", types=", ".join(sorted(ALLOWED_EXTENSIONS)))
    if size <= 0:
        raise RuleViolation(N_("The file %(name)s is empty."), name=name)
    if size > max_bytes:
        raise RuleViolation(N_("The file %(name)s is larger than %(limit)s MB."), name=name,
                            limit=f"{max_bytes / 1024 / 1024:g}".replace(".", ","))


def check_attachment_count(count: int, limit: int = MAX_ATTACHMENTS) -> None:
    if count > limit:
        raise RuleViolation(N_("At most %(n)s files can be attached."), n=limit)


def _normal(text: str) -> str:
    return text.lower().replace("ё", "е")


def flagged_words(text: str, stop_words: Iterable[str]) -> list:
    """The stop words found in a post, as whole words or word beginnings («дурак» finds
    «дураки»), whatever the case and ё/е; the moderator reviews such a post."""
    normal = _normal(text or "")
    found = []
    for word in stop_words:
        stem = _normal(word.strip())
        if stem and re.search(rf"(?<!\w){re.escape(stem)}", normal) and word.strip() not in found:
            found.append(word.strip())
    return found


CLASS_AUDIENCES = ("school_class", "class_parents")


def check_audience(audience: str, class_id) -> None:
    """An announcement for a class, or for the parents of a class, names the class."""
    if audience in CLASS_AUDIENCES and class_id is None:
        raise RuleViolation(N_("Choose the class the announcement is for."))


MAX_SUBJECT = 255


def check_letter(recipients: int, subject: str, body: str) -> None:
    """A letter has a recipient, a subject of up to 255 characters and a text."""
    if not recipients:
        raise RuleViolation(N_("Choose at least one recipient."))
    if not subject:
        raise RuleViolation(N_("Write the subject of the letter."))
    if len(subject) > MAX_SUBJECT:
        raise RuleViolation(N_("The subject is longer than %(n)s characters."), n=MAX_SUBJECT)
    if not body:
        raise RuleViolation(N_("The letter is empty."))
