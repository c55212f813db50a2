"""Pytest fixture for the fake Bot API server; import it into a conftest.py to use it."""

from collections.abc import Iterator

import pytest

from tests.botapi.server import BotApiServer

# Shaped like a real token ("<bot id>:<35 characters>") so that nothing rejects its form.
TEST_BOT_TOKEN = "123456789:AAHtestTOKENforTheLocalBotApiServer"
TEST_BOT_USERNAME = "briefbot_test_bot"


@pytest.fixture
def botapi_server() -> Iterator[BotApiServer]:
    """A started BotApiServer for one test; fails the test if the server itself had a bug."""
    with BotApiServer(TEST_BOT_TOKEN, bot_username=TEST_BOT_USERNAME) as server:
        yield server
    assert not server.server_errors, "BotApiServer bugs:\n" + "\n".join(server.server_errors)
