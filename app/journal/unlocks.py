"""Closing a journal unlock early: from that moment the journal's locks apply again.

The unlock's journal write lock is taken first (the grid's saves take the same
one, app/journal/saving.py), and the unlock is read again under it: of two people
closing it at the same second the second is told it is already closed, and a save
of the grid running meanwhile finishes before the unlock closes, never after.
The write pipeline checks who may close it (the right «journal_unlock», on a
journal the user sees) and that nothing but who and when changes; its audit
records the closing in the journal's audit.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.journal.saving import lock_journal
from app.models import JournalUnlock
from app.rules.errors import N_, RuleViolation


def close_unlock(session: Session, unlock_id: int, user_id: int | None, now: dt.datetime) -> JournalUnlock:
    """Closes the unlock (the caller commits); RuleViolation when it may not be closed."""
    group_id = session.scalar(select(JournalUnlock.subject_group_id).where(JournalUnlock.id == unlock_id))
    if group_id is None:
        raise RuleViolation(N_("No such unlock."))
    lock_journal(session, group_id)
    unlock = session.scalars(select(JournalUnlock).where(JournalUnlock.id == unlock_id)
                             .execution_options(populate_existing=True)).one()
    unlock.closed_at = now
    unlock.closed_by_id = user_id
    session.flush()
    return unlock
