"""Rules of the school's communication: attachment limits and the forum's stop words."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
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


# What people type instead of a letter to slip a word past the filter: Latin and Greek
# look-alikes, digits and signs, and the transliteration's letters. A stop word's letter matches
# any of them; the text itself is only lower-cased and cleaned (see _clean).
LOOK_ALIKES = {
    "а": ("a", "@", "4", "α"),
    "б": ("6", "b", "δ"),
    "в": ("b", "8", "v", "β"),
    "г": ("r", "g"),
    "д": ("d", "g"),
    "е": ("e", "€", "ε", "3"),
    "ж": ("}|{", ">|<", "zh"),
    "з": ("3", "z"),
    "и": ("u", "i", "1", "!"),
    "к": ("k", "|<", "κ"),
    "л": ("l", "1", "jl"),
    "м": ("m",),
    "н": ("h", "n", "η"),
    "о": ("o", "0", "()", "ο", "σ"),
    "п": ("n", "π"),
    "р": ("p", "r", "ρ"),
    "с": ("c", "s", "$", "ς"),
    "т": ("t", "m", "τ", "7"),
    "у": ("y", "u", "υ", "γ"),
    "ф": ("f", "φ"),
    "х": ("x", "h", "χ"),
    "ц": ("c",),
    "ч": ("4", "ch"),
    "ш": ("w", "sh"),
    "щ": ("w", "sch"),
    "ъ": ("b", "'", '"'),
    "ы": ("bi", "b|", "y"),
    "ь": ("b", "'"),
    "э": ("e", "3"),
    "ю": ("io", "yu"),
    "я": ("9", "ya", "r"),
}
# Separators typed inside a word («д.у.р.а.к», «ду_рак», «ду-р-ак»): any sign but a space. Spaces
# count too between single letters («д у р а к»), never between parts of ordinary words.
_SEP_IN_WORD = r"(?:[^\w\s]|_)*"
_SEP_SPACED = r"[\W_]+"
_WORD_START = r"(?<![^\W_])"


def _clean(text: str) -> str:
    """Lower case, ё → е, й → и, without accents, invisible characters (zero-width spaces, soft
    hyphens) and compatibility forms (full-width or styled letters)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) not in ("Mn", "Cf"))
    return unicodedata.normalize("NFC", text)


def _letter(ch: str) -> str:
    """The regular expression for one letter of a stop word: the letter and what passes for it."""
    keys = [key for key, alikes in LOOK_ALIKES.items() if ch == key or ch in alikes]
    variants = {ch}
    for key in keys:
        variants.add(key)
        variants.update(LOOK_ALIKES[key])
    return "(?:" + "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)) + ")"


@lru_cache(maxsize=512)
def stop_word_pattern(word: str):
    """A stop word as a pattern that finds it at a word's beginning however it is disguised:
    look-alike letters, digits, repeated letters, signs between its letters, or its letters
    spaced out one by one. None for an empty word."""
    letters = []
    for ch in _clean(word.strip()):
        if ch.isspace():
            continue
        if not letters or letters[-1] != ch:   # «сс» is one letter, repeated any number of times
            letters.append(ch)
    if not letters:
        return None
    parts = [_letter(ch) for ch in letters]
    compact = _SEP_IN_WORD.join(f"{part}+" for part in parts)
    spaced = _SEP_SPACED.join(parts)
    return re.compile(rf"{_WORD_START}(?:{compact}|{spaced})")


def flagged_words(text: str, stop_words: Iterable[str]) -> list:
    """The stop words found in a post, as whole words or word beginnings («дурак» finds
    «дураки»), whatever the case and ё/е, and however disguised («дуpак» with a Latin «p»,
    «дур4к», «дууурак», «д.у.р.а.к», «д у р а к»); the moderator reviews such a post."""
    clean = _clean(text)
    found = []
    for word in stop_words:
        word = (word or "").strip()
        pattern = stop_word_pattern(word)
        if pattern is not None and word not in found and pattern.search(clean):
            found.append(word)
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
