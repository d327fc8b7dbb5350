"""The README's quick start runs as written: its shell blocks, in one bash session, drive one order
from the cart to Completed. The stack is the suite's own (`system`), so `make up`'s addresses in the
blocks are rewritten to its ports; nothing else is changed."""

from __future__ import annotations

from tests.integration.readme import json_lines, quick_start_blocks, run_blocks
from tools.launcher.stack import Stack


def test_readme_quick_start_blocks_drive_an_order_to_completed(system: Stack) -> None:
    blocks = quick_start_blocks()
    assert len(blocks) >= 4

    result = run_blocks(blocks, system.config.ports, tail='\necho "{\\"order_id\\": \\"$O\\"}"\n')

    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    printed = json_lines(result.stdout)
    order_id = printed[-1]["order_id"]
    final = printed[-2]
    assert final["order_id"] == order_id
    assert final["status"] == "Completed"
    assert final["paid"] == {"amount_minor": 4680, "currency": "USD"}
    assert final["shipping"]["cost_minor"] == 1890 and final["shipping"]["paid"] is True
    statuses = [doc.get("status") for doc in printed if isinstance(doc, dict) and doc.get("order_id") == order_id]
    assert statuses[:1] == ["PendingPayment"] and "Confirmed" in statuses and "AwaitingShippingPayment" in statuses
