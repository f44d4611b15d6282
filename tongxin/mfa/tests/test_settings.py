"""TONGXIN_2FA_REQUIRED: admins by default in production, nobody in the demo."""

import runpy

import pytest

import tongxin.settings


@pytest.fixture
def load(monkeypatch, tmp_path):
    def run(**env) -> dict:
        for name in ("TONGXIN_DEMO", "TONGXIN_DEBUG", "TONGXIN_2FA_REQUIRED"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("TONGXIN_ALLOW_INSECURE_KEY", "1")
        monkeypatch.setenv("TONGXIN_DATA_DIR", str(tmp_path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(tongxin.settings.__file__)

    return run


def test_it_requires_admins_in_production(load):
    assert load()["MFA_REQUIRED"] == "admin"


def test_it_requires_nobody_in_the_demo(load):
    assert load(TONGXIN_DEMO="1")["MFA_REQUIRED"] == "none"


def test_it_follows_the_environment(load):
    assert load(TONGXIN_2FA_REQUIRED="all")["MFA_REQUIRED"] == "all"
    assert load(TONGXIN_DEMO="1", TONGXIN_2FA_REQUIRED="Admin")["MFA_REQUIRED"] == "admin"


def test_it_refuses_an_unknown_value(load):
    with pytest.raises(ValueError, match="TONGXIN_2FA_REQUIRED"):
        load(TONGXIN_2FA_REQUIRED="sometimes")
