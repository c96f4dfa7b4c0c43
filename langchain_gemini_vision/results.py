"""Typed, JSON-serialisable results of every task, with converters in and out.

One :class:`DetectionResult` serves detection and segmentation, in the spirit of
supervision's ``Detections``: pixel boxes in the original image, labels,
optional scores and box-local masks, plus what is needed to trust the answer
(``warnings``, ``truncated``, ``raw_text``). Converters: :meth:`~DetectionResult.to_coco`,
:meth:`~DetectionResult.to_supervision` / :meth:`~DetectionResult.from_supervision`,
:meth:`~DetectionResult.to_json`, :meth:`~DetectionResult.summary` (the text an
LLM sees) and :meth:`~DetectionResult.draw`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision._label_ids import label_class_id
from langchain_gemini_vision._lazy import optional_module
from langchain_gemini_vision.geometry import xyxy_to_box_2d
from langchain_gemini_vision.masks import Mask
from langchain_gemini_vision.usage import Usage

if TYPE_CHECKING:
    from PIL import Image

    from langchain_gemini_vision.annotate import Drawable

__all__ = [
    "CLASS_NAME_DATA_KEY",
    "Caption",
    "Detection",
    "DetectionResult",
    "ImageComparison",
    "VisualAnswer",
    "label_class_id",
]

CLASS_NAME_DATA_KEY = "class_name"
"""Key of the label array in ``sv.Detections.data`` (supervision's own convention)."""

_SUMMARY_MAX_ITEMS = 50


class Detection(BaseModel):
    """One detected object.

    Example:
        >>> d = Detection(label="cat", box_2d=(100, 200, 500, 600), box=(128, 48, 384, 240))
        >>> d.width, d.height, d.center
        (256.0, 192.0, (256.0, 144.0))
    """

    model_config = ConfigDict(frozen=True)

    label: str = "object"
    """What the model called the object."""
    box_2d: tuple[float, float, float, float]
    """The box as the model gave it: ``(y_min, x_min, y_max, x_max)`` on 0-1000, after
    clamping and corner ordering."""
    box: tuple[float, float, float, float]
    """Pixel ``(x_min, y_min, x_max, y_max)`` in the original upright image."""
    score: float | None = None
    """Confidence in ``[0, 1]`` when the model gave one."""
    mask: Mask | None = None
    """Box-local segmentation mask, when one was returned and decoded."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Fields of the model's item this package does not interpret, kept verbatim."""

    @property
    def width(self) -> float:
        """Box width in pixels."""
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        """Box height in pixels."""
        return self.box[3] - self.box[1]

    @property
    def area(self) -> float:
        """Box area in square pixels (see ``mask.area`` for the mask's)."""
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        """Box centre ``(x, y)`` in pixels."""
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


class DetectionResult(BaseModel):
    """Everything found in one image, plus what is needed to trust it.

    Behaves like a sequence of :class:`Detection` (``len``, iteration, ``r[0]``,
    ``r[1:3]``), and converts to COCO, supervision, JSON and plain text.

    Example:
        >>> r = DetectionResult(
        ...     detections=[Detection(label="cat", box_2d=(0, 0, 500, 500), box=(0, 0, 50, 40))],
        ...     image_width=100,
        ...     image_height=80,
        ... )
        >>> len(r), r.labels, r.summary()
        (1, ['cat'], '1 object: cat at (0, 0, 50, 40) px')
        >>> DetectionResult.model_validate_json(r.to_json()) == r
        True
    """

    model_config = ConfigDict(frozen=True)

    detections: list[Detection] = Field(default_factory=list)
    """The objects, in the model's order."""
    image_width: int = Field(gt=0)
    """Width of the original upright image, in pixels."""
    image_height: int = Field(gt=0)
    """Height of the original upright image, in pixels."""
    model: str = ""
    """The model that answered."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens the call consumed."""
    raw_text: str = ""
    """The model's text, verbatim."""
    truncated: bool = False
    """The answer was cut off (output limit); objects may be missing."""
    warnings: list[str] = Field(default_factory=list)
    """What was repaired or dropped while parsing (clamped boxes, undecodable masks, ...)."""
    api: str | None = None
    """Which Gemini API answered (``"interactions"`` or ``"generate_content"``)."""
    elapsed_s: float | None = None
    """Wall-clock seconds of the call, when measured."""

    # -- container behaviour ----------------------------------------------

    def __len__(self) -> int:
        return len(self.detections)

    def __iter__(self) -> Iterator[Detection]:  # type: ignore[override]
        """Iterate over detections (not over fields, unlike a plain pydantic model)."""
        return iter(self.detections)

    @overload
    def __getitem__(self, index: int) -> Detection: ...
    @overload
    def __getitem__(self, index: slice) -> DetectionResult: ...
    def __getitem__(self, index: int | slice) -> Detection | DetectionResult:
        """``r[i]`` is a :class:`Detection`; ``r[i:j]`` a :class:`DetectionResult`."""
        if isinstance(index, slice):
            return self._with(self.detections[index])
        return self.detections[index]

    @property
    def resolution_wh(self) -> tuple[int, int]:
        """``(image_width, image_height)``."""
        return (self.image_width, self.image_height)

    @property
    def labels(self) -> list[str]:
        """Labels in order."""
        return [d.label for d in self.detections]

    @property
    def xyxy(self) -> NDArray[np.float64]:
        """Pixel boxes as an ``(N, 4)`` float array."""
        return np.array([d.box for d in self.detections], dtype=np.float64).reshape(-1, 4)

    def _with(self, detections: Iterable[Detection]) -> DetectionResult:
        return self.model_copy(update={"detections": list(detections)})

    def filter(
        self,
        *,
        labels: Iterable[str] | None = None,
        min_score: float | None = None,
        min_area: float | None = None,
        predicate: Callable[[Detection], bool] | None = None,
    ) -> DetectionResult:
        """Keep detections that pass every given test; everything else is kept as is.

        Args:
            labels: Keep only these labels (exact match).
            min_score: Keep scores ``>= min_score``; detections without a score are dropped.
            min_area: Keep box areas ``>= min_area`` square pixels.
            predicate: Any further test.

        Example:
            >>> r.filter(labels=["cat"], min_area=100)  # doctest: +SKIP
        """
        wanted = set(labels) if labels is not None else None

        def keep(d: Detection) -> bool:
            if wanted is not None and d.label not in wanted:
                return False
            if min_score is not None and (d.score is None or d.score < min_score):
                return False
            if min_area is not None and d.area < min_area:
                return False
            return predicate is None or predicate(d)

        return self._with(d for d in self.detections if keep(d))

    # -- converters ---------------------------------------------------------

    def to_json(self, *, indent: int | None = None) -> str:
        """The result as JSON (masks as box-local RLE); ``model_validate_json`` reads it back."""
        return self.model_dump_json(indent=indent)

    def to_coco(
        self,
        image_id: int = 1,
        category_ids: Mapping[str, int] | Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """A COCO dict with ``images``, ``annotations`` and ``categories``.

        ``bbox`` is ``[x, y, w, h]`` in pixels; ``area`` is the mask's pixel count
        when there is a mask, else the box area; ``segmentation`` is full-image
        uncompressed RLE (pycocotools reads it with ``frPyObjects``).

        Args:
            image_id: The image's COCO id.
            category_ids: Your category ids, as ``to_supervision``'s ``class_ids``: a
                mapping ``{"dog": 1, "cat": 2}`` or a list of names whose index is the id.
                By default each label's :func:`label_class_id`, the same in every
                result, so one dataset built from many images has one id per label.

        Raises:
            ValueError: A label is missing from ``category_ids``.
        """
        given = category_ids is not None
        category_ids = _class_id_table(self.labels, category_ids, name="category_ids")
        if not given:  # the categories of this image; given ids are listed in full
            category_ids = {label: category_ids[label] for label in sorted(set(self.labels))}
        annotations: list[dict[str, Any]] = []
        for i, d in enumerate(self.detections, start=1):
            x0, y0, x1, y1 = d.box
            ann: dict[str, Any] = {
                "id": i,
                "image_id": image_id,
                "category_id": category_ids[d.label],
                "bbox": [x0, y0, x1 - x0, y1 - y0],
                "area": float(d.mask.area) if d.mask is not None else d.area,
                "iscrowd": 0,
            }
            if d.mask is not None:
                ann["segmentation"] = d.mask.to_rle()
            if d.score is not None:
                ann["score"] = d.score
            annotations.append(ann)
        return {
            "images": [{"id": image_id, "width": self.image_width, "height": self.image_height}],
            "annotations": annotations,
            "categories": [
                {"id": cid, "name": name}
                for name, cid in sorted(category_ids.items(), key=lambda kv: kv[1])
            ],
        }

    def to_supervision(self, *, class_ids: Mapping[str, int] | Sequence[str] | None = None) -> Any:
        """An ``sv.Detections`` (needs the ``supervision`` extra).

        ``xyxy`` float32 ``(N, 4)``; ``mask`` full-size bool ``(N, H, W)`` when any
        detection has a mask (an empty mask stands in for the others), else ``None``;
        ``confidence`` only when every detection has a score; ``data["class_name"]``
        holds the labels. ``class_id`` is the same for a label in every result, so
        trackers and metrics see one class across images.

        Args:
            class_ids: Your class ids: a mapping ``{"dog": 0, "cat": 1}``, or a list of
                class names whose index is the id (``["person", "dog", "cat"]``, as
                supervision's examples number classes). By default each label's
                :func:`label_class_id` (a stable 31-bit number).

        Raises:
            ValueError: A label of this result is not in ``class_ids``.
            ImportError: supervision is not installed.

        Example:
            >>> result.to_supervision(class_ids=["person", "dog", "cat"])  # doctest: +SKIP
        """
        sv = optional_module("supervision", extra="supervision", needed_for="to_supervision()")
        ids = _class_id_table(self.labels, class_ids, name="class_ids")
        n = len(self.detections)
        mask = None
        if any(d.mask is not None for d in self.detections):
            mask = np.zeros((n, self.image_height, self.image_width), dtype=bool)
            for i, d in enumerate(self.detections):
                if d.mask is not None:
                    x0, y0, x1, y1 = d.mask.bbox_xyxy
                    mask[i, y0:y1, x0:x1] = d.mask.local
        scores = [d.score for d in self.detections]
        confidence = (
            np.array(scores, dtype=np.float32) if n and all(s is not None for s in scores) else None
        )
        return sv.Detections(
            xyxy=self.xyxy.astype(np.float32),
            mask=mask,
            class_id=np.array([ids[label] for label in self.labels], dtype=np.int64),
            confidence=confidence,
            data={CLASS_NAME_DATA_KEY: np.array(self.labels, dtype=str)},
        )

    @classmethod
    def from_supervision(
        cls,
        detections: Any,
        *,
        resolution_wh: tuple[int, int] | None = None,
        model: str = "",
    ) -> DetectionResult:
        """Build a result from an ``sv.Detections``.

        Labels come from ``data["class_name"]``, else ``class_id`` as text, else
        ``"object"``. Masks are stored box-locally.

        Args:
            detections: An ``sv.Detections``.
            resolution_wh: ``(width, height)``; optional when the detections carry masks.
            model: Recorded on the result.

        Raises:
            ValueError: No ``resolution_wh`` and no masks to read it from.
        """
        masks = detections.mask
        if resolution_wh is None:
            if masks is None:
                raise ValueError("from_supervision() needs resolution_wh when there are no masks")
            resolution_wh = (int(masks.shape[2]), int(masks.shape[1]))
        n = len(detections)
        names = detections.data.get(CLASS_NAME_DATA_KEY)
        class_ids = detections.class_id
        scores = detections.confidence
        items: list[Detection] = []
        for i in range(n):
            if names is not None:
                label = str(names[i])
            elif class_ids is not None:
                label = str(int(class_ids[i]))
            else:
                label = "object"
            x0, y0, x1, y1 = (float(v) for v in detections.xyxy[i])
            box = (x0, y0, x1, y1)
            items.append(
                Detection(
                    label=label,
                    box=box,
                    box_2d=xyxy_to_box_2d(box, resolution_wh),
                    score=float(scores[i]) if scores is not None else None,
                    mask=Mask.from_full(masks[i]) if masks is not None else None,
                )
            )
        return cls(
            detections=items,
            image_width=resolution_wh[0],
            image_height=resolution_wh[1],
            model=model,
        )

    def draw(self, image: Drawable, **kwargs: Any) -> Image.Image:
        """Draw boxes, labels and masks on ``image``; see :func:`annotate.draw_detections`.

        ``image`` is the picture the result is for, or a copy of it at another scale: a
        path or URL (``result.draw("kitchen.jpg")``), encoded bytes, a file object, a
        ``PreparedImage`` (read upright, as the client sends it), a PIL image or an array.

        Raises:
            ValueError: The image's shape is not the result's.
        """
        from langchain_gemini_vision.annotate import draw_detections

        return draw_detections(image, self, **kwargs)

    def summary(self, *, max_items: int = _SUMMARY_MAX_ITEMS) -> str:
        """A short text for an LLM: ``"2 objects: cat at (x0, y0, x1, y1) px; ..."``.

        Boxes are rounded pixel xyxy in the original image; scores appear when given;
        truncation and the image size are mentioned when relevant.
        """
        n = len(self.detections)
        if n == 0:
            text = "No objects found."
        else:
            parts = []
            for d in self.detections[:max_items]:
                x0, y0, x1, y1 = (round(v) for v in d.box)
                score = f" ({d.score:.2f})" if d.score is not None else ""
                masked = " with mask" if d.mask is not None else ""
                parts.append(f"{d.label}{score} at ({x0}, {y0}, {x1}, {y1}) px{masked}")
            if n > max_items:
                parts.append(f"and {n - max_items} more")
            text = f"{n} object{'s' if n != 1 else ''}: " + "; ".join(parts)
        if self.truncated:
            text += " (the answer was truncated; some objects may be missing)"
        return text


def _class_id_table(
    labels: Sequence[str], class_ids: Mapping[str, int] | Sequence[str] | None, *, name: str
) -> dict[str, int]:
    """Label -> class id for ``to_supervision`` and ``to_coco``: the caller's (``name``
    is their argument), or each label's stable id."""
    if class_ids is None:
        return {label: label_class_id(label) for label in labels}
    if isinstance(class_ids, str):
        raise TypeError(f"{name} must be a mapping or a list of class names, not a string")
    table = (
        {str(k): int(v) for k, v in class_ids.items()}
        if isinstance(class_ids, Mapping)
        else {name: index for index, name in reversed(list(enumerate(class_ids)))}
    )
    missing = sorted(set(labels) - set(table))
    if missing:
        raise ValueError(f"labels not in {name}: {missing}; add them, or filter them out first")
    return table


class Caption(BaseModel):
    """A caption of one image.

    Example:
        >>> Caption(text="A red circle on white.", model="gemini-3-flash").text
        'A red circle on white.'
    """

    model_config = ConfigDict(frozen=True)

    text: str
    """The caption."""
    model: str = ""
    """The model that answered."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens the call consumed."""
    warnings: list[str] = Field(default_factory=list)
    """What is worth knowing about the answer (another model answered than the one asked)."""


class ImageComparison(BaseModel):
    """How two or more images differ and agree.

    Example:
        >>> c = ImageComparison(summary="Same scene, one cup moved.", differences=["cup moved"])
        >>> c.differences
        ['cup moved']
    """

    model_config = ConfigDict(frozen=True)

    summary: str
    """One-paragraph answer."""
    differences: list[str] = Field(default_factory=list)
    """Differences, one per entry."""
    similarities: list[str] = Field(default_factory=list)
    """Similarities, one per entry."""
    model: str = ""
    """The model that answered."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens the call consumed."""
    warnings: list[str] = Field(default_factory=list)
    """What is worth knowing about the answer (another model answered than the one asked)."""


class VisualAnswer(BaseModel):
    """An answer to a free question, optionally structured by the caller's schema.

    Example:
        >>> VisualAnswer(text='{"count": 3}', data={"count": 3}).data["count"]
        3
    """

    model_config = ConfigDict(frozen=True)

    text: str
    """The model's text."""
    data: Any = None
    """The structured answer: ``None`` without a schema; the parsed JSON for a JSON-schema
    dict; an instance of the model for a pydantic model class (validated)."""
    model: str = ""
    """The model that answered."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens the call consumed."""
    truncated: bool = False
    """The model stopped at its output limit: the text may end mid-sentence."""
    warnings: list[str] = Field(default_factory=list)
    """What is worth knowing about the answer (another model answered than the one asked)."""
