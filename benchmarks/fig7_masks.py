"""Figure 7: decoding 100 segmentation masks on a 4000x3000 image.

Input: 100 PNG probability maps (256x256 grayscale, a soft ellipse each, base64
as Gemini 2.5 sends them) with pixel boxes drawn at random (seeded) in a
4000x3000 image, sides between 120 and 900 px.

* package: ``masks.decode_png_mask(value, box, (4000, 3000))`` for each: a
  box-local boolean array (resize into the box, threshold);
* reference (the cookbook's way): decode the PNG, resize it to its box with PIL,
  paste it thresholded into its own full-size ``numpy`` bool array, one per mask.

All 100 results are kept alive, as a caller holding the detections would. Time is
the median of ``mask_repeats`` runs in alternating order (no tracing), with the
range in the notes: the reference's time swings with the cost of first-touching
100 fresh 12 MB arrays, which on a VM depends on the host; peak memory is measured in a
separate run of each under ``tracemalloc`` (numpy reports its buffers to
tracemalloc, so both sides count their arrays). Both must agree: the first
masks are compared pixel for pixel (``to_full()`` vs the reference array).
"""

from __future__ import annotations

import base64
import gc
import io
import random
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from langchain_gemini_vision.masks import decode_png_mask

from ._common import Result, Sizes, check, median

SPEED_TARGET = 3.0
MEMORY_TARGET = 10.0


def probability_map(seed: int, side: int = 256) -> str:
    """A soft ellipse as a base64 grayscale PNG (values 0-255)."""
    rng = random.Random(seed)
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    for level in range(8):
        inset = 10 + level * 6 + rng.randint(0, 6)
        draw.ellipse((inset, inset + 4, side - inset, side - inset - 4), fill=40 + level * 30)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def boxes(n: int, width: int, height: int, seed: int = 7) -> list[tuple[int, int, int, int]]:
    """``n`` pixel boxes ``(x0, y0, x1, y1)`` inside the image."""
    rng = random.Random(seed)
    low, high = max(4, width * 3 // 100), max(8, width * 9 // 40)
    out = []
    for _ in range(n):
        w, h = rng.randint(low, high), rng.randint(low, high)
        x0, y0 = rng.randint(0, width - w), rng.randint(0, height - h)
        out.append((x0, y0, x0 + w, y0 + h))
    return out


def reference_decode(value: str, box: tuple[int, int, int, int], wh: tuple[int, int]) -> Any:
    """Cookbook style: resize to the box, paste into a full-size bool array."""
    x0, y0, x1, y1 = box
    with Image.open(io.BytesIO(base64.b64decode(value))) as png:
        resized = png.convert("L").resize((x1 - x0, y1 - y0), resample=Image.Resampling.BILINEAR)
    full = np.zeros((wh[1], wh[0]), dtype=bool)
    full[y0:y1, x0:x1] = np.asarray(resized) > 127
    return full


def _timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    kept = fn()
    elapsed = time.perf_counter() - start
    del kept
    return elapsed


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        kept = fn()
        _, peak = tracemalloc.get_traced_memory()
        del kept
    finally:
        tracemalloc.stop()
    return peak


def run(sizes: Sizes) -> list[Result]:
    """Speed-up and memory saving of box-local decoding."""
    wh = sizes.mask_image_wh
    values = [probability_map(i) for i in range(sizes.masks)]
    where = boxes(sizes.masks, *wh)

    def package() -> list[Any]:
        return [decode_png_mask(v, b, wh) for v, b in zip(values, where, strict=True)]

    def reference() -> list[Any]:
        return [reference_decode(v, b, wh) for v, b in zip(values, where, strict=True)]

    ours_masks, their_arrays = package(), reference()
    compared = min(5, len(ours_masks))
    identical = all(
        np.array_equal(ours_masks[i].to_full(), their_arrays[i]) for i in range(compared)
    )
    del ours_masks, their_arrays
    ours_t: list[float] = []
    theirs_t: list[float] = []
    for repeat in range(sizes.mask_repeats):
        pair = [(ours_t, package), (theirs_t, reference)]
        for samples, fn in pair if repeat % 2 == 0 else pair[::-1]:
            samples.append(_timed(fn))
    ours_time, their_time = median(ours_t), median(theirs_t)
    ours_peak, their_peak = _peak(package), _peak(reference)
    speedup = their_time / ours_time
    saving = their_peak / ours_peak
    common = (
        f"{sizes.masks} masks (256x256 PNG maps) on {wh[0]}x{wh[1]}, all kept alive; "
        f"first {compared} identical to the reference: {identical}"
    )
    return [
        Result(
            figure=f"7 decode {sizes.masks} masks on {wh[0]}x{wh[1]}: time",
            value=ours_time * 1e3,
            unit="ms",
            reference="PIL resize + paste into full-size bool arrays",
            reference_value=their_time * 1e3,
            ratio=speedup,
            target=f">= {SPEED_TARGET}x faster (ratio = reference / package)",
            met=check(speedup, ">=", SPEED_TARGET) and identical,
            notes=(
                f"{common}; median of {sizes.mask_repeats} (package {min(ours_t) * 1e3:.0f}-"
                f"{max(ours_t) * 1e3:.0f} ms, reference {min(theirs_t) * 1e3:.0f}-"
                f"{max(theirs_t) * 1e3:.0f} ms: the reference's first-touch page faults on "
                "100 fresh 12 MB arrays vary with the host)"
            ),
        ),
        Result(
            figure=f"7 decode {sizes.masks} masks on {wh[0]}x{wh[1]}: peak memory",
            value=ours_peak / 1e6,
            unit="MB",
            reference="PIL resize + paste into full-size bool arrays",
            reference_value=their_peak / 1e6,
            ratio=saving,
            target=f">= {MEMORY_TARGET}x less (ratio = reference / package)",
            met=check(saving, ">=", MEMORY_TARGET) and identical,
            notes=f"{common}; tracemalloc peak of Python and numpy allocations",
        ),
    ]
