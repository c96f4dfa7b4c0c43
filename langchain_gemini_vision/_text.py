"""Text that can always be written out, whatever file names it holds.

On POSIX a file name is bytes. Python lists ``b"bad\\xff.png"`` as ``"bad\\udcff.png"``
(a lone surrogate standing for the undecodable byte, PEP 383), and no UTF-8 writer
accepts a lone surrogate: JSON Lines, HTML and SQLite all raise ``UnicodeEncodeError``.
Two ways out, each where it fits:

* :func:`printable` shows the byte as ``\\xff`` (for people: reports, messages, keys);
* :func:`json_escaped` writes the surrogate as the JSON escape ``\\udcff`` (for programs:
  ``os.fsencode(json.loads(line)["source"])`` gives back the exact bytes).

:func:`short_label` is the third need: a source named in an error message, on one short
line whatever it holds (control characters, a megabyte of base64).
"""

from __future__ import annotations

__all__ = ["json_escaped", "printable", "short_label"]


def printable(text: str) -> str:
    """``text``, with each undecodable byte of a file name shown as ``\\xff``.

    Example:
        >>> printable("bad\\udcff.png")
        'bad\\\\xff.png'
        >>> printable("café.png")
        'café.png'
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate that stands for no byte
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")
    return text


def json_escaped(line: str) -> str:
    """A line of JSON (``json.dumps(..., ensure_ascii=False)``) that is valid UTF-8.

    Lone surrogates can only sit inside JSON strings, where ``backslashreplace`` writes
    them as ``\\udcff``: a JSON escape, so ``json.loads`` reads back the same string.

    Example:
        >>> json_escaped('{"source": "bad\\udcff.png"}')
        '{"source": "bad\\\\udcff.png"}'
    """
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return line.encode("utf-8", "backslashreplace").decode("utf-8")
    return line


def short_label(text: str, limit: int = 80) -> str:
    """``text`` on one short line for a message: each unprintable character shown as
    ``?``, and cut to ``limit`` characters with ``…``.

    Example:
        >>> short_label("a\\nb" + "c" * 100, limit=8)
        'a?bcccc…'
    """
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
