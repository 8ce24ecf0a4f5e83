"""The second step: the user's right to write a journal row, at both ends of its move.

A teacher keeps the journals of the groups they teach; the class teacher their
class's unless it learns by an ИУП; «edit all» rights override (act 001, the rights
table in app/security/rights.py). A substitute teacher keeps the rows of the lessons
they substitute (as stored: nobody hands a lesson to themselves). Final marks need
a final-marks right on top. A row moved from one journal to another needs the
right in both.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import FinalMark, JournalUnlock
from app.pipeline.position import Move, Position
from app.rules.errors import N_, RuleViolation
from app.security.scoping import UNSCOPED, Scope, current_scope

UNLOCK_REFUSAL = N_("Only those who may grant unlocks open and close them.")
JOURNAL_REFUSAL = N_("You may not change the journal of this subject group.")
FINAL_REFUSAL = N_("You may not change the final marks of this subject group.")


def _may_edit(scope: Scope, end: Position, allow_substitute: bool) -> bool:
    if scope.editable_groups is UNSCOPED or end.group_id in scope.editable_groups:
        return True
    return allow_substitute and scope.substitute_for is not None and end.substitute_id is not None \
        and end.substitute_id == scope.substitute_for


def check(session: Session, obj: Any, move: Move) -> None:
    """Refuses a journal row at an end the user may not write."""
    scope = current_scope(session)
    final = isinstance(obj, FinalMark)
    for end in move.ends:
        if end.group_id is None:
            continue
        if not _may_edit(scope, end, allow_substitute=end.lesson_id is not None):
            raise RuleViolation(JOURNAL_REFUSAL)
        if final and not (scope.final_groups is UNSCOPED or end.group_id in scope.final_groups):
            raise RuleViolation(FINAL_REFUSAL)


def check_unlock(session: Session, unlock: JournalUnlock) -> None:
    """Granting an unlock and closing it early: the right «journal_unlock», for a
    journal the user sees (the school segment is the first step's). Code running
    without a user (seeds, the CLI) is not bound."""
    from flask import current_app

    from app.security.accounts import acting_user
    from app.security.rights import user_rights

    user = acting_user()
    if user is None:
        return
    if "journal_unlock" not in user_rights(current_app.appbuilder.sm, user):
        raise RuleViolation(UNLOCK_REFUSAL)
    scope = current_scope(session)
    group_id = unlock.subject_group_id if unlock.subject_group_id is not None else \
        getattr(unlock.subject_group, "id", None)
    if scope.groups is not UNSCOPED and group_id not in scope.groups:
        raise RuleViolation(UNLOCK_REFUSAL)
