"""Builders the suite shares, one module per part: test modules import these, never each other.

Each builds through the part's real `do_*` services (or its real edge: a webhook, gpg), so a test
arranges its world the way the network itself would. Fixtures several modules need are exposed from
here through the root conftest's `pytest_plugins`.
"""
