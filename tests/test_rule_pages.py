"""Every rule page behaves as it says: each example, rebuilt from the page alone, is reported on the
lines it marks (or not at all), and each example has a heading that says what it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import expected_lines, working_directory, write_project

from alchemy_lint.docs import FIXED_MARK, render_all
from alchemy_lint.engine import check_paths
from alchemy_lint.rules import ALL_RULES, Rule

_BLOCK = re.compile(r"```(python|toml)\n(.*?)```", re.DOTALL)
_HEADING = re.compile(r"^(#{2,4} .*)$", re.MULTILINE)
_EXAMPLE_SECTIONS = ("## Example", "## Use instead", "## More examples")


@dataclass
class PageExample:
    code: str
    heading: str
    reported: bool
    #: The `###` heading a long page groups the example under, if any.
    topic: str = ""
    files: dict[str, str] = field(default_factory=dict)
    path: str = ""
    config: str = ""


def page_examples(code: str, page: str) -> list[PageExample]:
    """The examples of a page, one per example heading, with the files printed under it; under
    "More examples" a `###` heading that is not an example's is the topic of the `####` ones after it."""
    found: list[PageExample] = []
    section = topic = ""
    example: PageExample | None = None
    for part in _HEADING.split(page):
        if part.startswith("## "):
            section, topic, example = part, "", None
            continue
        if part.startswith("###"):
            heading = part.lstrip("#").removeprefix(" ")
            if section == "## More examples" and not heading.startswith(("Reported:", "Not reported:")):
                topic, example = heading, None
                continue
            reported = heading.startswith("Reported:") or section == "## Example"
            example = PageExample(code, heading, reported, topic)
            found.append(example)
            continue
        if example is None or section not in _EXAMPLE_SECTIONS:
            continue
        for language, text in _BLOCK.findall(part):
            if language == "toml":
                example.config = text.removeprefix("[tool.alchemy-lint]\n")
                continue
            first, _, source = text.partition("\n")
            if FIXED_MARK in first:
                continue
            path = first.removeprefix("# ")
            example.files[path] = source
            example.path = example.path or path
    return found


ON_PAGES = {
    name.removesuffix(".md"): page_examples(name.removesuffix(".md"), page)
    for name, page in sorted(render_all().items())
    if name.startswith("ASA")
}
CASES = [
    pytest.param(example, id=f"{code}-{number}")
    for code, examples in ON_PAGES.items()
    for number, example in enumerate(examples)
]


def test_every_example_of_every_rule_is_on_its_page() -> None:
    on_pages = {code: len(examples) for code, examples in ON_PAGES.items()}
    assert on_pages == {rule.code: len(rule.valid) + len(rule.invalid) for rule in ALL_RULES}


@pytest.mark.parametrize("example", CASES)
def test_page_example_behaves_as_its_heading_says(example: PageExample, tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", example.files, example.config)
    with working_directory(root):
        found = check_paths([example.path], {"extend_select": (example.code,)}).findings
    reported = [finding.line for finding in found if finding.code == example.code]
    marked = expected_lines(example.files[example.path], example.code)
    if example.reported:
        assert marked and reported == marked, f"{example.heading}: reported {reported}, marked {marked}"
    else:
        assert reported == [], f"{example.heading}: reported {reported} on an example the page says is silent"


def test_pages_are_self_contained() -> None:
    for name, page in render_all().items():
        assert "as above" not in page, name


RULES = [pytest.param(rule, id=rule.code) for rule in ALL_RULES]


@pytest.mark.parametrize("rule", RULES)
def test_every_example_has_a_title(rule: Rule) -> None:
    untitled = [example.path for example in (*rule.invalid, *rule.valid) if not example.title]
    assert untitled == []


@pytest.mark.parametrize("rule", RULES)
def test_no_two_examples_of_a_page_read_the_same(rule: Rule) -> None:
    # Two examples whose code is the same (a factory beside them differs) must say so in their title.
    titles = [example.title for example in (*rule.invalid, *rule.valid)]
    assert sorted({title for title in titles if titles.count(title) > 1}) == []


@pytest.mark.parametrize(
    "rule", [pytest.param(rule, id=rule.code) for rule in ALL_RULES if any(e.topic for e in rule.valid)]
)
def test_a_long_page_groups_its_examples_under_their_topics(rule: Rule) -> None:
    # The first two examples are the page's "Example" and "Use instead"; the rest sit under topics.
    on_page = [(example.topic, example.heading) for example in ON_PAGES[rule.code][2:]]
    listed = [(e.topic, f"Reported: {e.title}") for e in rule.invalid[1:]]
    listed += [(e.topic, f"Not reported: {e.title}") for e in rule.valid[1:]]
    assert sorted(on_page) == sorted(listed)
    topics = [topic for topic, _ in on_page]
    assert topics == sorted(topics, key=topics.index), "a topic's examples are not together"
