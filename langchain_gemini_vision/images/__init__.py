"""Every accepted image input, turned into one :class:`PreparedImage`.

:func:`load_image` accepts paths, URLs, ``gs://`` URIs, Files API names, bytes,
file objects, base64 and ``data:`` strings, Pillow images, numpy arrays and
LangChain image content blocks. What it guarantees:

* the MIME type comes from the bytes (magic numbers), never from a file name or a
  caller's claim;
* PNG, JPEG, WEBP, HEIC and HEIF that need nothing travel byte for byte, measured
  from their headers without decoding a pixel; their structure is walked cheaply
  (JPEG markers up to EOI, PNG chunks up to IEND, the WEBP RIFF length) so a
  truncated file is refused, and bytes after the end of the image (a ZIP appended
  to a JPEG, a phone's motion-photo video, ...) are dropped rather than sent;
* any other raster format Pillow reads safely (GIF's first frame, BMP, TIFF, ICO,
  ...) and CMYK JPEGs are converted to 8-bit RGB/RGBA PNG (``converted_from`` says
  from what); 16-bit PNGs stay as they are (they are PNG);
* an EXIF orientation other than 1 is applied, so the model sees the image upright
  (only IFD0's orientation tag is read, never the rest of the EXIF);
  ``width``/``height`` describe what is sent, ``original_*`` the upright image before
  any downscale, so a normalised box maps straight back onto the original;
* every decode is bounded in memory before it starts (:mod:`.decode_budget`): an
  estimate from the header over ``max_decode_bytes`` is refused (a JPEG is decoded at
  1/2, 1/4 or 1/8 size instead when that fits), and concurrent decodes share one
  :class:`~langchain_gemini_vision.decode_budget.DecodeBudget`; only a GIF's first
  frame is read, and a JPEG's marker segments are counted before Pillow walks them;
* local files are read only inside ``allowed_dirs`` when given, opened so that the
  file read is the file checked (:mod:`._local_files`);
* every failure is an :class:`~langchain_gemini_vision.errors.ImageInputError` with a
  reason; no Pillow or OS exception escapes.

The package, one module per part:

* :mod:`.model`: :class:`PreparedImage`, the limits of a request, the inline budget;
* :mod:`.options`: the loaders' keyword arguments, checked once;
* :mod:`.references`: what a string reference is (:func:`classify_reference`, pure;
  the tools and the command line read references through it too);
* :mod:`.local_files`: reading a local file only inside the allowed folders;
* :mod:`.pixels`: Pillow work within the decode budget;
* :mod:`.prepare`: bytes in any format (and PIL images, arrays) to a ``PreparedImage``;
* :mod:`.sources`: each kind of source, read;
* :mod:`.load`: :func:`load_image`, :func:`load_images` and their async twins.
"""

from __future__ import annotations

from langchain_gemini_vision._lazy import renamed_names
from langchain_gemini_vision.decode_budget import DEFAULT_MAX_DECODE_BYTES, DecodeBudget
from langchain_gemini_vision.image_formats import sniff_mime_type
from langchain_gemini_vision.images.load import aload_image, aload_images, load_image, load_images
from langchain_gemini_vision.images.model import (
    MAX_IMAGES_PER_REQUEST,
    SUPPORTED_MIME_TYPES,
    ImageSource,
    Placement,
    PreparedImage,
    base64_size,
    fit_inline_budget,
)
from langchain_gemini_vision.images.options import DEFAULT_MAX_FILE_BYTES, ImageOptions
from langchain_gemini_vision.images.references import (
    ImageReference,
    ReferenceKind,
    classify_reference,
    is_image_data,
)
from langchain_gemini_vision.profiles import DEFAULT_INLINE_LIMIT_BYTES

__all__ = [
    "DEFAULT_INLINE_LIMIT_BYTES",
    "DEFAULT_MAX_DECODE_BYTES",
    "DEFAULT_MAX_FILE_BYTES",
    "MAX_IMAGES_PER_REQUEST",
    "SUPPORTED_MIME_TYPES",
    "DecodeBudget",
    "ImageOptions",
    "ImageReference",
    "ImageSource",
    "Placement",
    "PreparedImage",
    "ReferenceKind",
    "aload_image",
    "aload_images",
    "base64_size",
    "classify_reference",
    "fit_inline_budget",
    "is_image_data",
    "load_image",
    "load_images",
    "sniff_mime_type",
]

# ``Transport`` was the old name of ``Placement`` (the client's transport is another idea).
__getattr__ = renamed_names(__name__, {"Transport": "Placement"}, globals())
