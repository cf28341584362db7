"""Transports: how a batch of operations reaches a server (HTTP or in-process)."""
