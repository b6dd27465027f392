"""Strict YAML: ``yaml.safe_load``, except that a key given twice in one mapping is an error
(PyYAML would silently keep the last one, dropping the first block of settings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

__all__ = ["DuplicateKeyError", "StrictLoader", "load_strict"]


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key given twice in one mapping: ``key`` and its 1-based ``line``."""

    def __init__(self, key, node: yaml.MappingNode, key_node: yaml.Node):
        self.key, self.line = key, key_node.start_mark.line + 1
        super().__init__("while reading a mapping", node.start_mark, f"key '{key}' appears twice",
                         key_node.start_mark)


class StrictLoader(yaml.SafeLoader):
    """The safe loader with :class:`DuplicateKeyError` for repeated keys."""


def _mapping_without_repeats(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool, dt.date)):
            continue  # construct_mapping reports keys that cannot be keys
        if key in seen:
            raise DuplicateKeyError(key, node, key_node)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def load_strict(text: str) -> Any:
    """The YAML document in ``text``; raises ``yaml.YAMLError`` (:class:`DuplicateKeyError` for a
    repeated key)."""
    return yaml.load(text, Loader=StrictLoader)
