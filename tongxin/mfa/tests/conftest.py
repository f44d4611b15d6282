"""Authenticator codes made the way a phone makes them, from the device's key."""

import datetime
import time

import pytest
import time_machine
from django_otp.oath import TOTP

from tongxin.mfa.services import second_factor_enrol


def code_for(key_hex: str) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def clock():
    """Frozen time that tests move on: each authenticator code is accepted once
    per 30-second step, and failures throttle the next try by seconds."""
    start = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrol(clock):
    """enrol(user) → (key, recovery codes): the user has an authenticator app."""

    def make(user):
        key = "3132333435363738393031323334353637383930"
        codes = second_factor_enrol(user=user, key=key, code=code_for(key))
        clock.shift(30)  # the code used to enrol is spent
        return key, codes

    return make
