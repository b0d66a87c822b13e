"""Fetch a YAML document and print one key."""

import requests
import yaml


def fetch(url: str) -> dict[str, object]:
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return dict(yaml.safe_load(response.text))
