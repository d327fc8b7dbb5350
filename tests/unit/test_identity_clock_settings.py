"""Identity tokens, the manual clock and settings guards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.runtime.clock import ManualClock, SystemClock, make_clock
from shared.runtime.identity import InvalidToken, mint, verify
from shared.runtime.settings import PlatformSettings

SECRET = "unit-test-secret-0123456789abcdef0123456789"


def test_X2_token_round_trip_keeps_role_and_subject() -> None:
    principal = verify(SECRET, "hallmark", mint(SECRET, "hallmark", "customer", "cust-7"))
    assert (principal.subject, principal.role) == ("cust-7", "customer")
    assert principal.may_see_customer("cust-7") and not principal.may_see_customer("cust-8")


def test_X2_account_manager_sees_only_their_customers() -> None:
    token = mint(SECRET, "hallmark", "account_manager", "am-1", customers=("c1", "c2"))
    principal = verify(SECRET, "hallmark", token)
    assert principal.may_see_customer("c2") and not principal.may_see_customer("c3")


@pytest.mark.parametrize("tamper", ["wrong-secret", "expired", "unknown-role"])
def test_X2_bad_tokens_are_refused(tamper: str) -> None:
    import jwt

    if tamper == "wrong-secret":
        token = mint("another-secret-0123456789abcdef0123456789", "hallmark", "ops", "op")
    elif tamper == "expired":
        token = mint(SECRET, "hallmark", "ops", "op", ttl_seconds=-10)
    else:
        token = jwt.encode({"sub": "x", "role": "admin", "iss": "hallmark", "exp": 4102444800}, SECRET)
    with pytest.raises(InvalidToken):
        verify(SECRET, "hallmark", token)


def test_X1_manual_clock_is_shared_through_its_file_and_moves_only_forward(tmp_path: Path) -> None:
    api_clock, worker_clock = ManualClock(tmp_path / "clock.json"), ManualClock(tmp_path / "clock.json")
    before = worker_clock.now()
    api_clock.advance(3 * 3600)
    assert worker_clock.offset() == timedelta(hours=3)
    assert worker_clock.now() - before >= timedelta(hours=3)
    with pytest.raises(ValueError, match="only moves forward"):
        api_clock.advance(-1)


def test_system_clock_is_the_default() -> None:
    assert isinstance(make_clock("system", None), SystemClock)


def test_manual_clock_and_dev_secret_are_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CLOCK=manual is refused"):
        PlatformSettings(hallmark_env="production", clock="manual", clock_file=str(tmp_path / "c"), jwt_secret=SECRET)
    with pytest.raises(ValidationError, match="JWT_SECRET must be set"):
        PlatformSettings(hallmark_env="production")
    assert PlatformSettings(hallmark_env="production", jwt_secret=SECRET).clock == "system"


def test_P2_vouchers_need_a_kept_directory_in_production(tmp_path: Path) -> None:
    from services.payments.settings import PaymentsSettings

    production = PlatformSettings(hallmark_env="production", jwt_secret=SECRET)
    with pytest.raises(ValidationError, match="PAYMENTS_VOUCHER_DIR must be set"):
        PaymentsSettings(platform=production)
    assert PaymentsSettings(platform=production, voucher_dir=str(tmp_path)).voucher_dir == str(tmp_path)
    assert PaymentsSettings(platform=PlatformSettings()).voucher_dir == ""  # development: a temp dir
