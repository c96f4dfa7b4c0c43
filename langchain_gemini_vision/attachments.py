"""`GeminiAttachmentsMiddleware`: every image a user sends gets an id the model can name.

A LangChain 1.x agent (``langchain.agents.create_agent``) sees the images a user attaches,
but a tool cannot take them: tool arguments are text, and ``"latest"`` names only the
newest. This middleware gives each image in a user message an id (``img_1``, ``img_2``...,
counting on across turns) and keeps it in the agent's state, under ``image_attachments``;
the model is shown the id right after each image (a text block ``"image img_2"``), in the
request only: the conversation the application keeps stays the user's own. The vision
tools read those ids from the state LangGraph hands them (the injected ``runtime``), so:

* the model can name any attachment, two at once included (``compare(["img_1",
  "img_2"])``), and the same id names the same image for the rest of the conversation;
* an id lives in its conversation's state (the checkpointer's thread), so a second
  conversation on the same agent and toolkit cannot reach the first one's images: its
  ``img_1`` is its own, and an id it never saw is an unknown id.

The images are kept in the state as the user sent them (the content block), so an id
still resolves after older messages are trimmed or summarised. Needs the ``agents``
extra (``langchain``): ``pip install "langchain-gemini-vision[agents]"``.

Example:
    >>> agent = create_agent(  # doctest: +SKIP
    ...     model,
    ...     tools=GeminiVisionToolkit().get_tools(),
    ...     middleware=[GeminiAttachmentsMiddleware()],
    ...     checkpointer=InMemorySaver(),
    ... )
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Annotated, Any

from langchain_core.messages import AnyMessage, HumanMessage
from typing_extensions import NotRequired, TypedDict

from langchain_gemini_vision._tool_references import ATTACHMENTS
from langchain_gemini_vision.image_store import image_blocks

try:
    from langchain.agents.middleware import (
        AgentMiddleware,
        AgentState,
        ModelRequest,
        ModelResponse,
    )
    from langchain.agents.middleware.types import OmitFromInput
    from langgraph.runtime import Runtime
except ImportError as missing:  # pragma: no cover - the extra is installed where tested
    msg = (
        "GeminiAttachmentsMiddleware needs LangChain's agents: "
        'pip install "langchain-gemini-vision[agents]"'
    )
    raise ImportError(msg) from missing

__all__ = ["Attachment", "AttachmentsState", "GeminiAttachmentsMiddleware"]


class Attachment(TypedDict):
    """One image a user sent: the block itself and where it was sent."""

    image: dict[str, Any]
    """The image content block as the user sent it (LangChain's standard form)."""
    message_id: str
    """The id of the user message it came in."""
    index: int
    """Its place among that message's images (0 for the first)."""


def _merge(
    known: dict[str, Attachment] | None, new: dict[str, Attachment]
) -> dict[str, Attachment]:
    """The state's reducer: ids are only ever added."""
    return {**(known or {}), **new}


class AttachmentsState(AgentState[Any]):
    """The agent state with the conversation's attachments by id (the reducer last:
    LangGraph reads a field's reducer from its final annotation)."""

    image_attachments: NotRequired[Annotated[dict[str, Attachment], OmitFromInput, _merge]]


class GeminiAttachmentsMiddleware(AgentMiddleware[AttachmentsState, Any]):
    """Give each image a user sends in the conversation an id the vision tools resolve.

    Args:
        prefix: The ids' prefix (``"img_"`` gives ``img_1``, ``img_2``...). An
            application that also keeps an :class:`~langchain_gemini_vision.ImageStore`
            may give one of the two another prefix; where both hold an id, the
            conversation's attachment wins, as the model saw it there.
        label: How the model is shown an id, right after its image (``{id}`` is
            replaced).
    """

    state_schema = AttachmentsState

    def __init__(self, *, prefix: str = "img_", label: str = "image {id}") -> None:
        super().__init__()
        if "{id}" not in label:
            msg = f"label {label!r} must contain '{{id}}', where the image's id goes"
            raise ValueError(msg)
        self.prefix = prefix
        self.label = label

    # -- the state: new attachments get ids --------------------------------

    def before_model(self, state: AttachmentsState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        """Register the images of user messages that have no id yet."""
        return self._register(state)

    async def abefore_model(
        self, state: AttachmentsState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        """Register the images of user messages that have no id yet."""
        return self._register(state)

    def _register(self, state: AttachmentsState) -> dict[str, Any] | None:
        known = _known(state)
        placed = {(a["message_id"], a["index"]) for a in known.values()}
        new: dict[str, Attachment] = {}
        for message, index, block in _user_images(state["messages"]):
            if message.id is None or (message.id, index) in placed:
                continue
            image_id = self._next_id(known.keys() | new.keys())
            new[image_id] = Attachment(image=block, message_id=message.id, index=index)
        return {ATTACHMENTS: new} if new else None

    def _next_id(self, taken: set[str]) -> str:
        number = len(taken) + 1
        while f"{self.prefix}{number}" in taken:
            number += 1
        return f"{self.prefix}{number}"

    # -- the request: the model sees each id after its image ---------------

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        """Call the model with each attachment's id written after it."""
        return handler(self._shown(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        """Call the model with each attachment's id written after it."""
        return await handler(self._shown(request))

    def _shown(self, request: ModelRequest[Any]) -> ModelRequest[Any]:
        attachments = _known(request.state)
        ids = {(a["message_id"], a["index"]): image_id for image_id, a in attachments.items()}
        if not ids:
            return request
        messages = [self._labelled(message, ids) for message in request.messages]
        return request.override(messages=messages)

    def _labelled(self, message: AnyMessage, ids: dict[tuple[str, int], str]) -> AnyMessage:
        """A user message with a text block naming each registered image after it."""
        if not isinstance(message, HumanMessage) or message.id is None:
            return message
        raw = message.content if isinstance(message.content, list) else [message.content]
        standard = message.content_blocks
        # Keep the message's own blocks where each maps to one standard block; the
        # standard form otherwise.
        blocks: list[Any] = list(raw) if len(raw) == len(standard) else list(standard)
        labelled: list[Any] = []
        index = 0
        for block, reading in zip(blocks, standard, strict=True):
            labelled.append(block)
            if reading.get("type") != "image":
                continue
            image_id = ids.get((message.id, index))
            index += 1
            if image_id is not None:
                labelled.append({"type": "text", "text": self.label.format(id=image_id)})
        if len(labelled) == len(blocks):
            return message
        return message.model_copy(update={"content": labelled})


def _known(state: Mapping[str, Any]) -> dict[str, Attachment]:
    """The attachments a state holds by id (none yet: empty)."""
    found = state.get(ATTACHMENTS)
    return dict(found) if isinstance(found, Mapping) else {}


def _user_images(messages: list[AnyMessage]) -> Iterator[tuple[HumanMessage, int, dict[str, Any]]]:
    """Each image block of each user message: the message, its place, the block."""
    for message in messages:
        if not isinstance(message, HumanMessage):
            continue
        for index, block in enumerate(image_blocks(message)):
            yield message, index, block
