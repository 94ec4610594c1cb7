"""YAML reading through libyaml's C parser when PyYAML was built with it (about ten times faster than the
pure-Python parser on our codebooks and questionnaire); same safe semantics and error marks either way."""

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> object:
    """Parse ``text`` like ``yaml.safe_load`` (plain Python values only)."""
    return yaml.load(text, Loader=_LOADER)
