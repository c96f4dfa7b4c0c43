"""What a mask may cost, and how a mask that cannot be used is reported.

Every decoder takes ``max_bytes`` and refuses, before allocating, a mask whose
box-local array would be larger (the parser gives each answer
:data:`DEFAULT_MAX_MASK_BYTES` for all its masks: 200 tiny maps over a 4000x3000
image's full box would otherwise hold 2.4 GB).
"""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_MASK_BYTES", "MaskDecodeError", "check_mask_bytes"]

DEFAULT_MAX_MASK_BYTES = 128 * 1024 * 1024
"""Box-local mask bytes one answer may decode (one byte a pixel): ten full-image masks
of a 12 MP photo, or hundreds of object-sized ones. Masks past it are not decoded
(box kept, warning)."""


class MaskDecodeError(ValueError):
    """A mask value could not be decoded (internal: the parser reports it as a warning)."""


def check_mask_bytes(width: int, height: int, max_bytes: int | None) -> None:
    """Refuse a ``width`` x ``height`` box-local mask over ``max_bytes`` (``None``: no cap)."""
    if max_bytes is not None and width * height > max_bytes:
        raise MaskDecodeError(
            f"its {width}x{height} box needs {width * height} bytes, more than the "
            f"{max(max_bytes, 0)} left of the answer's mask budget (max_mask_bytes)"
        )
