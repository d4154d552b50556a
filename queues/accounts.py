"""Operator accounts in the ledger: roles, departments and argon2 password hashes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker

from ledger.schema import OperatorRow
from ledger.transactions import transaction
from models.errors import AccountError
from models.labels import DEPARTMENTS, SERVICE_AREAS, department_of

Role = Literal["operator", "caseworker", "supervisor"]
ROLES: tuple[Role, ...] = get_args(Role)
MIN_PASSWORD_CHARS = 12
# Long enough for any passphrase, short enough that nobody makes the hasher chew megabytes.
MAX_PASSWORD_CHARS = 1024
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class Operator:
    """A person signed in to the dashboard, with what their role lets them see."""

    username: str
    display_name: str
    role: Role
    department: str | None

    def can_see(self, queue: str) -> bool:
        """Whether this person may see (and act on) items in a queue."""
        if queue not in SERVICE_AREAS:
            return False
        if self.role == "supervisor":
            return True
        return department_of(queue) == self.department  # type: ignore[arg-type]

    @property
    def sees_full_text(self) -> bool:
        """Case workers and supervisors read the clear text; operators the redacted one."""
        return self.role in ("caseworker", "supervisor")


class Accounts:
    """Create, list and authenticate operator accounts."""

    def __init__(self, engine: Engine, *, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @cached_property
    def _decoy_hash(self) -> str:
        # Verified against when the user is unknown, so a miss costs as long as a hit.
        return self.hasher.hash(secrets.token_urlsafe(16))

    def create(
        self,
        *,
        username: str,
        display_name: str,
        password: str,
        role: Role,
        department: str | None,
    ) -> Operator:
        """Add an account; AccountError says what is wrong with the request."""
        username = _normalised(username)
        display_name = display_name.strip()
        _check_new_account(username, display_name, password, role, department)
        row = {
            "username": username,
            "display_name": display_name,
            "password_hash": self.hasher.hash(password),
            "role": role,
            "department": department,
            "active": True,
            "created_at": datetime.now(UTC),
        }
        with transaction(self._sessions) as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(OperatorRow).values(row).on_conflict_do_nothing()
            inserted = session.execute(stmt.returning(OperatorRow.username)).all()
        if not inserted:
            raise AccountError(f"username {username!r} is taken")
        return Operator(username, display_name, role, department)

    def authenticate(self, *, username: str, password: str) -> Operator | None:
        """The operator if the password is theirs, else None; the hash is renewed if outdated."""
        with transaction(self._sessions) as session:
            row = session.get(OperatorRow, _normalised(username))
            stored = row.password_hash if row is not None and row.active else None
        try:
            self.hasher.verify(stored or self._decoy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or stored is None:
            return None
        if self.hasher.check_needs_rehash(stored):
            with transaction(self._sessions) as session:
                session.execute(
                    update(OperatorRow)
                    .where(OperatorRow.username == row.username)
                    .values(password_hash=self.hasher.hash(password))
                )
        return _operator(row)

    def get(self, *, username: str) -> Operator | None:
        """The active account of that name, or None."""
        with transaction(self._sessions) as session:
            row = session.get(OperatorRow, _normalised(username))
        return _operator(row) if row is not None and row.active else None

    def list(self) -> list[Operator]:
        """Every active account, by username."""
        with transaction(self._sessions) as session:
            rows = session.scalars(
                select(OperatorRow).where(OperatorRow.active).order_by(OperatorRow.username)
            ).all()
        return [_operator(row) for row in rows]


def _normalised(username: str) -> str:
    return username.strip().lower()


def _check_new_account(
    username: str, display_name: str, password: str, role: str, department: str | None
) -> None:
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            "username must be 2-64 characters of a-z, 0-9, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    if not display_name or len(display_name) > 200:
        raise AccountError("display name must be 1-200 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if department is not None and department not in DEPARTMENTS:
        raise AccountError(
            f"unknown department {department!r}; one of {', '.join(DEPARTMENTS)} expected"
        )
    if department is None and role != "supervisor":
        raise AccountError(f"role {role} needs a department; only a supervisor sees every queue")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"password must be at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"password must be at most {MAX_PASSWORD_CHARS} characters")


def _operator(row: OperatorRow) -> Operator:
    role = row.role if row.role in ROLES else "operator"  # an unknown role gets the least
    return Operator(row.username, row.display_name, role, row.department)  # type: ignore[arg-type]
