"""Prints what each fuzz run sent and found at the end of the session, whether it passed or not."""

from __future__ import annotations

import pytest

from tests.contract.fuzz import TALLIES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLIES:
        return
    terminalreporter.section("schemathesis (tests/contract)")
    for tally in TALLIES:
        terminalreporter.write_line(tally.line())
        for label, example in sorted(tally.failures.items()):
            terminalreporter.write_line(f"  {label}\n    {example}")
        for crash, times in tally.crashes.most_common():
            terminalreporter.write_line(f"  unhandled x{times}: {crash}")
