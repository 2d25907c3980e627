"""Rule documentation, generated from the rule definitions.

`python -m alchemy_lint.docs [FOLDER]` writes docs/rules/ASA###.md; a test keeps them fresh.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from alchemy_lint.metadata import repository_url
from alchemy_lint.rules import ALL_RULES, Example, Rule

DOCS_FOLDER = Path("docs") / "rules"


def rule_url(code: str) -> str:
    """Where a rule's page is published, for editors and reports that link to it."""
    return f"{repository_url()}/blob/main/{DOCS_FOLDER.as_posix()}/{code}.md"


#: The line that opens the fixed form of an example, so that no reader takes it for the example.
FIXED_MARK = "after `--fix`"


def example_title(example: Example) -> str:
    """The example's heading: its title, else the first function it defines and its file."""
    if example.title:
        return example.title
    found = _FIRST_FUNCTION.search(example.source)
    return f"`{found.group(1)}()` in `{example.path}`" if found else f"`{example.path}`"


_FIRST_FUNCTION = re.compile(r"^(?:async )?def (\w+)", re.MULTILINE)


#: A file beside an example longer than this is folded: the models every example of a rule shares
#: would otherwise bury the few lines that make the example what it is.
FOLDED_LINES = 30

_CLASS = re.compile(r"^class (\w+)", re.MULTILINE)


def _file_block(path: str, source: str) -> str:
    """A file beside the example, printed in full; folded under a summary that names its classes when long."""
    block = f"```python\n# {path}\n{source.rstrip()}\n```"
    if source.count("\n") <= FOLDED_LINES:
        return block
    # Markdown is not rendered inside <summary>: the names are HTML.
    classes = ", ".join(f"<code>{name}</code>" for name in _CLASS.findall(source))
    what = f"{source.count(chr(10))} lines" + (f": {classes}" if classes else "")
    return f"<details><summary><code>{path}</code> ({what})</summary>\n\n{block}\n\n</details>"


def _example_block(example: Example) -> str:
    """An example's files, each printed: the example file first, then the files beside it."""
    blocks = [f"```python\n# {example.path}\n{example.source.rstrip()}\n```"]
    if example.others:
        blocks.append("Beside it:" if len(example.others) == 1 else "Beside it, these files:")
    blocks.extend(_file_block(path, source) for path, source in example.others)
    if example.config:
        blocks.append(f"With, in pyproject.toml:\n\n```toml\n[tool.alchemy-lint]\n{example.config.rstrip()}\n```")
    if example.fixed is not None:
        blocks.append(
            f"The fix turns it into:\n\n```python\n# {example.path}, {FIXED_MARK}\n{example.fixed.rstrip()}\n```"
        )
    return "\n\n".join(blocks)


def _section(heading: str, example: Example) -> str:
    return f"{heading} {example_title(example)}\n\n{_example_block(example)}"


def _topics(examples: tuple[Example, ...]) -> dict[str, list[Example]]:
    """The examples by topic, topics in the order they first appear (one untitled topic if none)."""
    grouped: dict[str, list[Example]] = {}
    for example in examples:
        grouped.setdefault(example.topic, []).append(example)
    return grouped


def _claim_list(examples: tuple[Example, ...]) -> str:
    """One line per titled example; nested under its topic when the examples have topics."""
    lines = []
    for topic, members in _topics(examples).items():
        titles = [f"- {example.title}" for example in members if example.title]
        if topic and titles:
            lines.append(f"- {topic}")
            titles = [f"  {title}" for title in titles]
        lines.extend(titles)
    return "\n".join(lines)


def _claims(rule: Rule) -> str:
    """What the rule reports and what it leaves alone, one line per titled example."""
    parts = []
    for intro, examples in (("It reports:", rule.invalid), ("It does not report:", rule.valid)):
        claims = _claim_list(examples)
        if claims:
            parts.append(f"{intro}\n\n{claims}")
    return "\n\n".join(parts)


def _more_examples(rule: Rule) -> list[str]:
    """Every example after the first two: by topic when the rule gives topics, the reported ones first."""
    invalid, valid = rule.invalid[1:], rule.valid[1:]
    if not any(example.topic for example in (*invalid, *valid)):
        return [_section("### Reported:", example) for example in invalid] + [
            _section("### Not reported:", example) for example in valid
        ]
    reported, silent = _topics(invalid), _topics(valid)
    groups = []
    for topic in dict.fromkeys([*reported, *silent]):
        sections = [_section("#### Reported:", example) for example in reported.get(topic, [])]
        sections += [_section("#### Not reported:", example) for example in silent.get(topic, [])]
        groups.append(f"### {topic or 'Other cases'}\n\n" + "\n\n".join(sections))
    return groups


def explain(rule: Rule) -> str:
    """The rule's page: what it judges, why, the common case first, then every other example."""
    default = "on by default" if rule.default_on else "off by default (select it by its code)"
    if rule.fix is None:
        fix = "No autofix."
    elif rule.fix.value == "safe":
        fix = (
            "`alchemy-lint check --fix` applies a safe fix: it keeps the program's behaviour apart from the bug. "
            "`alchemy-lint check --diff` shows it without changing a file."
        )
    else:
        fix = (
            "`alchemy-lint check --fix --unsafe-fixes` applies an unsafe fix: it changes evaluation, so review it "
            "(`--diff --unsafe-fixes` shows it first)."
        )
    what = f"Reports: `{rule.code} {rule.message}`."
    claims = _claims(rule)
    if claims:
        what = f"{what}\n\n{claims}"
    if rule.superseded_by:
        codes = ", ".join(rule.superseded_by)
        what = (
            f"{what}\n\nWhere {codes} reports the same construct, this rule stays silent (one construct, one "
            f"finding); once a `# noqa: {codes}` sanctions it, this rule judges it."
        )
    sections = [
        f"# {rule.code} ({rule.name})\n\n{rule.summary} This rule is {default}.",
        f"## What it does\n\n{what}",
        f"## Why is this bad?\n\n{rule.rationale}",
        f"## Runtime behaviour\n\n{rule.runtime}",
        "## Example\n\n" + _section("###", rule.invalid[0]),
        "## Use instead\n\n" + _section("###", rule.valid[0]),
        f"## Fix safety\n\n{fix}",
    ]
    if rule.options:
        sections.append("## Options\n\n" + "\n".join(f"- `{option}`" for option in rule.options))
    more = _more_examples(rule)
    if more:
        sections.append("## More examples\n\n" + "\n\n".join(more))
    if rule.references:
        sections.append("## References\n\n" + "\n".join(f"- <{reference}>" for reference in rule.references))
    return "\n\n".join(sections) + "\n"


def rule_table(link_prefix: str = "") -> str:
    """The markdown table of every rule, linking each code to its page."""
    rows = "\n".join(
        f"| [{rule.code}]({link_prefix}{rule.code}.md) | {rule.name} | {'on' if rule.default_on else 'off'} | "
        f"{rule.fix.value if rule.fix else ''} | {rule.summary} |"
        for rule in ALL_RULES
    )
    return "| code | name | default | fix | summary |\n|---|---|---|---|---|\n" + rows + "\n"


def render_all() -> dict[str, str]:
    """File name -> content for every rule page and the index."""
    pages = {f"{rule.code}.md": explain(rule) for rule in ALL_RULES}
    pages["README.md"] = (
        "# Rules\n\nGenerated by `python -m alchemy_lint.docs` from the rule definitions.\n\n" + rule_table()
    )
    return pages


TABLE_START = "<!-- rules-table:start (generated by python -m alchemy_lint.docs) -->\n"
TABLE_END = "<!-- rules-table:end -->\n"


def with_rule_table(readme: str) -> str:
    """The project README with its generated rule table replaced by the current one."""
    start = readme.index(TABLE_START) + len(TABLE_START)
    return readme[:start] + rule_table("docs/rules/") + readme[readme.index(TABLE_END) :]


def write_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in render_all().items():
        target = folder / name
        target.write_text(content, encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":  # pragma: no cover
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_FOLDER
    for page in write_docs(folder):
        print(page)
    readme = folder.parent.parent / "README.md"
    if readme.is_file():
        readme.write_text(with_rule_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
        print(readme)
