"""A scripted chat model for agent tests: it emits tool calls and reads tool results."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field

Step = Callable[[list[BaseMessage]], AIMessage]


class ScriptedChatModel(GenericFakeChatModel):
    """``GenericFakeChatModel`` that can be bound to tools and whose turns see the conversation.

    Each step is a function of the messages so far, so a scripted "model" can read
    a ``ToolMessage`` (and its artifact) and answer from it.
    """

    messages: Iterator[AIMessage | str] = iter(())
    steps: list[Step]
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[Any] = Field(default_factory=list)

    def bind_tools(
        self, tools: Sequence[Any], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        self.bound_tools = [t.name if isinstance(t, BaseTool) else t for t in tools]
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.seen.append(list(messages))
        step = self.steps[len(self.seen) - 1]
        return ChatResult(generations=[ChatGeneration(message=step(messages))])


def tool_call(name: str, args: dict[str, Any], call_id: str) -> Step:
    """A step that asks for one tool call."""
    return lambda _messages: AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": call_id}]
    )
