"""An agent that answers questions about images with the Gemini vision tools.

The application registers the user's image in an ``ImageStore`` and tells the
model its id; the model calls the tools with that id (never with image bytes),
reads the concise tool answers and replies. Tool errors (an unknown id, a
refused URL or path) come back to the model as error messages it can act on.

Run it live (needs ``pip install langchain langchain-google-genai`` and a key)::

    GEMINI_API_KEY=... python examples/agent_example.py [image-path] ["question"]

The tests run :func:`main` against the local emulator with a scripted chat model.
"""

from __future__ import annotations

import sys
from importlib import resources
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.toolkit import GeminiVisionToolkit

SYSTEM_PROMPT = (
    "You answer questions about images with the gemini_* tools. Images are given to you "
    "as ids such as 'img_1': pass those ids as the tools' image arguments, never image "
    "data. Use gemini_detect_objects to count or locate objects. If a tool reports an "
    "error, correct the argument or say what went wrong."
)


def default_chat_model() -> BaseChatModel:
    """``ChatGoogleGenerativeAI`` when langchain-google-genai is installed."""
    try:
        from langchain_google_genai import ChatGoogleGenerativeAI  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = (
            "this example drives the tools with ChatGoogleGenerativeAI: "
            "pip install langchain-google-genai (or pass chat_model=...)"
        )
        raise SystemExit(msg) from exc
    return ChatGoogleGenerativeAI(model="gemini-3-flash-preview")  # type: ignore[no-any-return]


def sample_image() -> bytes:
    """A photo bundled with the package."""
    return (resources.files("langchain_gemini_vision") / "samples" / "coffee.jpg").read_bytes()


def main(
    image: Any = None,
    question: str = "How many objects are in the image?",
    *,
    chat_model: BaseChatModel | None = None,
    client: GeminiVisionClient | None = None,
) -> dict[str, Any]:
    """Ask ``question`` about ``image`` through an agent; return the final state.

    Args:
        image: Any image the client accepts (bytes, a path, a URL); a bundled sample by default.
        question: What to ask.
        chat_model: The agent's model; ``ChatGoogleGenerativeAI`` by default.
        client: The vision client; one reading ``GEMINI_API_KEY`` by default.

    Returns:
        The agent's final state: ``messages`` (the last one is the answer).
    """
    store = ImageStore()
    image_id = store.add(image if image is not None else sample_image())
    toolkit = GeminiVisionToolkit(
        client=client or GeminiVisionClient(),
        image_store=store,
        allow_latest_image=True,
        include=["caption", "detect", "ask"],
    )
    agent = create_agent(
        chat_model or default_chat_model(),
        tools=toolkit.get_tools(),
        system_prompt=SYSTEM_PROMPT,
    )
    state: dict[str, Any] = agent.invoke(
        {"messages": [{"role": "user", "content": f"Image {image_id}: {question}"}]}
    )
    return state


def final_answer(state: dict[str, Any]) -> str:
    """The text of the agent's last message."""
    messages: list[BaseMessage] = state["messages"]
    last = messages[-1]
    return last.text if isinstance(last, AIMessage) else str(last.content)


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else None
    asked = sys.argv[2] if len(sys.argv) > 2 else "How many objects are in the image?"
    source = open(path, "rb").read() if path else None  # noqa: PTH123, SIM115
    print(final_answer(main(source, asked)))
