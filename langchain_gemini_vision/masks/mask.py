"""The :class:`Mask`: a boolean segmentation mask stored box-locally.

A mask keeps only the pixels of its box: a boolean array the size of the box (in
pixels of the original image), the box's top-left ``offset`` and the full image size.
A hundred masks on a 4000x3000 photo therefore cost a few megabytes, not a hundred
full-size arrays; :meth:`Mask.to_full` builds the full-size array only when asked.
It serialises as box-local RLE (:mod:`.rle`) with its offset and image size.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema

from langchain_gemini_vision.masks.contours import outer_contour
from langchain_gemini_vision.masks.limits import MaskDecodeError
from langchain_gemini_vision.masks.rle import RLE, decode_rle, encode_rle, local_rle

__all__ = ["Mask"]


class _MaskPayload(BaseModel):
    """The JSON form of a :class:`Mask`: box-local RLE, offset and image size."""

    model_config = ConfigDict(frozen=True)

    rle: RLE
    """Box-local mask as COCO uncompressed RLE (``size`` is the box's ``[h, w]``)."""
    offset: tuple[int, int]
    """``(x0, y0)`` of the box's top-left pixel in the image."""
    resolution_wh: tuple[int, int]
    """``(width, height)`` of the full image."""


class Mask:
    """A boolean segmentation mask stored box-locally.

    Args:
        local: ``(h, w)`` boolean array covering the box (any truthy dtype is cast).
        offset: ``(x0, y0)`` of the box's top-left pixel in the full image.
        resolution_wh: ``(width, height)`` of the full image.

    Raises:
        ValueError: The box does not lie inside the image.

    Example:
        >>> import numpy as np
        >>> m = Mask(np.ones((2, 3), dtype=bool), offset=(4, 5), resolution_wh=(10, 8))
        >>> m.area, m.to_full().shape, m.bbox_xyxy
        (6, (8, 10), (4, 5, 7, 7))
        >>> Mask.from_rle(m.to_rle()) == m
        True
    """

    __slots__ = ("_local", "_offset", "_resolution_wh")
    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self,
        local: NDArray[Any],
        offset: tuple[int, int],
        resolution_wh: tuple[int, int],
        *,
        copy: bool = True,
    ) -> None:
        # copy=False lets the decoders hand over an array they just built (no second copy).
        array = np.array(local, dtype=bool, copy=True) if copy else np.asarray(local, dtype=bool)
        if array.ndim != 2:
            raise ValueError(f"a mask must be 2-D, got shape {array.shape}")
        x0, y0 = int(offset[0]), int(offset[1])
        width, height = int(resolution_wh[0]), int(resolution_wh[1])
        h, w = array.shape
        if width <= 0 or height <= 0:
            raise ValueError(f"resolution_wh must be positive, got {resolution_wh!r}")
        if x0 < 0 or y0 < 0 or x0 + w > width or y0 + h > height:
            raise ValueError(f"mask box {w}x{h} at ({x0}, {y0}) leaves the {width}x{height} image")
        array.flags.writeable = False
        self._local: NDArray[np.bool_] = array
        self._offset = (x0, y0)
        self._resolution_wh = (width, height)

    # -- basic views -------------------------------------------------------

    @property
    def local(self) -> NDArray[np.bool_]:
        """The box-local boolean array (read-only), shape ``(h, w)``."""
        return self._local

    @property
    def offset(self) -> tuple[int, int]:
        """``(x0, y0)``: where :attr:`local` sits in the image."""
        return self._offset

    @property
    def resolution_wh(self) -> tuple[int, int]:
        """``(width, height)`` of the full image."""
        return self._resolution_wh

    @property
    def bbox_xyxy(self) -> tuple[int, int, int, int]:
        """The stored box in pixels, ``(x0, y0, x1, y1)`` with exclusive ends."""
        h, w = self._local.shape
        x0, y0 = self._offset
        return x0, y0, x0 + w, y0 + h

    @property
    def area(self) -> int:
        """Number of foreground pixels."""
        return int(np.count_nonzero(self._local))

    def to_full(self) -> NDArray[np.bool_]:
        """A full-size ``(height, width)`` boolean array (allocated on each call)."""
        width, height = self._resolution_wh
        full = np.zeros((height, width), dtype=bool)
        x0, y0, x1, y1 = self.bbox_xyxy
        full[y0:y1, x0:x1] = self._local
        return full

    def tight(self) -> Mask:
        """The same pixels in the smallest box that holds them (an empty mask keeps 0x0)."""
        rows = np.flatnonzero(self._local.any(axis=1))
        if rows.size == 0:
            return Mask(np.zeros((0, 0), dtype=bool), self._offset, self._resolution_wh)
        cols = np.flatnonzero(self._local.any(axis=0))
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        x0, y0 = self._offset
        return Mask(self._local[r0:r1, c0:c1], (x0 + c0, y0 + r0), self._resolution_wh)

    def iou(self, other: Mask) -> float:
        """Pixel intersection over union with ``other`` (same image size); 0.0 if both empty.

        Only the overlap of the two boxes is touched.
        """
        if other.resolution_wh != self._resolution_wh:
            raise ValueError(
                f"masks of different images: {self._resolution_wh} vs {other.resolution_wh}"
            )
        ax0, ay0, ax1, ay1 = self.bbox_xyxy
        bx0, by0, bx1, by1 = other.bbox_xyxy
        ix0, iy0, ix1, iy1 = max(ax0, bx0), max(ay0, by0), min(ax1, bx1), min(ay1, by1)
        inter = 0
        if ix0 < ix1 and iy0 < iy1:
            a = self._local[iy0 - ay0 : iy1 - ay0, ix0 - ax0 : ix1 - ax0]
            b = other.local[iy0 - by0 : iy1 - by0, ix0 - bx0 : ix1 - bx0]
            inter = int(np.count_nonzero(a & b))
        union = self.area + other.area - inter
        return inter / union if union else 0.0

    def __eq__(self, other: object) -> bool:
        """Masks are equal when they cover the same pixels of same-size images."""
        if not isinstance(other, Mask):
            return NotImplemented
        if self._resolution_wh != other.resolution_wh:
            return False
        a, b = self.tight(), other.tight()
        if a.local.size == 0 or b.local.size == 0:
            return a.local.size == b.local.size
        return a.offset == b.offset and np.array_equal(a.local, b.local)

    def __repr__(self) -> str:
        x0, y0, x1, y1 = self.bbox_xyxy
        return (
            f"Mask(area={self.area}, box=({x0}, {y0}, {x1}, {y1}), "
            f"resolution_wh={self._resolution_wh})"
        )

    # -- constructors ------------------------------------------------------

    @classmethod
    def from_full(cls, full: NDArray[Any]) -> Mask:
        """Build a box-local mask from a full-size ``(height, width)`` array."""
        array = np.asarray(full, dtype=bool)
        if array.ndim != 2:
            raise ValueError(f"a full mask must be 2-D, got shape {array.shape}")
        height, width = array.shape
        return cls(array, (0, 0), (width, height)).tight()

    @classmethod
    def from_rle(cls, rle: dict[str, Any]) -> Mask:
        """Decode COCO *uncompressed* RLE (``{"size": [h, w], "counts": [...]}``).

        Only the box holding foreground is materialised.

        Raises:
            MaskDecodeError: Compressed (string) counts, or counts that do not add up.
        """
        return cls(*decode_rle(rle))

    # -- encoders ----------------------------------------------------------

    def to_rle(self) -> dict[str, Any]:
        """Full-image COCO uncompressed RLE, as pycocotools' ``frPyObjects`` expects.

        ``{"size": [height, width], "counts": [...]}``: column-major runs starting
        with background. Computed from the box alone; no full-size array.
        """
        return encode_rle(self._local, self._offset, self._resolution_wh)

    def to_png_base64(self) -> str:
        """The box-local mask as a base64 PNG (0/255, mode L), without a data-URI prefix.

        :func:`~langchain_gemini_vision.masks.decode_png_mask` with this mask's box reads it
        back unchanged.
        """
        buffer = io.BytesIO()
        Image.fromarray(self._local.astype(np.uint8) * 255, mode="L").save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    def to_polygon(self) -> list[tuple[int, int]]:
        """The outer contour of the largest region, as pixel-corner vertices in the image.

        The contour follows pixel edges (4-connected regions), clockwise on screen,
        with collinear vertices removed; ``[]`` for an empty mask. Holes are ignored.
        """
        x0, y0 = self._offset
        return [(x + x0, y + y0) for x, y in outer_contour(self._local)]

    # -- pydantic ----------------------------------------------------------

    def _to_payload(self) -> dict[str, Any]:
        return _MaskPayload(
            rle=local_rle(self._local), offset=self._offset, resolution_wh=self._resolution_wh
        ).model_dump(mode="json")

    @classmethod
    def _from_payload(cls, payload: _MaskPayload) -> Mask:
        h, w = payload.rle.size
        if h == 0 or w == 0:
            return cls(np.zeros((h, w), dtype=bool), payload.offset, payload.resolution_wh)
        found, (lx0, ly0), _ = decode_rle({"size": [h, w], "counts": payload.rle.counts})
        full_local = np.zeros((h, w), dtype=bool)
        full_local[ly0 : ly0 + found.shape[0], lx0 : lx0 + found.shape[1]] = found
        return cls(full_local, payload.offset, payload.resolution_wh)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validate from a Mask or its JSON payload; serialise as RLE + offset + size."""

        def from_payload(value: _MaskPayload) -> Mask:
            try:
                return cls._from_payload(value)
            except MaskDecodeError as exc:
                raise ValueError(str(exc)) from exc

        payload_schema = core_schema.no_info_after_validator_function(
            from_payload, handler.generate_schema(_MaskPayload)
        )
        return core_schema.json_or_python_schema(
            json_schema=payload_schema,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), payload_schema]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda mask: mask._to_payload()
            ),
        )
