"""Fixtures shared by every test module: the persona city and logged-in clients."""

import pytest
from django.test import Client

from dangjian.testing import build_city


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SECURE_SSL_REDIRECT = False
    # A fast hasher keeps the persona city cheap; password rules are still checked by validators.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db):
    return build_city()


@pytest.fixture
def login(city):
    """login('secretary_a') -> a test Client logged in as that persona."""

    def _login(persona: str) -> Client:
        client = Client()
        client.force_login(city.users[persona])
        return client

    return _login
