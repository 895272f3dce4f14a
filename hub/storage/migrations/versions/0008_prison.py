"""Prisons and booked clinics: clinic sessions, their slots, and appointments (one booking
per slot); a prisoner's prison number; a prison call's counterfactual and who was with them

Revision ID: 0008_prison
Revises: 0008_aggregates
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_prison"
down_revision = "0009_aggregates_quality"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prison_number", S(length=7), nullable=True))
        batch_op.create_unique_constraint(
            "uq_person_site_prison_number", ["site_id", "prison_number"]
        )
    op.add_column("call", sa.Column("prison_intent", S(length=32), nullable=True))
    op.add_column("call", sa.Column("accompanied_by", sa.JSON(), nullable=True))
    op.add_column("call", sa.Column("escort_needed", sa.Boolean(), nullable=True))
    op.create_table(
        "clinic_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("specialty", S(length=100), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_by", S(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinician_id"], ["hub_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clinic_session_clinician_id", "clinic_session", ["clinician_id"])
    op.create_index("ix_clinic_session_day", "clinic_session", ["day"])
    op.create_table(
        "clinic_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic_session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clinic_slot_clinic_id", "clinic_slot", ["clinic_id"])
    op.create_index("ix_clinic_slot_starts_at", "clinic_slot", ["starts_at"])
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("live_slot_id", sa.Integer(), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", S(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_by", S(length=40), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rebooked_from_id", sa.Integer(), nullable=True),
        sa.Column("rebooked_to_id", sa.Integer(), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_by", S(length=40), nullable=True),
        sa.Column("call_id", S(length=36), nullable=True),
        sa.Column("reminded_before_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["slot_id"], ["clinic_slot.id"]),
        sa.ForeignKeyConstraint(["live_slot_id"], ["clinic_slot.id"]),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic_session.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["rebooked_from_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["rebooked_to_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("live_slot_id", name="uq_appointment_live_slot"),
    )
    op.create_index("ix_appointment_slot_id", "appointment", ["slot_id"])
    op.create_index("ix_appointment_person_id", "appointment", ["person_id"])
    op.create_index("ix_appointment_site_starts", "appointment", ["site_id", "starts_at"])


def downgrade() -> None:
    op.drop_table("appointment")
    op.drop_table("clinic_slot")
    op.drop_table("clinic_session")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("escort_needed")
        batch_op.drop_column("accompanied_by")
        batch_op.drop_column("prison_intent")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("uq_person_site_prison_number", type_="unique")
        batch_op.drop_column("prison_number")
