"""The emulator's embedding route: ``models/{model}:batchEmbedContents``, from pixels and words.

The vectors are computed by :mod:`.embedding_space` (images through the same pixel
analysis every other answer uses). What it checks, as Gemini does: the body against
the SDK's request types (:mod:`.request_schema`), the model (a ``gemini-embedding-*``
name; ``gemini-embedding-001`` takes text only), at most 100 requests a call and six
images a content. It reports usage as ``promptTokenCount``: text at four characters a
token, images by the published formula.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from aiohttp import web

from langchain_gemini_vision.tokens import estimate_image_tokens

from ._api_errors import ApiError, bad_request
from ._emulator_files import FilesApi
from ._emulator_http import json_response, parse_json
from ._protocol import EmbedInput, parse_batch_embed
from .embedding_space import embed_concepts, image_concepts, text_concepts
from .vision import ImageDecodeError

__all__ = ["EMBED_METHODS", "EmbeddingApi"]

EMBED_METHODS: Final = frozenset({"batchEmbedContents"})
_MAX_REQUESTS: Final = 100
_MAX_IMAGES: Final = 6
_TEXT_ONLY: Final = ("gemini-embedding-001", "text-embedding", "embedding-")


class EmbeddingApi(FilesApi):
    """The embedding route of the emulator (its images may be uploaded files)."""

    async def _embed_contents(self, request: web.Request, model: str) -> web.StreamResponse:
        version = request.match_info["version"]
        if "embedding" not in model:
            raise ApiError(
                404,
                f"models/{model} is not found for API version {version}, or is not supported "
                "for batchEmbedContents. Call ListModels to see the list of available models "
                "and their supported methods.",
            )
        body = parse_json(await request.read())
        inputs = parse_batch_embed(body, model, self._resolver(request), api_version=version)
        if len(inputs) > _MAX_REQUESTS:
            raise bad_request(
                f"* BatchEmbedContentsRequest.requests: at most {_MAX_REQUESTS} requests are "
                f"allowed per batch, got {len(inputs)}"
            )
        embeddings, tokens = [], 0
        for index, entry in enumerate(inputs):
            if entry.images and model.startswith(_TEXT_ONLY):
                raise bad_request(f"requests[{index}]: {model} embeds text only")
            if len(entry.images) > _MAX_IMAGES:
                raise bad_request(
                    f"requests[{index}]: at most {_MAX_IMAGES} images per content, "
                    f"got {len(entry.images)}"
                )
            vector, used = await self._embedding(entry)
            embeddings.append({"values": vector})
            tokens += used
        return json_response(
            {
                "embeddings": embeddings,
                "usageMetadata": {"promptTokenCount": tokens, "totalTokenCount": tokens},
            }
        )

    async def _embedding(self, entry: EmbedInput) -> tuple[list[float], int]:
        """One content's vector (its parts' concepts added) and its input tokens."""
        concepts = [text_concepts(text) for text in entry.texts]
        tokens = math.ceil(sum(len(text) for text in entry.texts) / 4)
        for image in entry.images:
            try:
                analysis = await self._analyse(image.data)
            except ImageDecodeError:
                raise bad_request(
                    f"Unable to process input image (the bytes at {image.where} do not "
                    f"decode as {image.mime_type})"
                ) from None
            concepts.append(image_concepts(analysis))
            tokens += estimate_image_tokens(analysis.width, analysis.height, None)
        return embed_concepts(np.sum(concepts, axis=0), entry.output_dimensionality), tokens
