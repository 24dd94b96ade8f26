"""Staff accounts of the web app (app_user) and the day a dossier's first piece came
(dossier_state.first_received_on).

Revision ID: 0003_users_first_received
Revises: 0002_audit_append_only
Create Date: 2026-11-28

The new column is nullable: existing verdicts get it at their next re-evaluation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_users_first_received"
down_revision: str | Sequence[str] | None = "0002_audit_append_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'triager', 'admin')", name=op.f("ck_app_user_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("login", name=op.f("uq_app_user_login")),
    )
    op.add_column("dossier_state", sa.Column("first_received_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_state") as batch:
        batch.drop_column("first_received_on")
    op.drop_table("app_user")
