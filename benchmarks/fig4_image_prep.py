"""Figure 4: preparing a 12 MP JPEG for a request, against base64 of the file alone.

A 4000x3000 photo-like JPEG (smooth gradients plus grain, quality 90) is written
to a temporary folder twice: without an orientation tag, and with EXIF
orientation 6 (stored sideways, as phones do).

* measured: ``load_image(path).base64_data``: what a request needs: the bytes
  read, the type sniffed, the size read from the header, the JPEG markers walked
  to the end of the image, the SHA-256 taken, the base64 computed; no pixel is
  decoded when no orientation needs applying;
* reference: ``base64.b64encode(path.read_bytes())`` (the brief's reference); the
  notes also give the ratio against ``...decode("ascii")``, the text a JSON body needs.

Both are timed interleaved, ``prep_repeats`` times; the median is reported.
With orientation 6 the package must decode, transpose and re-encode the image so
the model sees it upright: that row is reported as it is, against the same reference.
"""

from __future__ import annotations

import base64
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from langchain_gemini_vision.images import load_image

from ._common import Result, Sizes, check, median, ratio

TARGET = 1.2


def photo_like_jpeg(path: Path, width: int, height: int, orientation: int | None) -> int:
    """Write a photo-like JPEG (optionally with an EXIF orientation); return its size."""
    rng = np.random.default_rng(4)
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    channels = [
        120 + 80 * np.sin(6.0 * x + 2.0 * y),
        120 + 80 * np.cos(4.0 * y - 3.0 * x),
        120 + 70 * np.sin(5.0 * (x + y)),
    ]
    pixels = np.stack(channels, axis=-1)
    pixels += rng.normal(0.0, 10.0, size=pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path.stat().st_size


def _time(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(sizes: Sizes) -> list[Result]:
    """Upright JPEG (target) and orientation-6 JPEG (reported)."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="lgv-bench-") as folder:
        for orientation in (None, 6):
            path = Path(folder) / f"photo-{orientation or 'upright'}.jpg"
            size = photo_like_jpeg(path, sizes.prep_width, sizes.prep_height, orientation)
            prepared = load_image(path)
            untouched = prepared.data == path.read_bytes()

            def package(path: Path = path) -> str:
                return load_image(path).base64_data

            def reference(path: Path = path) -> bytes:
                return base64.b64encode(path.read_bytes())

            def reference_text(path: Path = path) -> str:
                return base64.b64encode(path.read_bytes()).decode("ascii")

            package(), reference(), reference_text()  # page cache, imports
            ours: list[float] = []
            theirs: list[float] = []
            theirs_text: list[float] = []
            timers = [(ours, package), (theirs, reference), (theirs_text, reference_text)]
            for repeat in range(sizes.prep_repeats):
                shift = repeat % len(timers)  # rotate: no one always runs first
                for samples, fn in timers[shift:] + timers[:shift]:
                    samples.append(_time(fn))
            value, ref, ref_text = median(ours), median(theirs), median(theirs_text)
            r = ratio(value, ref)
            megapixels = sizes.prep_width * sizes.prep_height / 1e6
            if orientation is None:
                label = f"4 load_image, {megapixels:g} MP JPEG, no orientation tag"
                target, met = f"<= {TARGET}x", check(r, "<=", TARGET) and untouched
            else:
                label = f"4 load_image, {megapixels:g} MP JPEG, EXIF orientation {orientation}"
                target, met = "report (decode + transpose + re-encode expected)", None
            results.append(
                Result(
                    figure=label,
                    value=value * 1e3,
                    unit="ms",
                    reference="read file + base64.b64encode",
                    reference_value=ref * 1e3,
                    ratio=r,
                    target=target,
                    met=met,
                    notes=(
                        f"against read + b64encode + .decode('ascii') (a JSON body needs text): "
                        f"{ratio(value, ref_text):.2f}x ({ref_text * 1e3:.1f} ms); "
                        f"file {size / 1e6:.1f} MB; sent bytes identical to the file: {untouched}; "
                        f"exif_orientation applied: {prepared.exif_orientation}; "
                        f"sent {prepared.width}x{prepared.height} {prepared.mime_type} "
                        f"({prepared.size_bytes / 1e6:.1f} MB); median of {sizes.prep_repeats}"
                    ),
                )
            )
    return results
