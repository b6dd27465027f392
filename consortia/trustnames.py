"""Which trust a user means: a code or a name, in any case, with did-you-mean suggestions.

Every command that takes a trust on the command line resolves it here, so "rh5", "RH5",
"Somerset" and "somerset nhs foundation trust" all name the same trust, and a typo gets the
closest codes and names instead of a bare "unknown trust".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from .errors import ConsortiaError

__all__ = ["resolve_trust"]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def resolve_trust(text: str, names: Mapping[str, str], *, where: str | None = None) -> str:
    """The code of the trust ``text`` names: a code in any case, a whole name in any case, or a
    part of exactly one name. Raises :class:`ConsortiaError` naming the closest trusts otherwise.

    ``names`` maps each trust code to its name; ``where`` says what was searched (for the message).
    """
    query = _norm(text)
    by_code = {_norm(code): code for code in names}
    if query in by_code:
        return by_code[query]
    whole = [code for code, name in names.items() if _norm(name) == query]
    if len(whole) == 1:
        return whole[0]
    part = [code for code, name in names.items() if query and query in _norm(name)]
    if len(part) == 1:
        return part[0]
    scope = f" in {where}" if where else ""
    if len(part) > 1:
        shown = ", ".join(f"{c} ({names[c]})" for c in sorted(part)[:6])
        more = f" and {len(part) - 6} more" if len(part) > 6 else ""
        raise ConsortiaError(f"{text!r} matches {len(part)} trusts{scope}: {shown}{more}; give the code "
                             "or more of the name")
    return _unknown(text, names, scope)


def _unknown(text: str, names: Mapping[str, str], scope: str):
    query = _norm(text)
    labels = {_norm(code): code for code in names}
    labels.update({_norm(name): code for code, name in names.items()})
    close = difflib.get_close_matches(query, list(labels), n=6, cutoff=0.6)
    words = [w for w in query.split() if len(w) > 2]
    if words:  # names sharing a word with the query, e.g. "Somerst" -> Somerset
        for key in labels:
            if any(difflib.SequenceMatcher(None, w, k).ratio() >= 0.8 for w in words for k in key.split()):
                close.append(key)
    seen, suggestions = set(), []
    for key in close:
        code = labels[key]
        if code not in seen:
            seen.add(code)
            suggestions.append(f"{code} ({names[code]})")
    hint = f"; did you mean {', '.join(suggestions[:4])}?" if suggestions else ""
    raise ConsortiaError(f"no trust {text!r}{scope}{hint}")
