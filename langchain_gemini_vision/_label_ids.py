"""A label's stable class id, shared by the results' exports and the drawings' colours.

:meth:`~langchain_gemini_vision.results.DetectionResult.to_supervision` numbers classes
with it, and :mod:`~langchain_gemini_vision.annotate` starts each label's colour from it,
so the same label has the same id and colour in every image, process and run.
"""

from __future__ import annotations

import zlib

__all__ = ["label_class_id"]


def label_class_id(label: str) -> int:
    """A label's stable class id: CRC-32 of its UTF-8 text, on 31 bits.

    The same label has the same id in every result, process and run, whatever other
    labels an image has; :meth:`DetectionResult.to_supervision` uses it by default.

    Example:
        >>> label_class_id("dog") == label_class_id("dog")
        True
    """
    return zlib.crc32(label.encode("utf-8", "surrogatepass")) & 0x7FFFFFFF
