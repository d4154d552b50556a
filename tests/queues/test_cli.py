"""`indgang operators` and `indgang train --with-feedback` from the command line."""

from __future__ import annotations

from click.testing import CliRunner

from indgang.cli import cli
from ledger.store import Ledger
from queues.accounts import Accounts
from tests.queues.conftest import run_indgang

PASSWORD = "en lang nok adgangskode"


def test_the_first_supervisor_is_made_by_a_command_and_can_sign_in(
    ledger: Ledger, database_url: str
) -> None:
    done = run_indgang(
        "operators",
        "create",
        "--username",
        "boss",
        "--name",
        "Bo Ssen",
        "--role",
        "supervisor",
        "--password-stdin",
        database_url=database_url,
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "created supervisor boss (every department)"
    boss = Accounts(ledger.engine).authenticate(username="boss", password=PASSWORD)
    assert boss is not None
    assert (boss.role, boss.department) == ("supervisor", None)


def test_a_refused_account_gives_the_reason_and_exit_code_2(
    ledger: Ledger, database_url: str
) -> None:
    done = run_indgang(
        "operators",
        "create",
        "--username",
        "ada",
        "--name",
        "Ada",
        "--role",
        "operator",
        "--department",
        "MTM",
        "--password-stdin",
        database_url=database_url,
        stdin="kort\n",
    )
    assert done.returncode == 2
    assert "indgang: password must be at least 12 characters" in done.stderr
    assert Accounts(ledger.engine).list() == []


def test_the_password_is_prompted_for_twice_without_being_shown(
    accounts: Accounts, database_url: str
) -> None:
    result = CliRunner(env={"INDGANG_DATABASE_URL": database_url}).invoke(
        cli,
        [
            *("operators", "create", "--username", "cw", "--name", "C W"),
            *("--role", "caseworker", "--department", "MSO"),
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert accounts.authenticate(username="cw", password=PASSWORD) is not None


def test_operators_are_listed_with_role_and_department(
    accounts: Accounts, database_url: str
) -> None:
    accounts.create(
        username="ada", display_name="Ada", password=PASSWORD, role="operator", department="MTM"
    )
    accounts.create(
        username="boss", display_name="Bo", password=PASSWORD, role="supervisor", department=None
    )
    done = run_indgang("operators", "list", database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ada\toperator\tMTM\tAda", "boss\tsupervisor\t-\tBo"]
