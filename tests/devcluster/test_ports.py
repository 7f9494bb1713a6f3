"""Ports of a dev cluster come from below the kernel's ephemeral range (pure: binds on 127.0.0.1 only)."""

from __future__ import annotations

import socket
from pathlib import Path

from devcluster.cluster import PORT_FLOOR, free_port


def test_free_ports_lie_below_the_ephemeral_range_and_can_be_bound() -> None:
    ephemeral_floor = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert all(PORT_FLOOR <= port < ephemeral_floor for port in ports)
    assert len(set(ports)) > 40  # picked at random, so two clusters rarely try the same one
    for port in ports[:5]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
