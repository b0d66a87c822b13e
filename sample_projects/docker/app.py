"""A tiny application: prints its settings, read with the one dependency it has."""

import yaml

SETTINGS = """
greeting: hello from a gated environment
dependencies: [pyyaml]
"""

print(yaml.safe_dump(yaml.safe_load(SETTINGS), sort_keys=True), end="")
