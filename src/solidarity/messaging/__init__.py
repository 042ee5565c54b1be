"""Messaging: the outbox for every outgoing email and SMS, channels, inbound messages and the keyword router."""
