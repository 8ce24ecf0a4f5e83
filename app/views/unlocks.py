"""Journal unlocks (act 001 §4.11–4.14): a coordinator opens a locked journal for a
date range until a chosen day, with a reason. The unlock record is itself the log,
so it is never edited or deleted, only closed early (who and when are recorded and
audited; the lock applies again at once); the rules are app.rules.locks.check_unlock
and check_unlock_closing."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from app.clock import school_today, utcnow
from app.journal.unlocks import close_unlock
from app.models import JournalUnlock, SubjectGroup
from app.security.rights import require_right, user_rights
from app.views.base import DATE_FORMAT, PartaInterface, PartaModelView, commit_write, format_datetime


def _date_arg(name: str) -> dt.date | None:
    """A date from the query string, as ДД.ММ.ГГГГ or ISO; None when absent or wrong."""
    text = (request.args.get(name) or "").strip()
    for pattern in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class JournalUnlockView(PartaModelView):
    """«Разблокировка журнала». The journal grid links to
    /journalunlockview/add?subject_group=<id>&date_from=ДД.ММ.ГГГГ&date_to=ДД.ММ.ГГГГ
    to open the form with the journal and the dates already chosen."""

    datamodel = PartaInterface(JournalUnlock)
    list_title = _l("Journal unlocks")
    base_permissions = ["can_list", "can_show", "can_add", "can_close"]
    label_columns = {
        "subject_group": _l("Journal (subject group)"),
        "date_from": _l("Entries from"),
        "date_to": _l("Entries to"),
        "until": _l("Open until"),
        "reason": _l("Reason"),
        "created_by": _l("Opened by"),
        "created_at": _l("Opened at"),
        "closed_by": _l("Closed early by"),
        "closed_at": _l("Closed early at"),
    }
    list_columns = ["subject_group", "date_from", "date_to", "until", "reason", "created_by", "created_at", "closed_at"]
    show_columns = list_columns[:-1] + ["closed_by", "closed_at"]
    formatters_columns = {"created_at": format_datetime, "closed_at": format_datetime}
    show_template = "parta/unlock_show.html"
    add_columns = ["subject_group", "date_from", "date_to", "until", "reason"]
    search_columns = ["subject_group", "date_from", "date_to", "until", "reason"]
    description_columns = {
        "date_from": _l("The first lesson date (or period end) whose entries may be changed again."),
        "until": _l("The last day on which the entries may be changed."),
    }
    base_order = ("created_at", "desc")

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        require_right("journal_unlock")
        return super().add()

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        """Pre-fills the form from the query string (a quick unlock from the journal)."""
        if request.method == "GET":
            group_id = request.args.get("subject_group", type=int)
            if group_id and form.subject_group.data is None:
                form.subject_group.data = self.datamodel.session.get(SubjectGroup, group_id)
            for name in ("date_from", "date_to", "until"):
                value = _date_arg(name)
                if value is not None and getattr(form, name).data is None:
                    getattr(form, name).data = value
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def pre_add(self, item) -> None:
        from flask_login import current_user

        item.created_by_id = current_user.id
        item.created_at = utcnow()
        super().pre_add(item)

    def may_close(self, unlock: JournalUnlock) -> bool:
        """Whether the page offers «Закрыть досрочно»: an unlock still open, to who may grant one."""
        sm = self.appbuilder.sm
        return unlock.closed_at is None and unlock.until >= school_today() \
            and sm.has_access("can_close", self.__class__.__name__) and "journal_unlock" in user_rights(sm, sm.current_user)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        pk = self._deserialize_pk_if_composite(pk)
        unlock = self.datamodel.get(pk, self._base_filters)
        if unlock is None:
            abort(404)
        widgets = self._show(pk)
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_views, may_close=self.may_close(unlock))

    @expose("/close/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("close")
    def close(self, pk):
        """«Закрыть досрочно»: the journal's locks apply again from now on."""
        require_right("journal_unlock")
        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        from flask_login import current_user

        session = self.datamodel.session
        done, _ = commit_write(session, lambda: close_unlock(session, pk, current_user.id, utcnow()))
        if done:
            flash(gettext("The unlock is closed: the journal's locks apply again."), "success")
        return redirect(url_for(".show", pk=pk))
