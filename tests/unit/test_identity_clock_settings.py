"""Identity tokens (claims, lifetime, audience), the manual clock and the settings guards (secrets)."""

from __future__ import annotations

import secrets
import stat
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from pydantic import ValidationError

from shared.runtime.clock import ManualClock, SystemClock, make_clock
from shared.runtime.identity import InvalidToken, VerifiedTokens, mint, verify
from shared.runtime.settings import PlatformSettings, dev_jwt_secret, secret_bits
from tests.infra import eventually

SECRET = "unit-test-secret-0123456789abcdef0123456789"
ROOT = Path(__file__).resolve().parents[2]


def signed(claims: dict[str, Any], secret: str = SECRET, **header: Any) -> str:
    now = int(time.time())
    base = {"sub": "am-1", "role": "account_manager", "iss": "hallmark", "aud": "hallmark-dev", "iat": now}
    return jwt.encode({**base, "exp": now + 600, **claims}, secret, algorithm="HS256", headers=header or None)


def test_X2_token_round_trip_keeps_role_and_subject() -> None:
    principal = verify(SECRET, "hallmark", mint(SECRET, "hallmark", "customer", "cust-7"))
    assert (principal.subject, principal.role) == ("cust-7", "customer")
    assert principal.may_see_customer("cust-7") and not principal.may_see_customer("cust-8")


def test_X2_account_manager_sees_only_their_customers() -> None:
    token = mint(SECRET, "hallmark", "account_manager", "am-1", customers=("c1", "c2"))
    principal = verify(SECRET, "hallmark", token)
    assert principal.may_see_customer("c2") and not principal.may_see_customer("c3")


def _alg_none() -> str:
    return jwt.encode({"sub": "x", "role": "ops", "iss": "hallmark", "aud": "hallmark-dev"}, "", algorithm="none")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: mint("another-secret-0123456789abcdef0123456789", "hallmark", "ops", "op"), "Signature"),
        (lambda: mint(SECRET, "hallmark", "ops", "op", ttl_seconds=-10), "expired"),
        (lambda: signed({"role": "admin"}), "claim role: Input should be"),
        (lambda: signed({"customers": "c1"}), "claim customers: Input should be a valid list"),
        (lambda: signed({"customers": [1, 2]}), "claim customers.0: Input should be a valid string"),
        (lambda: signed({"customers": [{"id": "c1"}]}), "claim customers.0: Input should be a valid string"),
        (lambda: signed({"customers": None}), "claim customers: Input should be a valid list"),
        (lambda: signed({"customers": [""]}), "claim customers.0: String should have at least 1 character"),
        (lambda: signed({"sub": ""}), "claim sub: String should have at least 1 character"),
        (lambda: signed({"sub": 7}), "Subject must be a string"),
        (lambda: signed({"role": ["ops"]}), "claim role: Input should be"),
        (lambda: signed({"aud": "another-deployment"}), "Audience doesn't match"),
        (lambda: signed({"iss": "someone-else"}), "Invalid issuer"),
        (lambda: signed({"iat": int(time.time()) + 3600}), "not yet valid"),
        (lambda: signed({"exp": int(time.time()) + 13 * 3600}), "lives longer than the 43200 s allowed"),
        (lambda: mint(SECRET, "hallmark", "ops", "op", ttl_seconds=30 * 86400), "lives longer"),
        (_alg_none, "alg"),
        (lambda: "not.a.token", "Invalid"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_X2_bad_or_malformed_tokens_are_refused(token: Any, reason: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        verify(SECRET, "hallmark", token())
    assert reason.lower() in str(refused.value).lower()


def test_X2_missing_claims_are_refused() -> None:
    for claim in ("sub", "role", "iss", "aud", "iat", "exp"):
        now = int(time.time())
        claims = {"sub": "c", "role": "customer", "iss": "hallmark", "aud": "hallmark-dev", "iat": now, "exp": now + 60}
        del claims[claim]
        with pytest.raises(InvalidToken, match=f'"{claim}"'):
            verify(SECRET, "hallmark", jwt.encode(claims, SECRET, algorithm="HS256"))


def test_X2_the_audience_and_the_lifetime_are_the_deployments() -> None:
    token = mint(SECRET, "hallmark", "ops", "op", ttl_seconds=3600, audience="hallmark-eu")
    assert verify(SECRET, "hallmark", token, audience="hallmark-eu").role == "ops"
    with pytest.raises(InvalidToken, match="Audience"):
        verify(SECRET, "hallmark", token)
    with pytest.raises(InvalidToken, match="lives longer than the 600 s allowed"):
        verify(SECRET, "hallmark", token, audience="hallmark-eu", max_ttl_seconds=600)


def test_X2_a_remembered_token_passes_only_until_it_expires() -> None:
    tokens = VerifiedTokens()
    token = mint(SECRET, "hallmark", "customer", "cust-7", ttl_seconds=2)
    assert tokens.verify(SECRET, "hallmark", token).subject == "cust-7"
    assert len(tokens) == 1

    def refused() -> bool:
        try:
            tokens.verify(SECRET, "hallmark", token)
        except InvalidToken as exc:
            return "expired" in str(exc)
        return False

    eventually(refused, timeout=5, interval=0.05, what="the remembered token refused once expired")
    assert len(tokens) == 0  # refusals are not remembered


def test_X2_a_remembered_token_is_checked_again_under_another_secret_audience_or_lifetime() -> None:
    tokens = VerifiedTokens()
    token = mint(SECRET, "hallmark", "ops", "op", ttl_seconds=3600, audience="hallmark-eu")
    assert tokens.verify(SECRET, "hallmark", token, audience="hallmark-eu").role == "ops"
    with pytest.raises(InvalidToken, match="Audience"):
        tokens.verify(SECRET, "hallmark", token)
    with pytest.raises(InvalidToken, match="Signature"):
        tokens.verify("another-secret-0123456789abcdef0123456789", "hallmark", token, audience="hallmark-eu")
    with pytest.raises(InvalidToken, match="issuer"):
        tokens.verify(SECRET, "someone-else", token, audience="hallmark-eu")
    with pytest.raises(InvalidToken, match="lives longer than the 600 s allowed"):
        tokens.verify(SECRET, "hallmark", token, audience="hallmark-eu", max_ttl_seconds=600)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidToken):
        tokens.verify(SECRET, "hallmark", tampered, audience="hallmark-eu")


def test_X2_remembered_tokens_are_bounded_least_recently_used_out() -> None:
    tokens = VerifiedTokens(size=2)
    first, second, third = (mint(SECRET, "hallmark", "customer", f"c{i}") for i in range(3))
    for token in (first, second, first, third):
        tokens.verify(SECRET, "hallmark", token)
    assert len(tokens) == 2
    assert set(tokens._tokens) == {(t, SECRET, "hallmark", "hallmark-dev", 12 * 3600) for t in (first, third)}


def test_manual_clock_is_shared_through_its_file_and_moves_only_forward(tmp_path: Path) -> None:
    api_clock, worker_clock = ManualClock(tmp_path / "clock.json"), ManualClock(tmp_path / "clock.json")
    before = worker_clock.now()
    api_clock.advance(3 * 3600)
    assert worker_clock.offset() == timedelta(hours=3)
    assert worker_clock.now() - before >= timedelta(hours=3)
    with pytest.raises(ValueError, match="only moves forward"):
        api_clock.advance(-1)


def test_system_clock_is_the_default() -> None:
    assert isinstance(make_clock("system", None), SystemClock)


def production(**given: Any) -> PlatformSettings:
    return PlatformSettings(**{"hallmark_env": "production", "jwt_audience": "hallmark-shop", **given})


def test_manual_clock_and_a_missing_secret_are_refused_in_production(tmp_path: Path) -> None:
    strong = secrets.token_urlsafe(32)
    with pytest.raises(ValidationError, match="CLOCK=manual is refused"):
        production(clock="manual", clock_file=str(tmp_path / "c"), jwt_secret=strong)
    with pytest.raises(ValidationError, match="JWT_SECRET must be set"):
        production()
    assert production(jwt_secret=strong).clock == "system"


def dev_overlay_literals() -> dict[str, str]:
    overlay = yaml.safe_load((ROOT / "deploy/k8s/overlays/dev/kustomization.yaml").read_text())
    literals = [lit for gen in overlay["configMapGenerator"] + overlay["secretGenerator"] for lit in gen["literals"]]
    return dict(lit.split("=", 1) for lit in literals)


@pytest.mark.parametrize(
    "weak",
    [
        "x",
        "x" * 40,
        "0123456789abcdef" * 4,
        "correct-horse-battery-staple-correct-horse",
        secrets.token_hex(16),
        secrets.token_urlsafe(24),
        dev_overlay_literals()["JWT_SECRET"],
    ],
)
def test_X2_production_refuses_a_jwt_secret_of_fewer_than_32_random_bytes(weak: str) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET must be at least 32 random bytes"):
        production(jwt_secret=weak)


@pytest.mark.parametrize("strong", [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(64)])
def test_X2_production_accepts_32_random_bytes_or_more(strong: str) -> None:
    assert secret_bits(strong) >= 256
    assert production(jwt_secret=strong).jwt_secret == strong


def test_X2_production_needs_its_own_audience_and_the_dev_overlay_has_none_it_would_accept() -> None:
    with pytest.raises(ValidationError, match="JWT_AUDIENCE must name the deployment"):
        PlatformSettings(hallmark_env="production", jwt_secret=secrets.token_urlsafe(32))
    with pytest.raises(ValidationError, match="JWT_AUDIENCE must name the deployment"):
        PlatformSettings(
            hallmark_env="production",
            jwt_secret=secrets.token_urlsafe(32),
            jwt_audience=dev_overlay_literals()["JWT_AUDIENCE"],
        )


def test_the_dev_secret_is_made_once_per_checkout_and_kept_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = dev_jwt_secret(tmp_path)
    assert dev_jwt_secret(tmp_path) == first and secret_bits(first) >= 256
    assert stat.S_IMODE((tmp_path / "dev-jwt-secret").stat().st_mode) == 0o600
    assert dev_jwt_secret(tmp_path / "another-checkout") != first
    monkeypatch.setenv("HALLMARK_HOME", str(tmp_path))
    monkeypatch.delenv("JWT_SECRET", raising=False)
    assert PlatformSettings().jwt_secret == first
    assert PlatformSettings(jwt_secret="given").jwt_secret == "given"


def test_P2_vouchers_need_no_directory_in_production() -> None:
    """Vouchers are kept in the payments database (two replicas read the same ones): production asks
    for no directory, and a leftover PAYMENTS_VOUCHER_DIR is ignored."""
    from services.payments.settings import PaymentsSettings

    platform = production(jwt_secret=secrets.token_urlsafe(32))
    settings = PaymentsSettings(platform=platform)
    assert (settings.voucher_max_bytes, hasattr(settings, "voucher_dir")) == (10 * 1024 * 1024, False)
    with pytest.raises(ValidationError, match="greater than 0"):
        PaymentsSettings(platform=platform, voucher_max_bytes=0)
