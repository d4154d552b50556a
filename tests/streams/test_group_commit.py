"""Group commit: calls made while a commit runs share the next one; each gets its own answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from models.errors import LedgerError, LedgerUnavailable
from streams.group_commit import GroupCommit


class Recorder:
    """A commit that records each batch; the first one waits until released."""

    def __init__(self, *, refuse: str | None = None, unavailable: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.refuse = refuse
        self.unavailable = unavailable

    def __call__(self, items: Sequence[str]) -> list[str]:
        self.started.set()
        self.release.wait(timeout=30)
        self.batches.append(list(items))
        if self.unavailable:
            raise LedgerUnavailable("database unreachable: test")
        if self.refuse in items:
            raise LedgerError("database refused the operation: test")
        return [item.upper() for item in items]


async def _submit_while_first_commits(
    commit: Recorder, first: str, rest: list[str]
) -> list[object]:
    group = GroupCommit(commit)
    leader = asyncio.ensure_future(group.submit(first))
    await asyncio.to_thread(commit.started.wait, 30)
    followers = [asyncio.ensure_future(group.submit(item)) for item in rest]
    await asyncio.sleep(0)  # the followers are queued behind the running commit
    commit.release.set()
    return await asyncio.gather(leader, *followers, return_exceptions=True)


def test_calls_made_during_a_commit_share_the_next_one_and_each_gets_its_result() -> None:
    commit = Recorder()
    results = asyncio.run(_submit_while_first_commits(commit, "a", ["b", "c", "d"]))
    assert results == ["A", "B", "C", "D"]
    assert commit.batches == [["a"], ["b", "c", "d"]]


def test_an_item_the_database_refuses_fails_alone() -> None:
    commit = Recorder(refuse="c")
    results = asyncio.run(_submit_while_first_commits(commit, "a", ["b", "c", "d"]))
    assert results[:2] == ["A", "B"] and results[3] == "D"
    assert isinstance(results[2], LedgerError)
    assert commit.batches == [["a"], ["b", "c", "d"], ["b"], ["c"], ["d"]]


def test_an_unavailable_database_fails_every_call_of_the_batch_without_retrying_each() -> None:
    commit = Recorder(unavailable=True)
    results = asyncio.run(_submit_while_first_commits(commit, "a", ["b", "c"]))
    assert all(isinstance(r, LedgerUnavailable) for r in results)
    assert commit.batches == [["a"], ["b", "c"]]


def test_a_call_after_an_idle_spell_is_committed_on_its_own() -> None:
    commit = Recorder()
    commit.release.set()

    async def two_apart() -> list[str]:
        group = GroupCommit(commit)
        return [await group.submit("a"), await group.submit("b")]

    assert asyncio.run(two_apart()) == ["A", "B"]
    assert commit.batches == [["a"], ["b"]]


@pytest.mark.parametrize("calls", [1, 3])
def test_the_same_group_serves_one_event_loop_after_another(calls: int) -> None:
    commit = Recorder()
    commit.release.set()
    group = GroupCommit(commit)
    for n in range(calls):
        assert asyncio.run(group.submit(f"x{n}")) == f"X{n}"
