"""The rule ids tests name and the rules docs/rules.md describes are the same set.

A test proves a rule by naming its id first (`test_O5_...`, several joined: `test_P6_O5_...`);
docs/rules.md gives each rule a `### <id> <title>` heading."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
RULES = ROOT / "docs" / "rules.md"

RULE_ID = r"[OIPSTX][0-9]+"
TEST_IDS = re.compile(rf"^test_((?:{RULE_ID}_)*{RULE_ID})(?:_|$)")
HEADING_ID = re.compile(rf"^###\s+({RULE_ID})\b", re.MULTILINE)
MENTIONED_ID = re.compile(rf"\b({RULE_ID})\b")
FAMILIES = "OIPSTX"


def ordered(ids: set[str]) -> list[str]:
    return sorted(ids, key=lambda i: (FAMILIES.index(i[0]), int(i[1:])))


def ids_named_by_tests() -> dict[str, list[str]]:
    """Rule id -> the tests that name it (`path::function`)."""
    named: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            match = TEST_IDS.match(node.name)
            if match:
                for rule in match.group(1).split("_"):
                    named.setdefault(rule, []).append(f"{path.relative_to(ROOT)}::{node.name}")
    return named


def ids_in_rules() -> list[str]:
    return HEADING_ID.findall(RULES.read_text())


def test_rules_md_gives_each_rule_one_heading() -> None:
    headings = ids_in_rules()
    assert headings, f"no `### <id> <title>` headings found in {RULES.relative_to(ROOT)}"
    doubled = ordered({i for i in headings if headings.count(i) > 1})
    assert not doubled, f"{RULES.relative_to(ROOT)} has more than one heading for {', '.join(doubled)}"


def test_every_rule_id_rules_md_mentions_has_its_heading() -> None:
    described = set(ids_in_rules())
    stray = ordered(set(MENTIONED_ID.findall(RULES.read_text())) - described)
    assert not stray, f"{RULES.relative_to(ROOT)} mentions {', '.join(stray)} but has no section for them"


def test_every_rule_id_a_test_names_is_described_in_rules_md() -> None:
    named = ids_named_by_tests()
    unknown = ordered(set(named) - set(ids_in_rules()))
    where = "\n".join(f"  {rule}: {', '.join(named[rule])}" for rule in unknown)
    assert not unknown, f"tests name rules that {RULES.relative_to(ROOT)} does not describe:\n{where}"


def test_every_rule_in_rules_md_is_named_by_a_test() -> None:
    untested = ordered(set(ids_in_rules()) - set(ids_named_by_tests()))
    assert not untested, (
        f"no test names {', '.join(untested)}: prove each rule in a test called test_<id>_... "
        f"(e.g. test_{untested[0]}_...)"
    )
