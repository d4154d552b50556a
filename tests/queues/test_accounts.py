"""Operator accounts: argon2 hashes in the ledger, refusals with reasons, who sees which queue."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from ledger.schema import OperatorRow
from models.errors import AccountError
from models.labels import SERVICE_AREAS, department_of
from queues.accounts import Accounts, Operator

PASSWORD = "korrekt hest batteri"


def _create(accounts: Accounts, **overrides: object) -> Operator:
    fields: dict[str, object] = {
        "username": "ada",
        "display_name": "Ada Jensen",
        "password": PASSWORD,
        "role": "operator",
        "department": "MTM",
    }
    fields.update(overrides)
    return accounts.create(**fields)  # type: ignore[arg-type]


def test_the_password_is_stored_only_as_an_argon2_hash(accounts: Accounts) -> None:
    _create(accounts)
    with accounts.engine.connect() as connection:
        stored = connection.scalar(select(OperatorRow.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_the_right_password_signs_the_operator_in(accounts: Accounts) -> None:
    created = _create(accounts)
    assert accounts.authenticate(username="ada", password=PASSWORD) == created


def test_usernames_are_matched_without_regard_to_case(accounts: Accounts) -> None:
    _create(accounts, username="Ada")
    signed_in = accounts.authenticate(username="ADA ", password=PASSWORD)
    assert signed_in is not None
    assert signed_in.username == "ada"


def test_a_wrong_password_signs_nobody_in(accounts: Accounts) -> None:
    _create(accounts)
    assert accounts.authenticate(username="ada", password=PASSWORD + "x") is None


def test_an_unknown_user_signs_nobody_in(accounts: Accounts) -> None:
    assert accounts.authenticate(username="nobody", password=PASSWORD) is None


def test_an_outdated_hash_is_renewed_at_sign_in(accounts: Accounts) -> None:
    _create(accounts)
    stronger = Accounts(
        accounts.engine, hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    )
    assert stronger.authenticate(username="ada", password=PASSWORD) is not None
    with accounts.engine.connect() as connection:
        stored = connection.scalar(select(OperatorRow.password_hash))
    assert stored is not None
    assert "m=2048,t=2,p=1" in stored
    assert accounts.authenticate(username="ada", password=PASSWORD) is not None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"password": "kort kode"}, "at least 12 characters"),
        ({"department": "XYZ"}, "unknown department 'XYZ'"),
        ({"department": None}, "role operator needs a department"),
        ({"role": "caseworker", "department": None}, "role caseworker needs a department"),
        ({"role": "admin"}, "role must be one of"),
        ({"username": "a b"}, "username must be"),
        ({"display_name": "  "}, "display name must be"),
    ],
)
def test_a_bad_account_is_refused_with_the_reason(
    accounts: Accounts, overrides: dict[str, object], reason: str
) -> None:
    with pytest.raises(AccountError, match=reason):
        _create(accounts, **overrides)
    assert accounts.list() == []


def test_a_taken_username_is_refused_and_the_first_account_kept(accounts: Accounts) -> None:
    first = _create(accounts)
    with pytest.raises(AccountError, match="username 'ada' is taken"):
        _create(accounts, display_name="Another Ada", password="et andet langt kodeord")
    assert accounts.list() == [first]
    assert accounts.authenticate(username="ada", password=PASSWORD) == first


def test_a_supervisor_needs_no_department(accounts: Accounts) -> None:
    boss = _create(accounts, username="boss", role="supervisor", department=None)
    assert accounts.get(username="boss") == boss
    assert accounts.get(username="nobody") is None


def test_accounts_are_listed_by_username(accounts: Accounts) -> None:
    _create(accounts, username="zoe")
    _create(accounts, username="bo", department="MKB")
    assert [o.username for o in accounts.list()] == ["bo", "zoe"]


def test_a_supervisor_sees_every_queue(make_operator: Callable[..., Operator]) -> None:
    boss = make_operator(role="supervisor", department=None)
    assert all(boss.can_see(queue) for queue in SERVICE_AREAS)
    assert boss.sees_full_text


@pytest.mark.parametrize("role", ["operator", "caseworker"])
def test_others_see_the_queues_of_their_own_department_only(
    make_operator: Callable[..., Operator], role: str
) -> None:
    person = make_operator(role=role, department="MTM")
    visible = {queue for queue in SERVICE_AREAS if person.can_see(queue)}
    assert visible == {queue for queue in SERVICE_AREAS if department_of(queue) == "MTM"}
    assert not person.can_see("no.such_queue")


def test_only_an_operator_sees_redacted_text(make_operator: Callable[..., Operator]) -> None:
    assert not make_operator(role="operator").sees_full_text
    assert make_operator(role="caseworker").sees_full_text
