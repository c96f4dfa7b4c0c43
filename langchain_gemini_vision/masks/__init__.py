"""Box-local segmentation masks: decoding Gemini's mask forms, RLE, full size on demand.

* :mod:`.mask`: :class:`Mask`, a boolean mask that keeps only the pixels of its box
  (a hundred masks on a 4000x3000 photo cost a few megabytes), full size on demand;
* :mod:`.decode`: :func:`decode_png_mask` (Gemini 2.5's PNG probability maps) and
  :func:`rasterize_polygon` (3.x and Robotics-ER polygons on 0-1000);
* :mod:`.rle`: COCO uncompressed RLE, to and from the box;
* :mod:`.contours`: the pixel-edge outline of a mask's largest region;
* :mod:`.limits`: :class:`MaskDecodeError` and the mask bytes one answer may decode.
"""

from __future__ import annotations

from langchain_gemini_vision.masks.decode import (
    DEFAULT_MASK_THRESHOLD,
    PNG_MAGIC,
    decode_png_mask,
    rasterize_polygon,
)
from langchain_gemini_vision.masks.limits import DEFAULT_MAX_MASK_BYTES, MaskDecodeError
from langchain_gemini_vision.masks.mask import Mask

__all__ = [
    "DEFAULT_MASK_THRESHOLD",
    "DEFAULT_MAX_MASK_BYTES",
    "PNG_MAGIC",
    "Mask",
    "MaskDecodeError",
    "decode_png_mask",
    "rasterize_polygon",
]
