"""Uses network."""

import socket


def connect(host):
    return socket.create_connection((host, 80))
