"""`mutmut` with one compatibility patch: mutmut 3.7 reads pytest's private `Item._nodeid`, which pytest 9
no longer has (mutmut 3.8 needs click >= 8.4, which faust-streaming 0.15 refuses). Run as
`python mutation/mutmut_cli.py run ...`, exactly like the `mutmut` command."""

from __future__ import annotations

from _pytest.nodes import Node

if not hasattr(Node, "_nodeid"):
    Node._nodeid = property(lambda node: node.nodeid)  # type: ignore[attr-defined]

from mutmut.__main__ import cli

if __name__ == "__main__":
    cli()
