"""Movement orders (приказы) on enrolment, withdrawal and transfer of students.

An order takes effect on its date: applying it (app/movement/orders.py) opens and
closes the students' class memberships (Enrolment, with `order_id`); cancelling it
reverts exactly that and is recorded on the order, which stays in the book."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, Date, DateTime, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Label, LabeledEnum, Model, SchoolScoped
from .org import SchoolYear
from .people import Student
from .teaching import Enrolment, SchoolClass


class OrderKind(LabeledEnum):
    enrolment = Label("Enrolment")
    withdrawal = Label("Withdrawal")
    transfer = Label("Transfer")


class MovementOrder(SchoolScoped, Model):
    """An order; it takes effect on its date, and may hold many students."""

    __tablename__ = "movement_order"
    __table_args__ = (
        UniqueConstraint("school_id", "year_id", "number", name="uq_movement_order_number"),
        Index("ix_movement_order_school_date", "school_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(30))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[OrderKind] = mapped_column(Enum(OrderKind, name="order_kind", native_enum=False, length=12))
    reason: Mapped[Optional[str]] = mapped_column(String(500))
    destination: Mapped[Optional[str]] = mapped_column(String(500))
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_reason: Mapped[Optional[str]] = mapped_column(String(500))
    # Who made the order and who cancelled it, when (UTC).
    created_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    cancelled_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    cancelled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    year: Mapped[SchoolYear] = relationship()
    items: Mapped[list["MovementOrderItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="MovementOrderItem.id"
    )
    created_by = relationship("PartaUser", foreign_keys=[created_by_id])
    cancelled_by = relationship("PartaUser", foreign_keys=[cancelled_by_id])

    def __str__(self) -> str:
        return f"№ {self.number} от {self.date:%d.%m.%Y}"


class MovementOrderItem(SchoolScoped, Model):
    """One student of an order, with the classes they leave and join, and what the
    order changed (so that cancelling it restores exactly the previous state)."""

    __tablename__ = "movement_order_item"
    __table_args__ = (
        UniqueConstraint("school_id", "order_id", "student_id", name="uq_movement_order_item"),
        Index("ix_movement_order_item_student", "school_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("movement_order.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="RESTRICT"))
    from_class_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school_class.id", ondelete="SET NULL"))
    to_class_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school_class.id", ondelete="SET NULL"))
    # The membership the order ended, its end before the order, and the card's dates before it.
    closed_enrolment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enrolment.id", ondelete="SET NULL"))
    previous_end_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    previous_arrival_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    previous_leave_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    order: Mapped[MovementOrder] = relationship(back_populates="items")
    student: Mapped[Student] = relationship()
    from_class: Mapped[Optional[SchoolClass]] = relationship(foreign_keys=[from_class_id])
    to_class: Mapped[Optional[SchoolClass]] = relationship(foreign_keys=[to_class_id])
    closed_enrolment: Mapped[Optional[Enrolment]] = relationship(foreign_keys=[closed_enrolment_id])

    def __str__(self) -> str:
        return f"{self.order}: {self.student}"


class OrderNumbering(SchoolScoped, Model):
    """The school's number prefix for a kind of order («З-», «В-», «П-» by default)."""

    __tablename__ = "order_numbering"
    __table_args__ = (UniqueConstraint("school_id", "kind", name="uq_order_numbering_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrderKind] = mapped_column(Enum(OrderKind, name="order_kind", native_enum=False, length=12))
    prefix: Mapped[str] = mapped_column(String(20), default="")

    def __str__(self) -> str:
        return f"{self.kind}: {self.prefix}"


# The order that opened a class membership (Enrolment.order_id), declared here where
# the order is known (app/models/teaching.py does not import this module).
Enrolment.order = relationship(MovementOrder, foreign_keys=[Enrolment.order_id], viewonly=True)
