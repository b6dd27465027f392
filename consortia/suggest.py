"""Did you mean: the valid key closest to a mistyped one."""

from __future__ import annotations

import difflib

__all__ = ["did_you_mean"]


def did_you_mean(key: str, valid: list[str], *, dotted: bool = False) -> str | None:
    """The valid key closest to ``key`` (difflib, cutoff 0.5), or None.

    With ``dotted`` keys (``cover.min_ratio``), a valid key with the same last part wins first,
    and a last part close to the valid keys' last parts is tried when nothing else is close.
    """
    last = key.rsplit(".", 1)[-1]
    match = [v for v in valid if v.rsplit(".", 1)[-1] == last] if dotted else []
    match = match or difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    if not match and dotted:
        match = [v for v in valid if difflib.get_close_matches(last, [v.rsplit(".", 1)[-1]], cutoff=0.7)]
    return match[0] if match else None
