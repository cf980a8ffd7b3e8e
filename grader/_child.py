"""The grading child process: set resource limits, then run pytest in-process.

Started by ``grader.runner`` as ``python -m grader._child MEMORY_MB FSIZE_MB -- PYTEST_ARGS``.
The report nonce arrives on the first line of standard input, so that it never
sits in the environment or on the command line.
"""

from __future__ import annotations

import os
import sys


def _limit(resource_name: str, value: int) -> None:
    try:
        import resource

        res = getattr(resource, resource_name)
        _, hard = resource.getrlimit(res)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(res, (value, hard))
    except (ImportError, ValueError, OSError, AttributeError):
        pass  # not every OS supports every limit; the timeout still applies


def _mapped_bytes() -> int:
    """Address space this process has mapped already (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run(memory_mb: int, fsize_mb: int, args: list[str], nonce: str, forked: bool = False) -> int:
    """Apply the limits and run pytest in this process (fresh interpreter or forked worker child).
    A child forked from the warm worker inherits the libraries the worker pre-imported: its cap
    counts from what is mapped already, so a check gets the same room warm or cold."""
    if memory_mb > 0:
        _limit("RLIMIT_AS", memory_mb * 1024 * 1024 + (_mapped_bytes() if forked else 0))
    if fsize_mb > 0:
        _limit("RLIMIT_FSIZE", fsize_mb * 1024 * 1024)
    _limit("RLIMIT_CORE", 0)

    import pytest

    from grader import _token

    _token.NONCE = nonce
    return int(pytest.main(args))


def main(argv: list[str]) -> int:
    memory_mb, fsize_mb = int(argv[0]), int(argv[1])
    args = argv[3:]
    nonce = sys.stdin.readline().strip()
    try:
        sys.stdin.close()
        os.close(0)
        os.open(os.devnull, os.O_RDONLY)  # fd 0 again: learner code reading stdin gets EOF, not a hang
    except OSError:
        pass
    sys.stdin = open(os.devnull)
    return run(memory_mb, fsize_mb, args, nonce)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
