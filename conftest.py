"""Fixtures shared by every test module: the persona city and logged-in clients."""

import pytest
from django.test import Client

from dangjian.testing import build_city


@pytest.fixture(autouse=True)
def _plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False


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
