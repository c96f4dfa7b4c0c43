"""The emulator's generation: the Interactions API and generateContent, answered from pixels.

Every route that generates answers through :meth:`GenerationApi._answer`: the model
and its settings are checked (unknown ``gemini-*`` models speak like ``gemini-3``; any
other name is 404; ``thinking_level``/``thinking_budget`` values a family rejects are
400, see :data:`.dialects.DIALECTS`), each image is analysed (:mod:`.vision`), the task
is read from the prompt and schema (:mod:`.answers`) and the answer is written in the
model generation's dialect (:mod:`.dialects`). A reroute table
(``GeminiEmulator(reroutes={"gemini-2.5-pro": "gemini-3.8-flash"})``) answers a model's
requests as another model, as Gemini does once a model is retired: the request is
checked against the model asked for (it was valid for it), then answered in the other
model's dialect, under its name (``modelVersion``, the interaction's ``model``). A
:class:`~.degrade.Degradation` spoils spatial answers by computed amounts. EXIF
orientation is not applied: answers refer to the stored pixel frame. Token counts
follow the published formula (:mod:`langchain_gemini_vision.tokens`).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from aiohttp import web

from langchain_gemini_vision.profiles import MediaResolution
from langchain_gemini_vision.tokens import estimate_image_tokens

from ._api_errors import ApiError, bad_request
from ._emulator_embeddings import EMBED_METHODS, EmbeddingApi
from ._emulator_http import ARRIVED, FAULT, json_response, now, parse_json, request_key, timestamp
from ._emulator_quota import QuotaBook
from ._protocol import (
    ImagePart,
    ModelCall,
    dumps,
    parse_generate_content,
    parse_interaction,
)
from ._schema_fill import fill_schema
from ._schemas import schema_mask_kind
from .answers import build_answer, choose_task, parse_query
from .degrade import Degradation
from .dialects import Dialect, dialect_for, render_text, resolve_mask_form
from .vision import ImageAnalysis, ImageDecodeError

__all__ = ["Generation", "GenerationApi", "generate_content_reply"]

_BAD_IMAGE: Final = (
    "Unable to process input image. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting"
)
_MAX_INTERACTIONS: Final = 1024
_THOUGHT_SIGNATURE: Final = base64.b64encode(b"emulated-thought").decode()
# Up to this many frame pixels a request's answer is composed on the event loop.
_INLINE_COMPOSE_PIXELS = 256 * 256


@dataclass(frozen=True)
class Generation:
    """One answer: its text and its token counts."""

    text: str
    truncated: bool
    model: str
    """The model that answered (the one asked for, unless the reroute table says otherwise)."""
    input_text_tokens: int
    input_image_tokens: int
    output_tokens: int
    thought_tokens: int

    @property
    def input_tokens(self) -> int:
        return self.input_text_tokens + self.input_image_tokens

    @property
    def input_by_modality(self) -> tuple[tuple[str, int], ...]:
        """The input tokens per modality (``text``, ``image``), as both APIs report them."""
        return ("text", self.input_text_tokens), ("image", self.input_image_tokens)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.thought_tokens


def _split_text(text: str, chunk_tokens: int) -> list[str]:
    """The streamed pieces: ``chunk_tokens`` tokens (four characters) each."""
    size = 4 * chunk_tokens
    return [text[i : i + size] for i in range(0, len(text), size)] or [text]


class GenerationApi(EmbeddingApi):
    """The generation routes of the emulator (its requests may use uploaded files), and
    the embedding route beside them under ``models/``."""

    max_images: int
    stream_tokens_per_second: float | None
    stream_chunk_tokens: int
    quotas: QuotaBook
    reroutes: Mapping[str, str]
    """Model (name or prefix) -> the model that answers its requests instead."""
    degradation: Degradation | None
    """How spatial answers are spoiled (``None``: exact answers)."""
    _interactions: OrderedDict[str, dict[str, Any]]

    def _mount_generation(self, app: web.Application, v: str) -> None:
        app.router.add_post(f"/{v}/interactions", self._create_interaction)
        app.router.add_get(f"/{v}/interactions/{{id}}", self._get_interaction)
        app.router.add_delete(f"/{v}/interactions/{{id}}", self._delete_interaction)
        app.router.add_post(f"/{v}/interactions/{{id}}/cancel", self._get_interaction)
        app.router.add_post(f"/{v}/models/{{target}}", self._model_method)

    def _check_model(self, call: ModelCall, version: str, method: str) -> Dialect:
        if not call.model.lower().startswith("gemini-"):
            raise ApiError(
                404,
                f"models/{call.model} is not found for API version {version}, or is not "
                f"supported for {method}. Call ListModels to see the list of available "
                "models and their supported methods.",
            )
        dialect = dialect_for(call.model)
        if call.thinking_level is not None:
            if not dialect.thinking_levels:
                raise bad_request(f"Thinking level is not supported for this model ({call.model}).")
            if call.thinking_level not in dialect.thinking_levels:
                raise bad_request(
                    f"thinking_level {call.thinking_level!r} is not supported by {call.model}; "
                    f"use one of: {', '.join(sorted(dialect.thinking_levels))}."
                )
        if call.thinking_budget is not None and call.thinking_budget != -1:
            budget = dialect.thinking_budget
            if budget is None:
                raise bad_request(f"Thinking is not supported for this model ({call.model}).")
            low, high = budget
            if not low <= call.thinking_budget <= high:
                if call.thinking_budget == 0:
                    raise bad_request(
                        "Budget 0 is invalid. This model only works in thinking mode."
                    )
                raise bad_request(
                    f"The thinking budget {call.thinking_budget} is invalid. Please choose a "
                    f"value between {low} and {high}."
                )
        if len(call.images) > self.max_images:
            raise bad_request(
                f"Too many images in the request: {len(call.images)}; the limit is "
                f"{self.max_images} images per request."
            )
        return dialect

    def _thought_tokens(self, call: ModelCall, dialect: Dialect) -> int:
        if call.thinking_budget is not None and call.thinking_budget >= 0:
            return min(call.thinking_budget, dialect.default_thought_tokens)
        levels = {"minimal": 0, "low": 48, "medium": 256, "high": 512}
        if call.thinking_level is not None:
            return levels.get(call.thinking_level, dialect.default_thought_tokens)
        return dialect.default_thought_tokens

    def _answering_model(self, model: str) -> str:
        """The model that answers requests for ``model``: the longest reroute prefix's, or it."""
        name = model.lower()
        routes = [asked for asked in self.reroutes if name.startswith(asked.lower())]
        return self.reroutes[max(routes, key=len)] if routes else model

    async def _answer(
        self,
        call: ModelCall,
        body: Any,
        version: str,
        method: str,
        admit: Callable[[int], None] | None = None,
    ) -> Generation:
        """Check the model and settings, then generate: every route answers through here.
        ``admit`` sees the input tokens before the answer is written (a quota's check)."""
        dialect = self._check_model(call, version, method)
        answering = self._answering_model(call.model)
        if answering != call.model:
            call, dialect = replace(call, model=answering), dialect_for(answering)
        digest = hashlib.sha256(dumps(body)).hexdigest()
        return await self._generate(call, dialect, digest, admit)

    async def _generate(
        self,
        call: ModelCall,
        dialect: Dialect,
        digest: str,
        admit: Callable[[int], None] | None = None,
    ) -> Generation:
        analyses: list[ImageAnalysis] = []
        for image in call.images:
            try:
                analyses.append(await self._analyse(image.data))
            except ImageDecodeError:
                raise bad_request(
                    f"{_BAD_IMAGE} (the bytes at {image.where} do not decode as {image.mime_type})"
                ) from None
        text_chars = len(call.prompt) + len(call.system_instruction or "")
        image_tokens = sum(
            self._image_tokens(image, analysis, call, dialect)
            for image, analysis in zip(call.images, analyses, strict=True)
        )
        if admit is not None:
            admit(math.ceil(text_chars / 4) + image_tokens)
        compose = functools.partial(_compose, call, dialect, analyses, digest, self.degradation)
        if sum(a.frame_width * a.frame_height for a in analyses) <= _INLINE_COMPOSE_PIXELS:
            # Small frames compose in well under a millisecond: a thread hop would
            # cost more than it saves, and the GIL gives no parallelism anyway.
            text = compose()
        else:
            text = await asyncio.get_running_loop().run_in_executor(self._executor, compose)
        truncated = False
        if call.max_output_tokens is not None and len(text) > call.max_output_tokens * 4:
            text = text[: max(call.max_output_tokens, 0) * 4]
            truncated = True
        return Generation(
            text=text,
            truncated=truncated,
            model=call.model,
            input_text_tokens=math.ceil(text_chars / 4),
            input_image_tokens=image_tokens,
            output_tokens=math.ceil(len(text) / 4),
            thought_tokens=self._thought_tokens(call, dialect),
        )

    @staticmethod
    def _image_tokens(
        image: ImagePart, analysis: ImageAnalysis, call: ModelCall, dialect: Dialect
    ) -> int:
        resolution = image.resolution or call.media_resolution
        if dialect.family.startswith("gemini-2"):
            resolution = None  # 2.x bills by tiles
        level: MediaResolution | None = None
        for known in ("low", "medium", "high", "ultra_high"):
            if resolution == known:
                level = known
        return estimate_image_tokens(analysis.width, analysis.height, level)

    def _quota_check(self, request: web.Request, call: ModelCall) -> Callable[[int], None]:
        """Count the request against its key's quota (Gemini's 429 when over it), with the
        input tokens ``usage`` reports, before the answer is written. Batch items have
        quotas of their own."""
        key, arrived = request_key(request) or "", request.get(ARRIVED)
        return lambda tokens: self.quotas.charge(key, call.model, tokens, arrived=arrived)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{self._rng.getrandbits(80):020x}"

    # ------------------------------------------------------------ interactions

    async def _create_interaction(self, request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        body = parse_json(await request.read())
        call = parse_interaction(body, self._resolver(request))
        admit = self._quota_check(request, call)
        generation = await self._answer(call, body, version, "createInteraction", admit)
        created = timestamp(now())
        interaction_id = self._new_id("v1_")
        status = "incomplete" if generation.truncated else "completed"
        usage = {
            "total_input_tokens": generation.input_tokens,
            "total_output_tokens": generation.output_tokens,
            "total_thought_tokens": generation.thought_tokens,
            "total_tokens": generation.total_tokens,
            "input_tokens_by_modality": [
                {"modality": name, "tokens": n} for name, n in generation.input_by_modality
            ],
        }
        steps: list[dict[str, Any]] = []
        if generation.thought_tokens:
            steps.append({"type": "thought", "signature": _THOUGHT_SIGNATURE})
        output = {"type": "model_output", "content": [{"type": "text", "text": generation.text}]}
        steps.append(output)
        interaction: dict[str, Any] = {
            "id": interaction_id,
            "status": status,
            "model": generation.model,
            "object": "interaction",
            "created": created,
            "updated": timestamp(now()),
            "steps": steps,
            "usage": usage,
        }
        if call.system_instruction:
            interaction["system_instruction"] = call.system_instruction
        stored = {**interaction, "_input": body.get("input")}
        self._interactions[interaction_id] = stored
        while len(self._interactions) > _MAX_INTERACTIONS:
            self._interactions.popitem(last=False)
        if not call.stream:
            await self._whole_answer_time(generation)
            return json_response(interaction)
        brief = {k: interaction[k] for k in ("id", "model", "object", "created")}
        events: list[dict[str, Any]] = [
            {"event_type": "interaction.created", "interaction": {**brief, "status": "in_progress"}}
        ]
        index = 0
        if generation.thought_tokens:
            events += [
                {"event_type": "step.start", "index": 0, "step": steps[0]},
                {"event_type": "step.stop", "index": 0},
            ]
            index = 1
        events.append(
            {
                "event_type": "step.start",
                "index": index,
                "step": {"type": "model_output", "content": []},
            }
        )
        events += [
            {"event_type": "step.delta", "index": index, "delta": {"type": "text", "text": piece}}
            for piece in _split_text(generation.text, self.stream_chunk_tokens)
        ]
        events.append({"event_type": "step.stop", "index": index})
        completed = {**brief, "status": status, "updated": interaction["updated"], "usage": usage}
        events.append({"event_type": "interaction.completed", "interaction": completed})
        for number, event in enumerate(events):
            event["event_id"] = f"{interaction_id}:{number}"
        payloads = [f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]
        texts = [e["event_type"] == "step.delta" for e in events]
        return await self._stream(request, [*payloads, b"data: [DONE]\n\n"], [*texts, False])

    async def _whole_answer_time(self, generation: Generation) -> None:
        """At a set token rate, a whole answer is sent once its last token is written."""
        if self.stream_tokens_per_second:
            await asyncio.sleep(generation.output_tokens / self.stream_tokens_per_second)

    async def _stream(
        self, request: web.Request, chunks: list[bytes], texts: list[bool] | None = None
    ) -> web.StreamResponse:
        """Write ``chunks`` as server-sent events; those carrying text (``texts``, all by
        default) are paced at the emulator's token rate, the others go as they come."""
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        fault = request.get(FAULT)
        self.stats.responses[200] += 1
        await response.prepare(request)
        cut = len(chunks) // 2 if fault is not None and fault.kind == "truncate" else None
        # Paced from the first write on: text event n leaves n events' worth of tokens later.
        pace = self.stream_tokens_per_second
        interval = self.stream_chunk_tokens / pace if pace else 0.0
        start = asyncio.get_running_loop().time()
        written = 0  # text events so far
        for number, chunk in enumerate(chunks):
            if cut is not None and number == cut:
                transport = request.transport
                if transport is not None:
                    transport.abort()
                raise asyncio.CancelledError
            if texts is None or texts[number]:
                delay = start + written * interval - asyncio.get_running_loop().time()
                written += 1
                if interval and delay > 0:
                    await asyncio.sleep(delay)
            await response.write(chunk)
        await response.write_eof()
        return response

    def _interaction_or_404(self, request: web.Request) -> dict[str, Any]:
        interaction_id = request.match_info["id"]
        stored = self._interactions.get(interaction_id)
        if stored is None:
            raise ApiError(404, f"Interaction {interaction_id} not found.")
        return stored

    async def _get_interaction(self, request: web.Request) -> web.StreamResponse:
        stored = self._interaction_or_404(request)
        body = {k: v for k, v in stored.items() if not k.startswith("_")}
        if request.query.get("include_input", "").lower() == "true":
            raw = stored.get("_input")
            content = raw if isinstance(raw, list) else [{"type": "text", "text": raw}]
            if content and isinstance(content[0], dict) and content[0].get("type") == "user_input":
                body["steps"] = [*content, *body["steps"]]
            else:
                body["steps"] = [{"type": "user_input", "content": content}, *body["steps"]]
        return json_response(body)

    async def _delete_interaction(self, request: web.Request) -> web.StreamResponse:
        stored = self._interaction_or_404(request)
        self._interactions.pop(stored["id"], None)
        return json_response({})

    # ------------------------------------------------------------ generateContent

    async def _model_method(self, request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        model, _, method = request.match_info["target"].partition(":")
        if method in EMBED_METHODS:
            return await self._embed_contents(request, model)
        if method not in ("generateContent", "streamGenerateContent"):
            raise ApiError(404, f"Method not found: models/{model}:{method}")
        body = parse_json(await request.read())
        call = parse_generate_content(body, model, self._resolver(request), api_version=version)
        admit = self._quota_check(request, call)
        generation = await self._answer(call, body, version, method, admit)
        response_id = self._new_id("")

        def chunk(text: str, last: bool) -> dict[str, Any]:
            return generate_content_reply(call, generation, response_id, text, last=last)

        if method == "generateContent":
            await self._whole_answer_time(generation)
            return json_response(chunk(generation.text, last=True))
        pieces = _split_text(generation.text, self.stream_chunk_tokens)
        chunks = [
            b"data: " + dumps(chunk(p, last=i == len(pieces) - 1)) + b"\r\n\r\n"
            for i, p in enumerate(pieces)
        ]
        return await self._stream(request, chunks)


def generate_content_reply(
    call: ModelCall, generation: Generation, response_id: str, text: str, *, last: bool
) -> dict[str, Any]:
    """A ``GenerateContentResponse`` carrying ``text``: the whole answer, or one streamed
    chunk (``last`` adds the finish reason and the full usage), and a batch item's answer."""
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    }
    reply: dict[str, Any] = {"candidates": [candidate]}
    if last:
        candidate["finishReason"] = "MAX_TOKENS" if generation.truncated else "STOP"
        usage: dict[str, Any] = {
            "promptTokenCount": generation.input_tokens,
            "candidatesTokenCount": generation.output_tokens,
            "totalTokenCount": generation.total_tokens,
            "promptTokensDetails": [
                {"modality": name.upper(), "tokenCount": n}
                for name, n in generation.input_by_modality
            ],
        }
        if generation.thought_tokens:
            usage["thoughtsTokenCount"] = generation.thought_tokens
        reply["usageMetadata"] = usage
    else:
        reply["usageMetadata"] = {
            "promptTokenCount": generation.input_tokens,
            "totalTokenCount": generation.input_tokens,
        }
    reply["modelVersion"] = generation.model
    reply["responseId"] = response_id
    return reply


def _compose(
    call: ModelCall,
    dialect: Dialect,
    analyses: list[ImageAnalysis],
    digest: str,
    degradation: Degradation | None,
) -> str:
    """The answer text: task, computation, schema filling and dialect (CPU work)."""
    task = choose_task(call.prompt, call.schema, len(analyses))
    query = parse_query(call.prompt)
    mask_kind = schema_mask_kind(call.schema) if call.schema is not None else None
    mask_form = resolve_mask_form(dialect, mask_kind, query.wants_polygon)
    answer = build_answer(
        prompt=call.prompt,
        analyses=analyses,
        task=task,
        mask_form=mask_form,
        png_mask_size=dialect.png_mask_size,
        degradation=degradation,
    )
    has_schema = call.schema is not None
    value = fill_schema(call.schema, answer) if has_schema else None
    return render_text(
        answer,
        dialect,
        schema_value=value,
        has_schema=has_schema,
        json_mode=call.json_mode,
        request_digest=digest,
    )
