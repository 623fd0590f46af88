"""Loopback ports for tests that need a real server or a real connection failure."""

import socket


def free_port() -> int:
    """A port nothing listens on right now (for a server the test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on: connecting to it fails at once (a service that is down)."""
    return free_port()
