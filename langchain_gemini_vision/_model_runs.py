"""A task call as LangChain's callbacks see a chat model's: a child run with its usage.

Each Runnable call opens a child chat-model run of its chain run (``on_chat_model_start``
with the model, API and task) and ends it with an ``AIMessage`` carrying
``usage_metadata`` and ``response_metadata["model_name"]``: the shape every consumer
of token usage reads (LangSmith's token and cost columns,
``get_usage_metadata_callback()``, any handler's ``on_llm_end``). A streamed call
hands each piece of the model's text to ``on_llm_new_token`` first. The prompt shown
describes the images without their payloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, LLMResult

from langchain_gemini_vision._trace_images import describe_image, describe_text
from langchain_gemini_vision.usage import Usage

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForChainRun,
        AsyncCallbackManagerForLLMRun,
        BaseCallbackManager,
        CallbackManagerForChainRun,
        CallbackManagerForLLMRun,
    )
    from pydantic import BaseModel

    from langchain_gemini_vision.client import GeminiVisionClient
    from langchain_gemini_vision.tasks import Task

__all__ = [
    "astart_model_runs",
    "model_result",
    "start_model_runs",
    "token_chunk",
    "trace_prompt",
    "usage_metadata",
]

_PROVIDER = "google_genai"

CallParts = tuple["Task[Any, Any]", list[Any], Mapping[str, Any]]
"""One call as its trace shows it: the task, its images and its options."""


def usage_metadata(usage: Usage) -> UsageMetadata:
    """LangChain's ``UsageMetadata`` for a Gemini :class:`Usage` (thinking counts as output)."""
    meta = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens + usage.thought_tokens,
        total_tokens=usage.total_tokens
        or usage.input_tokens + usage.output_tokens + usage.thought_tokens,
    )
    if usage.thought_tokens:
        meta["output_token_details"] = {"reasoning": usage.thought_tokens}
    return meta


def trace_prompt(task: Task[Any, Any], images: list[Any], options: Mapping[str, Any]) -> str:
    """The prompt a trace shows: the task, its text, and each image described."""
    described = ", ".join(describe_image(image) for image in images)
    text = options.get(task.text_option or "")
    head = f"{task.name}: {text}" if text else task.name
    return f"{head}\n[images: {described}]"


def start_model_runs(
    run_manager: CallbackManagerForChainRun,
    client: GeminiVisionClient,
    call: CallParts,
) -> list[CallbackManagerForLLMRun]:
    """Open the call's chat-model run(s) under ``run_manager``'s chain run: none, and no
    image described, when no callback listens (describing costs as much as the call's
    own work)."""
    if not run_manager.handlers:
        return []
    child = run_manager.get_child()
    serialized, messages, extra = _start_args(child, client, call)
    return child.on_chat_model_start(serialized, messages, **extra)


async def astart_model_runs(
    run_manager: AsyncCallbackManagerForChainRun,
    client: GeminiVisionClient,
    call: CallParts,
) -> list[AsyncCallbackManagerForLLMRun]:
    """Async :func:`start_model_runs`."""
    if not run_manager.handlers:
        return []
    child = run_manager.get_child()
    serialized, messages, extra = _start_args(child, client, call)
    return await child.on_chat_model_start(serialized, messages, **extra)


def model_result(task: Task[Any, Any], result: BaseModel, model: str) -> LLMResult:
    """What ends the chat-model run: the model's text, its usage and model name."""
    usage = getattr(result, "usage", None)
    usage = usage if isinstance(usage, Usage) else Usage()
    name = str(getattr(result, "model", "") or model)
    message = AIMessage(
        content=_result_text(task, result),
        usage_metadata=usage_metadata(usage),
        response_metadata={"model_name": name, "model_provider": _PROVIDER},
    )
    return LLMResult(
        generations=[[ChatGeneration(message=message)]],
        llm_output={"model_name": name, "token_usage": usage.model_dump()},
    )


def token_chunk(text: str) -> ChatGenerationChunk:
    """A piece of the model's streamed text, as a chat model's ``on_llm_new_token`` gives it."""
    return ChatGenerationChunk(message=AIMessageChunk(content=text))


def _result_text(task: Task[Any, Any], result: BaseModel) -> str:
    """What the model said: its raw text or text when the result keeps it."""
    for name in ("raw_text", "text"):
        text = getattr(result, name, None)
        if isinstance(text, str) and text:
            return describe_text(text)  # masks come back as PNGs in the text
    return describe_text(task.tool_text(result))


def _start_args(
    child: BaseCallbackManager,
    client: GeminiVisionClient,
    call: CallParts,
) -> tuple[dict[str, Any], list[list[BaseMessage]], dict[str, Any]]:
    """What opens a chat-model run under ``child`` (which gets LangSmith's model metadata)."""
    child.add_metadata(_ls_metadata(client), inherit=False)
    task = call[0]
    prompt = trace_prompt(*call)
    serialized = {
        "name": "GeminiVisionClient",
        "lc": 1,
        "type": "not_implemented",
        "id": ["langchain_gemini_vision", "client", "GeminiVisionClient"],
    }
    params = {"model": client.model, "api": client.api, "task": task.name, "_type": "gemini-vision"}
    return (
        serialized,
        [[HumanMessage(content=prompt)]],
        {
            "invocation_params": params,
            "name": client.model,
        },
    )


def _ls_metadata(client: GeminiVisionClient) -> dict[str, Any]:
    return {"ls_provider": _PROVIDER, "ls_model_name": client.model, "ls_model_type": "chat"}
