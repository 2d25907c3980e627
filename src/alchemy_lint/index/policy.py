"""The transaction policy of a project: explicit `commit()` sites against unit-of-work `begin()` blocks.

The index collects the sites over every file; `decide` says which policy wins, ASA402 reports the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from alchemy_lint.index.transactions import begin_blocks, early_ends

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex


class Policy(str, Enum):
    EXPLICIT = "explicit"
    UNIT_OF_WORK = "unit-of-work"


@dataclass(frozen=True, slots=True)
class TransactionSite:
    """An awaited `session.commit()` outside any `begin()` block, or an `async with X.begin():`
    on a session or factory, each on evidence that the receiver is one."""

    policy: Policy
    path: str
    function: str
    line: int
    col: int
    #: `session.commit()` or `async with session.begin()`.
    text: str
    receiver: str
    on_parameter: bool


@dataclass(frozen=True, slots=True)
class TransactionSites:
    sites: tuple[TransactionSite, ...]

    def count(self, policy: Policy) -> int:
        return sum(1 for site in self.sites if site.policy is policy)

    def in_file(self, path: str) -> list[TransactionSite]:
        return [site for site in self.sites if site.path == path]

    def mixed_on_parameter(self) -> frozenset[tuple[str, str, str]]:
        """(path, function, parameter) where a function both commits and opens `begin()` on a
        session it received: the caller may already have a transaction open on it."""
        seen: dict[tuple[str, str, str], set[Policy]] = {}
        for site in self.sites:
            if site.on_parameter:
                seen.setdefault((site.path, site.function, site.receiver), set()).add(site.policy)
        return frozenset(key for key, policies in seen.items() if len(policies) == 2)


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    """The policy that the project follows, and why, for the message."""

    policy: Policy | None
    reason: str


#: The fewest call sites of one policy that make it the project's in auto mode: one or two
#: sites are a habit of one author (SQLAlchemy's asyncio example has one of each), not a policy.
MIN_POLICY_SITES = 3
#: How many times the other kind's sites the policy's sites must be: two thirds of all sites.
#: A 10-to-6 or 4-to-3 split is a project that mixes both, not one with a policy to enforce.
MAJORITY_RATIO = 2


def decide(setting: str, sites: TransactionSites) -> PolicyDecision:
    """`explicit` and `unit-of-work` are the team's word; `auto` lets a majority decide.

    In auto mode the project has a policy when one kind of site makes up two thirds of the sites
    (`MAJORITY_RATIO` times the other kind) and there are at least `MIN_POLICY_SITES` of it; a
    tie, a split without such a majority, or a project too small to have a policy decides nothing
    and nothing is reported.
    """
    if setting != "auto":
        return PolicyDecision(Policy(setting), f'transaction-policy = "{setting}"')
    commits = sites.count(Policy.EXPLICIT)
    blocks = sites.count(Policy.UNIT_OF_WORK)
    counts = f"{_plural(commits, 'commit() site')} vs {_plural(blocks, 'begin() block')}"
    most, fewest = max(commits, blocks), min(commits, blocks)
    if not fewest or most < MIN_POLICY_SITES or most < MAJORITY_RATIO * fewest:
        return PolicyDecision(None, counts)
    winner = Policy.UNIT_OF_WORK if blocks > commits else Policy.EXPLICIT
    return PolicyDecision(winner, f"auto: {counts}, a two-thirds majority")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def collect_transaction_sites(index: ProjectIndex) -> TransactionSites:
    """The explicit `commit()` sites and unit-of-work `begin()` blocks of the whole project."""
    return TransactionSites(tuple(_sites(index)))


def _sites(index: ProjectIndex) -> Iterator[TransactionSite]:
    for path in index.transaction_paths():
        yield from sites_in_file(index, path)


def sites_in_file(index: ProjectIndex, path: str) -> Iterator[TransactionSite]:
    """The transaction sites of one file; none in test code."""
    if index.is_test_module(path):
        return  # fixtures commit their data whatever the application's policy
    values = index.values
    for function in index.files[path].functions:
        # A commit inside a unit of work is ASA401's finding, not a policy choice.
        early = {(call.line, call.col) for call, _ in early_ends(index, function)}
        for block in begin_blocks(index, function):
            if block.method != "begin" or block.receiver is None:
                continue
            yield TransactionSite(
                Policy.UNIT_OF_WORK,
                path,
                function.qualname,
                block.line,
                block.col,
                f"async with {block.receiver.text}.begin()",
                block.receiver.text,
                block.receiver.received,
            )
        for call in function.calls:
            if (
                call.method == "commit"
                and call.awaited
                and (call.line, call.col) not in early
                and values.of(call.receiver.origins).is_session
            ):
                yield TransactionSite(
                    Policy.EXPLICIT,
                    path,
                    function.qualname,
                    call.line,
                    call.col,
                    f"{call.receiver.text}.commit()",
                    call.receiver.text,
                    call.receiver.received,
                )
