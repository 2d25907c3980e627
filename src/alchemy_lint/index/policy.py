"""The transaction policy of a project: explicit `commit()` sites against unit-of-work `begin()` blocks.

The index collects the sites over every file; `decide` says which policy wins, ASA402 reports the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import TYPE_CHECKING

from alchemy_lint.index.outline import yields_in_begin
from alchemy_lint.index.transactions import BEGIN_METHODS, begin_blocks, early_ends
from alchemy_lint.records import record

if TYPE_CHECKING:
    from alchemy_lint.facts.model import FunctionFacts
    from alchemy_lint.index.project import ProjectIndex
    from alchemy_lint.index.values import Value


class Policy(str, Enum):
    EXPLICIT = "explicit"
    UNIT_OF_WORK = "unit-of-work"


@record
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
    #: A session a provider or helper hands out inside its `begin()` (`get_db()`): the use
    #: votes for the unit of work, the provider's own `begin()` does not.
    handed_out_by: str | None = None


@record
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


@record
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
    counts = f"{_plural(commits, 'commit() site')} vs {_unit_of_work_count(sites)}"
    most, fewest = max(commits, blocks), min(commits, blocks)
    if not fewest or most < MIN_POLICY_SITES or most < MAJORITY_RATIO * fewest:
        return PolicyDecision(None, counts)
    winner = Policy.UNIT_OF_WORK if blocks > commits else Policy.EXPLICIT
    return PolicyDecision(winner, f"auto: {counts}, a two-thirds majority")


def _unit_of_work_count(sites: TransactionSites) -> str:
    blocks = sites.count(Policy.UNIT_OF_WORK)
    handed_out = sum(1 for site in sites.sites if site.handed_out_by is not None)
    if not handed_out:
        return _plural(blocks, "begin() block")
    if handed_out == blocks:
        return f"{_plural(blocks, 'session')} handed out inside begin()"
    parts = f"{_plural(blocks - handed_out, 'begin() block')}, {_plural(handed_out, 'session')} handed out inside one"
    return f"{_plural(blocks, 'unit-of-work site')} ({parts})"


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
        provider = provider_begin(index, function)
        for block in begin_blocks(index, function):
            if block.method != "begin" or block.receiver is None or block.line == provider:
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
        if index.unit_of_work_providers():
            yield from _handed_out(index, path, function)
        for call in function.calls:
            if (
                call.method == "commit"
                and call.awaited
                and (call.line, call.col) not in early
                and values.of(call.receiver.origins).is_session
                # A callee's commit that a call inside a unit of work reaches: ASA401's, at the call.
                and not (call.receiver.received and (function.qualname, call.line) in index.ended_in_units())
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


def provider_begin(index: ProjectIndex, function: FunctionFacts) -> int | None:
    """The line of the `begin()` a helper or provider yields its session from: its uses are the
    unit-of-work sites (each chose it), the block that serves them is none of its own."""
    if not yields_in_begin(function):
        return None
    value = index.values.function_result(function.qualname)
    begun = value.begun if value.is_session and value.in_unit_of_work else None
    return begun.line if begun is not None else None


def _handed_out(index: ProjectIndex, path: str, function: FunctionFacts) -> Iterator[TransactionSite]:
    """The sessions that `function` takes from a provider or helper that hands them out inside
    `begin()`: a parameter the framework fills (`Depends(get_db)`), `async with get_db() as s`."""
    values = index.values
    for name, origins in function.provided:
        value = values.of(origins)
        if value.is_session and value.in_unit_of_work:
            yield _use_site(path, function, function.line, function.col, f"parameter `{name}`", name, value)
    for block in function.blocks:
        if block.bound is None or block.method in BEGIN_METHODS:
            continue
        value = values.of(block.value.origins)
        if value.is_session and value.in_unit_of_work:
            yield _use_site(path, function, block.line, block.col, f"async with {block.value.text}", block.bound, value)


def _use_site(
    path: str, function: FunctionFacts, line: int, col: int, text: str, session: str, value: Value
) -> TransactionSite:
    by = value.begun.text if value.begun is not None else str(value.evidence or "its provider")
    return TransactionSite(Policy.UNIT_OF_WORK, path, function.qualname, line, col, text, session, False, by)
