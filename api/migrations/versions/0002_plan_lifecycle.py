"""From plan to effect: plan lifecycle, move decisions, RM history, audit log, branch-scoped keys.

``rm_history`` and ``audit_log`` are append-only: triggers make the database itself refuse an
UPDATE or DELETE of their rows (SQLite and PostgreSQL alike), so no code path -- a bug, a hand-run
script through the service's account -- can rewrite what happened. At most one plan of a dataset
lineage is ``effective``: a partial unique index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("rm_history", "audit_log")


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("branch_id", sa.String(length=200), nullable=True))

    op.create_table(
        "plan_states",
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("lineage_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("parent_job_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("proposed_by", sa.String(length=40), nullable=True),
        sa.Column("proposed_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=40), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("effective_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_by", sa.String(length=40), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_plan_states_lineage_id", "plan_states", ["lineage_id"])
    op.create_index(
        "ux_plan_states_one_effective",
        "plan_states",
        ["lineage_id"],
        unique=True,
        sqlite_where=sa.text("state = 'effective'"),
        postgresql_where=sa.text("state = 'effective'"),
    )
    op.create_table(
        "move_decisions",
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("rm_id", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "customer_id"),
    )
    op.create_table(
        "rm_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lineage_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("rm_id", sa.String(length=200), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("approved_by", sa.String(length=40), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rm_history_customer", "rm_history", ["lineage_id", "customer_id", "id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("resource", sa.String(length=20), nullable=False),
        sa.Column("resource_id", sa.String(length=200), nullable=True),
        sa.Column("branch_id", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_table("audit_log")
    op.drop_table("rm_history")
    op.drop_table("move_decisions")
    op.drop_index("ux_plan_states_one_effective", table_name="plan_states")
    op.drop_index("ix_plan_states_lineage_id", table_name="plan_states")
    op.drop_table("plan_states")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("branch_id")
