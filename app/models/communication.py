"""Communication (act 001 §1.3, §4.8: "regardless of location"): announcements,
internal mail, the moderated forum, their attachments; and the opt-in
NetSchool-compatible web API's accounts and sessions."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, Date, DateTime, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.clock import utcnow

from .base import Label, LabeledEnum, Model, SchoolScoped
from .teaching import SchoolClass



class Audience(LabeledEnum):
    school = Label("The whole school")
    staff = Label("Staff only")
    school_class = Label("A class (students and parents)")
    class_parents = Label("Parents of a class")


class Announcement(SchoolScoped, Model):
    """An announcement on the home pages of those it addresses."""

    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_school_posted", "school_id", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[Audience] = mapped_column(Enum(Audience, name="audience", native_enum=False, length=20),
                                               default=Audience.school)
    class_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    visible_until: Mapped[Optional[dt.date]] = mapped_column(Date)
    # The last edit, when someone changed the text after posting (the author or the administration).
    edited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    edited_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    school_class: Mapped[Optional[SchoolClass]] = relationship()
    author = relationship("PartaUser", foreign_keys=[author_id])
    edited_by = relationship("PartaUser", foreign_keys=[edited_by_id])
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="announcement", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.title


class MailMessage(SchoolScoped, Model):
    """A letter of the internal mail; each recipient has a copy (MailRecipient)."""

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_school_sender", "school_id", "sender_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sender_deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    sender = relationship("PartaUser")
    recipients: Mapped[list["MailRecipient"]] = relationship(back_populates="message", cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="message", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.subject


class MailRecipient(SchoolScoped, Model):
    __tablename__ = "mail_recipient"
    __table_args__ = (
        UniqueConstraint("school_id", "message_id", "user_id", name="uq_mail_recipient"),
        Index("ix_mail_recipient_school_user", "school_id", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"))
    read_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    message: Mapped[MailMessage] = relationship(back_populates="recipients")
    user = relationship("PartaUser")


class Attachment(SchoolScoped, Model):
    """A file attached to an announcement or a letter, kept in the database."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_school_announcement", "school_id", "announcement_id"),
        Index("ix_attachment_school_message", "school_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    announcement_id: Mapped[Optional[int]] = mapped_column(ForeignKey("announcement.id", ondelete="CASCADE"))
    message_id: Mapped[Optional[int]] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    announcement: Mapped[Optional[Announcement]] = relationship(back_populates="attachments")
    message: Mapped[Optional[MailMessage]] = relationship(back_populates="attachments")

    def __str__(self) -> str:
        return self.filename


class ForumTopic(SchoolScoped, Model):
    __tablename__ = "forum_topic"
    __table_args__ = (Index("ix_forum_topic_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)

    author = relationship("PartaUser")
    posts: Mapped[list["ForumPost"]] = relationship(back_populates="topic", cascade="all, delete-orphan",
                                                    order_by="ForumPost.created_at")

    def __str__(self) -> str:
        return self.title


class ForumPost(SchoolScoped, Model):
    """A post; `flagged` holds the stop words found in it (waiting for a moderator)."""

    __tablename__ = "forum_post"
    __table_args__ = (Index("ix_forum_post_school_topic", "school_id", "topic_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topic.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[Optional[str]] = mapped_column(String(255))

    topic: Mapped[ForumTopic] = relationship(back_populates="posts")
    author = relationship("PartaUser")

    def __str__(self) -> str:
        return (self.text or "")[:60]


class ForumStopWord(SchoolScoped, Model):
    """A word that sends a post to the moderator."""

    __tablename__ = "forum_stop_word"
    __table_args__ = (UniqueConstraint("school_id", "word", name="uq_forum_stop_word"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(100))

    def __str__(self) -> str:
        return self.word


class ModerationAction(LabeledEnum):
    edit = Label("Edited")
    delete = Label("Deleted")
    restore = Label("Restored")
    approve = Label("Approved")


class ModerationLog(SchoolScoped, Model):
    """What a moderator did to a post, with the text before."""

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_school_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("forum_post.id", ondelete="SET NULL"))
    moderator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    action: Mapped[ModerationAction] = mapped_column(Enum(ModerationAction, name="moderation_action", native_enum=False,
                                                          length=10))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    old_text: Mapped[Optional[str]] = mapped_column(Text)
    new_text: Mapped[Optional[str]] = mapped_column(Text)
    reason: Mapped[Optional[str]] = mapped_column(String(255))

    post: Mapped[Optional[ForumPost]] = relationship()
    moderator = relationship("PartaUser")


class WebApiAccount(SchoolScoped, Model):
    """A login's opt-in to the NetSchool-compatible API: the MD5 of its password that the
    NetSchool handshake needs, encrypted with the application key, apart from the real
    password hash."""

    __tablename__ = "webapi_account"
    __table_args__ = (UniqueConstraint("school_id", "user_id", name="uq_webapi_account_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"))
    secret: Mapped[Optional[str]] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user = relationship("PartaUser")


class WebApiSession(Model):
    """A NetSchool API session: the cookie the handshake sets, the salt of its login, and
    after login the `at` token with its expiry. Read only by the API, never scoped."""

    __tablename__ = "webapi_session"
    __table_args__ = (Index("ix_webapi_session_token", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cookie: Mapped[str] = mapped_column(String(64), unique=True)
    salt: Mapped[Optional[str]] = mapped_column(String(20))
    token: Mapped[Optional[str]] = mapped_column(String(64))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"))
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
