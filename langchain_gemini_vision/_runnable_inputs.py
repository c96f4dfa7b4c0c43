"""What a Runnable takes: an input split into its images and options, and its type.

:func:`split_input` reads one input (an image, a list of them, or the request dict
with ``image``/``images`` and the task's options by name); :func:`input_type` is the
same input as a type, built from the task's options model in the registry, which a
Runnable's ``InputType`` and ``get_input_schema()`` give.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import ConfigDict, Field, create_model

from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.settings import accepted_names
from langchain_gemini_vision.tasks import Task

__all__ = ["input_type", "one_image", "split_input"]

_TEXT_KEYS = ("prompt", "query", "question")
"""Input keys that name a task's text option, whatever the task calls it."""
_IMAGE_KEYS = frozenset({"image", "images"})


def _is_request_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and not _IMAGE_KEYS.isdisjoint(value)


def split_input(task: Task[Any, Any], value: Any) -> tuple[list[Any], dict[str, Any]]:
    """A Runnable input as its images and the options it gives (``None``: not given)."""
    if not _is_request_dict(value):
        if not task.single and isinstance(value, (list, tuple)):
            return list(value), {}
        return [value], {}
    mapping: Mapping[str, Any] = value
    text_keys = set(_TEXT_KEYS) if task.text_option else set()
    option_keys = accepted_names(task.options)
    unknown = sorted(set(mapping) - _IMAGE_KEYS - text_keys - option_keys)
    if unknown:
        named = ", ".join(repr(k) for k in sorted(option_keys | text_keys))
        msg = f"unknown input key(s) {unknown}; expected 'image' or 'images' and {named}"
        raise ValueError(msg)
    if "image" in mapping and "images" in mapping:
        msg = "give either 'image' or 'images', not both"
        raise ValueError(msg)
    if "images" in mapping:
        images = mapping["images"]
        image_list = list(images) if isinstance(images, (list, tuple)) else [images]
    else:
        image_list = [mapping["image"]]
    options = {k: v for k, v in mapping.items() if k in option_keys and k not in text_keys}
    spelled = sorted(text_keys | ({task.text_option} if task.text_option else set()))
    texts = [mapping[k] for k in spelled if mapping.get(k) is not None]
    if len(texts) > 1:
        msg = f"give one of {', '.join(repr(k) for k in spelled)}, not several"
        raise ValueError(msg)
    if texts and task.text_option:
        options[task.text_option] = texts[0]
    return image_list, options


def one_image(task: Task[Any, Any], images: list[Any]) -> list[Any]:
    """``images``, refused unless one for a task that takes exactly one."""
    if task.single and len(images) != 1:
        raise ImageInputError(
            f"{len(images)} images",
            "too_many_images" if images else "invalid_reference",
            f"{task.name} takes exactly one image; use batch() for several",
        )
    return images


_REFERENCE_HELP = (
    "An image: a path, an http(s):// or gs:// URL, a Files API name ('files/abc123'), "
    "base64 or a data: URI (in Python also bytes, a PIL image, a numpy array, a content "
    "block or a PreparedImage)."
)


@functools.cache
def input_type(task: Task[Any, Any]) -> Any:
    """What a task's Runnable takes, as a type (its ``get_input_schema()``): an image
    reference, a list of them for a task that takes several, or the request dict of its
    image(s) and its options (names, types, bounds and descriptions from the task's
    options model)."""
    reference = Annotated[str, Field(description=_REFERENCE_HELP)]
    title = "".join(part.title() for part in task.name.split("_"))
    fields: dict[str, Any] = {}
    if task.single:
        fields["image"] = (reference, ...)
    else:
        count = Field(min_length=task.min_images, max_length=task.max_images)
        fields["images"] = (list[reference], count)
    for name, info in task.options.model_fields.items():
        fields[name] = (info.annotation, info)
    request = create_model(
        f"{title}Request",
        __config__=ConfigDict(extra="forbid", populate_by_name=True),
        __doc__=f"A {task.name} request: its image(s) and options by name.",
        __module__=__name__,
        **fields,
    )
    if task.single:
        return reference | request
    several = Annotated[list[reference], count]
    return (reference | several | request) if task.min_images <= 1 else (several | request)
