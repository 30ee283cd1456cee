"""Access tokens: a verified token is remembered, but never past its expiry or under another key."""

from __future__ import annotations

import time
import uuid

import pytest

from domain.security import InvalidToken, issue_token, read_token


def test_a_remembered_token_still_expires_and_still_needs_its_key():
    user, session = uuid.uuid4(), uuid.uuid4()
    token = issue_token("key-one", user, session, ttl_seconds=1)
    assert read_token("key-one", token) == (user, session)
    assert read_token("key-one", token) == (user, session)  # the second answer comes from memory
    with pytest.raises(InvalidToken):
        read_token("key-two", token)
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            read_token("key-one", token)
        except InvalidToken:
            break
        time.sleep(0.1)
    else:
        pytest.fail("an expired token was still accepted")
    with pytest.raises(InvalidToken):
        read_token("key-one", token)
