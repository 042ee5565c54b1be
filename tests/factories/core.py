"""Core: the sealed keyring's operator passphrases."""

OPERATOR_PASSPHRASE = "first operator passphrase"
SECOND_OPERATOR_PASSPHRASE = "second operator passphrase"
