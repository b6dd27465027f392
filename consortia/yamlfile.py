"""Strict YAML: ``yaml.safe_load``, except that a key given twice in one mapping is an error
(PyYAML would silently keep the last one, dropping the first block of settings), an impossible
calendar date is an error naming its line, a number YAML 1.1 reads in a surprising way is an error
(``5_2.4`` is 52.4, ``1:30`` is 90, ``010`` is 8 and ``0x1F`` is 31 there: only plain decimal
numbers are numbers), and a document may hold at most ``MAX_BYTES``
characters, nest at most ``MAX_DEPTH`` levels and expand (aliases counted each time they are
used, so a "billion laughs" bomb is refused before it is built) to at most ``MAX_NODES`` nodes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

__all__ = ["DuplicateKeyError", "LimitError", "StrictLoader", "load_strict", "problem_words", "MAX_BYTES",
           "MAX_DEPTH", "MAX_NODES"]

MAX_BYTES = 10_000_000
MAX_DEPTH = 64
MAX_NODES = 1_000_000


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key given twice in one mapping: ``key`` and its 1-based ``line``."""

    def __init__(self, key, node: yaml.MappingNode, key_node: yaml.Node):
        self.key, self.line = key, key_node.start_mark.line + 1
        super().__init__("while reading a mapping", node.start_mark, f"key '{key}' appears twice",
                         key_node.start_mark)


class LimitError(yaml.MarkedYAMLError):
    """A document beyond one of the limits (size, nesting depth, expanded size) or holding an
    impossible date or a number that is not plain decimal."""

    def __init__(self, problem: str, mark=None):
        super().__init__(problem=problem, problem_mark=mark)


class StrictLoader(yaml.SafeLoader):
    """The safe loader with :class:`DuplicateKeyError` for repeated keys and the limits above."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise LimitError(f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node):
        _check_expansion(node)
        return super().construct_document(node)


def _check_expansion(root: yaml.Node) -> None:
    """Raise :class:`LimitError` when the document, with every alias expanded, exceeds ``MAX_NODES``."""
    sizes: dict[int, int] = {}
    order, stack = [], [root]
    while stack:  # children before parents, each node once however often it is referred to
        node = stack.pop()
        if id(node) in sizes:
            continue
        sizes[id(node)] = 0
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        total = 1 + sum(sizes[id(child)] for child in _children(node))
        if total > MAX_NODES:
            raise LimitError(f"expands to more than {MAX_NODES:,} values (aliases counted each time they "
                             "are used)", node.start_mark)
        sizes[id(node)] = total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _timestamp(loader: StrictLoader, node: yaml.ScalarNode):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise LimitError(f"{node.value!r} is not a calendar date ({exc})", node.start_mark) from None


_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")


def _plain_number(kind: str):
    """The YAML 1.1 constructor of ``kind`` (int or float), refusing what is not plain decimal."""
    construct = getattr(yaml.constructor.SafeConstructor, f"construct_yaml_{kind}")

    def build(loader: StrictLoader, node: yaml.ScalarNode):
        text = str(node.value)
        value = construct(loader, node)
        plain = _PLAIN_INT.match(text) if kind == "int" else ("_" not in text and ":" not in text)
        if not plain:
            raise LimitError(f"{text!r} is not a plain decimal number (YAML 1.1 reads it as {value!r}); write "
                             "digits only, with no '_', ':', leading 0 or base prefix, or quote it as text",
                             node.start_mark)
        return value

    return build


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
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
StrictLoader.add_constructor("tag:yaml.org,2002:int", _plain_number("int"))
StrictLoader.add_constructor("tag:yaml.org,2002:float", _plain_number("float"))


def load_strict(text: str) -> Any:
    """The YAML document in ``text``; raises ``yaml.YAMLError`` (:class:`DuplicateKeyError` for a
    repeated key, :class:`LimitError` for a document beyond the limits)."""
    if len(text) > MAX_BYTES:
        raise LimitError(f"the document holds {len(text):,} characters, more than {MAX_BYTES:,}")
    return yaml.load(text, Loader=StrictLoader)


def problem_words(exc: yaml.YAMLError, text: str) -> str:
    """What is wrong with the YAML ``text`` and where: "not valid YAML at line L, column C: ..."."""
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow; no mark, a position
        before = text[:exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return (f"not valid YAML at line {line}, column {column}: character U+{ord(char):04X} is not "
                "allowed in YAML (a control character)")
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"
