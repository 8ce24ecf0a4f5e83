"""Announcements, the internal mail and the forum with its moderation (act 001 §1.3,
§3.3, §4.8). Who reads and who may write to whom: app/security/communication.py;
attachment limits and stop words: app/rules/communication.py."""
from __future__ import annotations

from typing import Optional

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import MultipleFileField

from app.clock import school_today, utcnow
from app.extensions import db
from app.models import (
    Announcement, Attachment, Audience, ForumPost, ForumStopWord, ForumTopic, MailMessage, MailRecipient,
    ModerationAction, ModerationLog, School,
)
from app.rules import communication as rules
from app.rules.errors import N_, RuleViolation
from app.security import communication as addressing
from app.views.base import (
    PartaInterface, PartaModelView, UserFacingError, commit_write, download_response, message_of, parse_int,
)



def _me():
    from flask_login import current_user

    return current_user


def uploaded_files(field: str = "files", already: int = 0) -> list:
    """Attachments from the request's file field, each checked (type, size) before anything
    is stored; a refusal raises RuleViolation and nothing is attached."""
    files = [f for f in request.files.getlist(field) if f and f.filename]
    rules.check_attachment_count(already + len(files))
    attachments = []
    for upload in files:
        content = upload.read()
        rules.check_attachment(upload.filename, len(content))
        attachments.append(Attachment(filename=upload.filename[-255:], content_type=(upload.mimetype or
                                      "application/octet-stream")[:100], size=len(content), content=content,
                                      uploaded_by_id=_me().id, uploaded_at=utcnow()))
    return attachments


def attachment_response(attachment: Attachment) -> Response:
    return download_response(attachment.content, attachment.content_type or "application/octet-stream",
                             f"file-{attachment.id}", attachment.filename)


# ---------------------------------------------------------------------------
# Announcements
# ---------------------------------------------------------------------------

class AnnouncementView(PartaModelView):
    """Announcements posted by the staff: to the whole school, the staff, a class or the
    parents of a class; files attached on the form (type and size limits). Each user
    lists, changes and deletes their own; the administration («Управление объявлениями»)
    all of them (app/security/communication.py, also on every other write path)."""

    datamodel = PartaInterface(Announcement)
    list_title = _l("Announcements")
    base_filters = [["author_id", addressing.AnnouncementAuthorFilter, lambda: None]]
    list_columns = ["posted_at", "title", "audience", "school_class", "author", "visible_until", "edited_at"]
    search_columns = ["title", "audience", "school_class", "visible_until"]
    add_columns = edit_columns = ["title", "text", "audience", "school_class", "visible_until", "files"]
    show_columns = ["posted_at", "author", "title", "text", "audience", "school_class", "visible_until", "attachments",
                    "edited_at", "edited_by"]
    base_order = ("posted_at", "desc")
    add_form_extra_fields = edit_form_extra_fields = {
        "files": MultipleFileField(_l("Attached files"), description=_l("Up to 5 files, 5 MB each: documents, "
                                                                         "tables, presentations, pictures, ZIP.")),
    }
    label_columns = {"text": _l("Text"), "audience": _l("For whom"), "school_class": _l("Class"),
                     "visible_until": _l("Shown until"), "attachments": _l("Attached files"), "author": _l("Author"),
                     "posted_at": _l("Posted"), "files": _l("Attached files"), "edited_at": _l("Last edited"),
                     "edited_by": _l("Edited by")}

    def _attach(self, item) -> None:
        try:
            rules.check_audience(item.audience.name if item.audience else "",
                                 item.class_id or (item.school_class.id if item.school_class else None))
            if item.audience in (Audience.school, Audience.staff):
                item.school_class = None
            item.attachments.extend(uploaded_files(already=len(item.attachments)))
        except RuleViolation as error:
            self.datamodel.session.rollback()
            raise UserFacingError(message_of(error)) from error

    def pre_add(self, item) -> None:
        item.author_id = _me().id
        item.posted_at = utcnow()
        self._attach(item)
        super().pre_add(item)

    def pre_update(self, item) -> None:
        self._attach(item)
        super().pre_update(item)


class AnnouncementBoardView(BaseView):
    """«Объявления»: what is addressed to the user, with the attached files."""

    route_base = "/announcements"
    default_view = "board"
    base_permissions = ["can_board"]

    @expose("/")
    @has_access
    @permission_name("board")
    def board(self):
        items = addressing.announcements_for(db.session, school_today())
        return self.render_template("parta/announcements.html", title=_l("Announcements"), announcements=items)

    @expose("/file/<int:attachment_id>")
    @has_access
    @permission_name("board")
    def file(self, attachment_id):
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.announcement_id is None or \
                not addressing.announcement_visible(db.session, attachment.announcement_id, school_today()):
            abort(404)
        return attachment_response(attachment)


# ---------------------------------------------------------------------------
# The internal mail
# ---------------------------------------------------------------------------

def unread_count(session, user) -> int:
    return session.scalar(select(func.count(MailRecipient.id)).where(
        MailRecipient.user_id == user.id, MailRecipient.read_at.is_(None), MailRecipient.deleted.is_(False))) or 0


# A recipient choice that stands for several people («Все учителя класса 5А»).
GROUP_PREFIX = "group:"


def send_letter(session, sender, recipient_ids: list, subject: str, body: str, attachments: list,
                groups: tuple = ()) -> MailMessage:
    """A letter to recipients of the sender's address book and to the groups offered
    to them (expanded here to their members); anyone else is refused."""
    subject, body = (subject or "").strip(), (body or "").strip()
    rules.check_letter(len(recipient_ids) + len(groups), subject, body)
    recipient_ids = sorted(set(recipient_ids) | addressing.expand_groups(session, groups, sender))
    allowed = addressing.allowed_recipients(session, recipient_ids, sender)
    if allowed != set(recipient_ids):
        raise RuleViolation(N_("You may not write to some of the recipients chosen."))
    message = MailMessage(sender_id=sender.id, subject=subject, body=body, sent_at=utcnow())
    message.recipients = [MailRecipient(user_id=uid) for uid in sorted(allowed)]
    message.attachments = attachments
    session.add(message)
    return message


class MailView(BaseView):
    """«Почта»: inbox, sent, compose (the address book is scoped), letters with files."""

    route_base = "/mail"
    default_view = "inbox"
    base_permissions = ["can_mail"]

    def _render(self, template: str, **context):
        return self.render_template(template, title=_l("Mail"), unread=unread_count(db.session, _me()), **context)

    @expose("/")
    @has_access
    @permission_name("mail")
    def inbox(self):
        rows = db.session.execute(
            select(MailRecipient, MailMessage).join(MailMessage, MailRecipient.message_id == MailMessage.id)
            .where(MailRecipient.user_id == _me().id, MailRecipient.deleted.is_(False))
            .order_by(MailMessage.sent_at.desc()).limit(200)).all()
        return self._render("parta/mail_list.html", box="inbox", rows=rows)

    @expose("/sent")
    @has_access
    @permission_name("mail")
    def sent(self):
        letters = db.session.scalars(select(MailMessage).where(MailMessage.sender_id == _me().id,
                                                               MailMessage.sender_deleted.is_(False))
                                     .order_by(MailMessage.sent_at.desc()).limit(200)).all()
        return self._render("parta/mail_list.html", box="sent", letters=letters)

    @expose("/compose", methods=["GET", "POST"])
    @has_access
    @permission_name("mail")
    def compose(self):
        session = db.session
        book = addressing.address_book(session)
        groups = addressing.recipient_groups(session)
        chosen = request.values.getlist("to")
        form = {"to": [parse_int(v) for v in chosen if not v.startswith(GROUP_PREFIX) and parse_int(v)],
                "groups": tuple(v[len(GROUP_PREFIX):] for v in chosen if v.startswith(GROUP_PREFIX)),
                "subject": request.values.get("subject", ""), "body": request.values.get("body", "")}
        if request.method == "POST":
            me = _me()
            ok, _ = commit_write(session, lambda: send_letter(session, me, form["to"], form["subject"], form["body"],
                                                              uploaded_files(), groups=form["groups"]))
            if ok:
                flash(gettext("The letter is sent."), "success")
                return redirect(url_for("MailView.sent"))
        reply = parse_int(request.args.get("reply"))
        if reply and request.method == "GET":
            original = self._readable(reply)
            if original is not None:
                form["to"] = [original.sender_id]
                form["subject"] = original.subject if original.subject.startswith("Re:") else f"Re: {original.subject}"
        return self._render("parta/mail_compose.html", book=book, groups=groups, group_prefix=GROUP_PREFIX, form=form)

    def _readable(self, message_id: int) -> Optional[MailMessage]:
        """A letter the user sent or received; None otherwise."""
        message = db.session.get(MailMessage, message_id)
        me = _me()
        if message is None:
            return None
        if message.sender_id == me.id or any(r.user_id == me.id for r in message.recipients):
            return message
        return None

    @expose("/letter/<int:message_id>")
    @has_access
    @permission_name("mail")
    def letter(self, message_id):
        message = self._readable(message_id)
        if message is None:
            abort(404)
        mine = next((r for r in message.recipients if r.user_id == _me().id), None)
        if mine is not None and mine.read_at is None:
            mine.read_at = utcnow()
            db.session.commit()
        return self._render("parta/mail_letter.html", message=message)

    @expose("/letter/<int:message_id>/delete", methods=["POST"])
    @has_access
    @permission_name("mail")
    def delete(self, message_id):
        message = self._readable(message_id)
        if message is None:
            abort(404)
        me = _me()
        for recipient in message.recipients:
            if recipient.user_id == me.id:
                recipient.deleted = True
        if message.sender_id == me.id:
            message.sender_deleted = True
        db.session.commit()
        flash(gettext("The letter is deleted."), "info")
        return redirect(url_for("MailView.inbox"))

    @expose("/file/<int:attachment_id>")
    @has_access
    @permission_name("mail")
    def file(self, attachment_id):
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.message_id is None or self._readable(attachment.message_id) is None:
            abort(404)
        return attachment_response(attachment)


# ---------------------------------------------------------------------------
# The forum
# ---------------------------------------------------------------------------

def stop_words(session) -> list:
    return list(session.scalars(select(ForumStopWord.word)))


def flag(session, post: ForumPost) -> None:
    """Marks a post holding a stop word for the moderator (or clears the mark)."""
    found = rules.flagged_words(post.text, stop_words(session))
    post.flagged = ", ".join(found)[:255] or None


def is_moderator() -> bool:
    from flask import current_app

    return current_app.appbuilder.sm.has_access("can_moderate", "ForumView")


def _text(field: str, limit: int = 10000) -> str:
    text = (request.form.get(field) or "").strip()
    if not text:
        raise RuleViolation(N_("The message is empty."))
    if len(text) > limit:
        raise RuleViolation(N_("The message is longer than %(n)s characters."), n=limit)
    return text


class ForumView(BaseView):
    """«Форум»: topics and posts; posts with a stop word wait for the moderator, who edits,
    deletes, restores or approves them; every such action is logged."""

    route_base = "/forum"
    default_view = "topics"
    base_permissions = ["can_forum", "can_moderate"]

    @expose("/")
    @has_access
    @permission_name("forum")
    def topics(self):
        counts = dict(db.session.execute(select(ForumPost.topic_id, func.count(ForumPost.id))
                                         .where(ForumPost.is_deleted.is_(False), ForumPost.flagged.is_(None))
                                         .group_by(ForumPost.topic_id)).all())
        last = dict(db.session.execute(select(ForumPost.topic_id, func.max(ForumPost.created_at))
                                       .group_by(ForumPost.topic_id)).all())
        topics = db.session.scalars(select(ForumTopic).order_by(ForumTopic.created_at.desc())).all()
        topics = sorted(topics, key=lambda t: last.get(t.id) or t.created_at, reverse=True)
        flagged = db.session.scalar(select(func.count(ForumPost.id)).where(ForumPost.flagged.is_not(None),
                                                                           ForumPost.is_deleted.is_(False))) \
            if is_moderator() else 0
        return self.render_template("parta/forum_topics.html", title=_l("Forum"), topics=topics, counts=counts,
                                    last=last, flagged=flagged, moderator=is_moderator())

    @expose("/new", methods=["POST"])
    @has_access
    @permission_name("forum")
    def new(self):
        def write():
            title = (request.form.get("title") or "").strip()
            if not title or len(title) > 255:
                raise RuleViolation(N_("Write the title of the topic (up to 255 characters)."))
            topic = ForumTopic(title=title, author_id=_me().id, created_at=utcnow())
            post = ForumPost(topic=topic, author_id=_me().id, text=_text("text"), created_at=utcnow())
            flag(db.session, post)
            db.session.add(topic)
            return topic, post

        ok, result = commit_write(db.session, write)
        if not ok:
            return redirect(url_for("ForumView.topics"))
        topic, post = result
        if post.flagged:
            flash(gettext("The post waits for the moderator's review."), "warning")
        return redirect(url_for("ForumView.topic", topic_id=topic.id))

    @expose("/topic/<int:topic_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("forum")
    def topic(self, topic_id):
        topic = db.session.get(ForumTopic, topic_id)
        if topic is None:
            abort(404)
        if request.method == "POST":
            def write():
                if topic.is_closed:
                    raise RuleViolation(N_("The topic is closed."))
                post = ForumPost(topic_id=topic.id, author_id=_me().id, text=_text("text"), created_at=utcnow())
                flag(db.session, post)
                db.session.add(post)
                return post

            ok, post = commit_write(db.session, write)
            if ok and post.flagged:
                flash(gettext("The post waits for the moderator's review."), "warning")
            return redirect(url_for("ForumView.topic", topic_id=topic.id))
        return self.render_template("parta/forum_topic.html", title=topic.title, topic=topic,
                                    posts=addressing.visible_posts(topic.posts, _me(), is_moderator()),
                                    moderator=is_moderator())

    # -- moderation ---------------------------------------------------------------------
    @expose("/moderation")
    @has_access
    @permission_name("moderate")
    def moderation(self):
        flagged = db.session.scalars(select(ForumPost).where(ForumPost.flagged.is_not(None), ForumPost.is_deleted.is_(False))
                                     .order_by(ForumPost.created_at)).all()
        log = db.session.scalars(select(ModerationLog).order_by(ModerationLog.at.desc()).limit(50)).all()
        return self.render_template("parta/forum_moderation.html", title=_l("Forum moderation"), flagged=flagged, log=log)

    @expose("/post/<int:post_id>/<string:action>", methods=["POST"])
    @has_access
    @permission_name("moderate")
    def moderate(self, post_id, action):
        post = db.session.get(ForumPost, post_id)
        if post is None or action not in ModerationAction.__members__:
            abort(404)
        kind = ModerationAction[action]

        def write():
            old = post.text
            if kind is ModerationAction.edit:
                post.text = _text("text")
                post.edited_at = utcnow()
                flag(db.session, post)
                post.flagged = None  # the moderator's own text is approved
            elif kind is ModerationAction.delete:
                post.is_deleted = True
            elif kind is ModerationAction.restore:
                post.is_deleted = False
            else:
                post.flagged = None
            db.session.add(ModerationLog(post_id=post.id, moderator_id=_me().id, action=kind, at=utcnow(), old_text=old,
                                         new_text=post.text if kind is ModerationAction.edit else None,
                                         reason=(request.form.get("reason") or "").strip()[:255] or None))

        ok, _ = commit_write(db.session, write)
        if ok:
            flash(gettext("Done: %(action)s.", action=str(kind)), "success")
        return redirect(request.form.get("next") or url_for("ForumView.moderation"))


class ForumStopWordView(PartaModelView):
    datamodel = PartaInterface(ForumStopWord)
    list_title = _l("Forum stop words")
    list_columns = ["word"]
    search_columns = ["word"]
    add_columns = edit_columns = show_columns = ["word"]
    label_columns = {"word": _l("Word or its beginning")}


class ModerationLogView(PartaModelView):
    datamodel = PartaInterface(ModerationLog)
    list_title = _l("Moderation log")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["at", "moderator", "action", "post", "reason"]
    show_columns = ["at", "moderator", "action", "post", "reason", "old_text", "new_text"]
    search_columns = ["action", "at"]
    base_order = ("at", "desc")
    label_columns = {"at": _l("When"), "moderator": _l("Moderator"), "action": _l("Action"), "post": _l("Post"),
                     "reason": _l("Reason of the action"), "old_text": _l("Text before"), "new_text": _l("Text after")}



class WebApiAccessView(BaseView):
    """«Доступ для мобильных приложений»: a student or parent switches the NetSchool-compatible
    API on for their own login, confirming it with the password (app/security/webapi.py)."""

    route_base = "/apps-access"
    default_view = "access"
    base_permissions = ["can_access"]

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("access")
    def access(self):
        from werkzeug.security import check_password_hash

        from app.security import webapi

        me = _me()
        session = db.session
        allowed = webapi.school_allows(session, me.school_id)
        if request.method == "POST":
            if request.form.get("action") == "disable":
                ok, _ = commit_write(session, lambda: webapi.disable(session, me))
                if ok:
                    flash(gettext("The apps can no longer log in with your login."), "info")
            elif not allowed:
                flash(gettext("Your school has not switched the apps on."), "danger")
            elif not check_password_hash(me.password, request.form.get("password") or ""):
                flash(gettext("The password is wrong."), "danger")
            else:
                ok, _ = commit_write(session, lambda: webapi.enable(session, me, request.form["password"]))
                if ok:
                    flash(gettext("The apps can now log in with your login and password."), "success")
            return redirect(url_for("WebApiAccessView.access"))
        account = webapi.account_of(session, me.id)
        school = session.get(School, me.school_id) if me.school_id else None
        return self.render_template("parta/apps_access.html", title=_l("Access for mobile apps"), allowed=allowed,
                                    enabled=bool(account and account.enabled and account.secret), school=school,
                                    server=request.host_url.rstrip("/"))
