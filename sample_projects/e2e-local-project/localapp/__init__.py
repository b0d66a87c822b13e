"""The user's own code: not gated (it is not a dependency)."""

import subprocess


def run(cmd):
    return subprocess.run(cmd, check=True)
