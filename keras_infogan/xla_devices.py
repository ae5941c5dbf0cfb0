"""The `XLA_FLAGS` that split a host's CPU into virtual devices for JAX.

JAX reads `XLA_FLAGS` once, when it starts, so a process sets them before
Keras is imported; this module imports neither.
"""

from __future__ import annotations

__all__ = ["with_virtual_cpus"]


def with_virtual_cpus(xla_flags: str, count: int) -> str:
    """`xla_flags` with the host's CPU split into `count` devices, unless it already sets a count.

    The virtual devices share the cores, so their collectives may wait longer
    than XLA's default 40 s for each other.
    """
    if "xla_force_host_platform_device_count" in xla_flags:
        return xla_flags
    virtual = f"--xla_force_host_platform_device_count={count} --xla_cpu_collective_call_terminate_timeout_seconds=600"
    return f"{xla_flags} {virtual}".strip()
