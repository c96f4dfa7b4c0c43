"""Every client setting reaches the client of the Runnables, Tools, Toolkit and Loader.

Issue 15 items 7 (every setting accepted), 8 (misspelt names raise), 9 (a change takes
effect), 12 (one key rule); issue 16 item 11 (no key in a pickle); issue 17 item 2
(one settings object; the tools' folders have their own name).
"""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import pickle
import re
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.stores import InMemoryByteStore
from langchain_core.tools import BaseTool
from PIL import Image

from langchain_gemini_vision import GeminiVisionSettings, Prompts, RetryPolicy
from langchain_gemini_vision._url_safety import UrlPolicy
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import (
    ConfigurationError,
    GeminiVisionServerError,
    ImageInputError,
)
from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.profiles import profile_for
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.runnables import (
    GeminiAskRunnable,
    GeminiCaptionRunnable,
    GeminiCompareRunnable,
    GeminiDetectRunnable,
    GeminiSegmentRunnable,
)
from langchain_gemini_vision.testing import GeminiEmulator, Scene
from langchain_gemini_vision.toolkit import GeminiVisionToolkit
from langchain_gemini_vision.tools import (
    GeminiAskTool,
    GeminiCaptionTool,
    GeminiCompareTool,
    GeminiDetectTool,
    GeminiSegmentTool,
)

SECRET = "AIza" + "SyTHIS-IS-A-SECRET-KEY-0123456789"
RUNNABLES: list[type[Any]] = [
    GeminiCaptionRunnable,
    GeminiCompareRunnable,
    GeminiDetectRunnable,
    GeminiSegmentRunnable,
    GeminiAskRunnable,
]
TOOLS: list[type[Any]] = [
    GeminiCaptionTool,
    GeminiCompareTool,
    GeminiDetectTool,
    GeminiSegmentTool,
    GeminiAskTool,
]
OWNERS = [*RUNNABLES, *TOOLS, GeminiVisionToolkit, GeminiImageLoader]
TOOL_OWNERS = {*TOOLS, GeminiVisionToolkit}
"""Tools and the Toolkit: ``allowed_dirs`` there is the deprecated name of ``reference_dirs``."""


def _name(owner: type[Any]) -> str:
    return owner.__name__


def _make(owner: type[Any], **kwargs: Any) -> Any:
    if owner is GeminiImageLoader:
        return GeminiImageLoader([], **kwargs)
    return owner(**kwargs)


def _client_of(obj: Any) -> GeminiVisionClient:
    if isinstance(obj, GeminiImageLoader):
        return obj.client
    if isinstance(obj, GeminiVisionToolkit):
        client = obj.get_tools()[0].get_client()  # type: ignore[attr-defined]
        assert client is obj.get_client()
        return client
    client = obj.get_client()
    assert isinstance(client, GeminiVisionClient)
    return client


_STORE = InMemoryByteStore()
_RATE_LIMITER = InMemoryRateLimiter(requests_per_second=10)


def _setting_values(folder: Path) -> dict[str, Any]:
    """A value different from the default for every client setting issue 15 #7 names."""
    return {
        "retry": RetryPolicy(max_attempts=2),
        "prompts": Prompts(caption="Say what you see."),
        "mask_threshold": 200,
        "inline_limit_bytes": 4096,
        "allowed_dirs": (folder,),
        "url_policy": UrlPolicy(allow_private=True),
        "profile": profile_for("gemini-2.5-flash"),
        "media_resolution": "high",
        "max_side": 640,
        "max_pixels": 100_000,
        "timeout": 7.5,
        "max_concurrency": 3,
        "transport": "sdk",
        "max_decode_bytes": 50_000_000,
        "decode_budget_bytes": 100_000_000,
        "max_detection_items": 12,
        "max_mask_bytes": 1_000_000,
        # Added by the later issues (result cache, generation settings, quota):
        "cache": _STORE,
        "max_output_tokens": 256,
        "thinking_level": "high",
        "temperature": 0.5,
        "safety_settings": {"hate_speech": "block_only_high"},
        "labels": {"team": "vision"},
        "rpm": 60,
        "tpm": 100_000,
        "rate_limiter": _RATE_LIMITER,
        "learn_quota": False,
        "bulk_retry": RetryPolicy(max_attempts=3),
    }


def _seen_by(client: GeminiVisionClient, name: str) -> Any:
    if name == "transport":
        return client.transport_name
    if name == "allowed_dirs":
        return tuple(Path(p) for p in client.allowed_dirs or ())
    if name == "decode_budget_bytes":
        return client.decode_budget.total_bytes
    if name in _READ_FROM_SETTINGS:
        return getattr(client.settings, name)
    return getattr(client, name)


_READ_FROM_SETTINGS = {"max_decode_bytes", "max_detection_items", "max_mask_bytes"} | {
    "cache", "max_output_tokens", "thinking_level", "temperature", "safety_settings",
    "labels", "rpm", "tpm", "rate_limiter", "learn_quota", "bulk_retry",
}  # fmt: skip


def call(tool: BaseTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call_1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


def _last_model(emu: GeminiEmulator) -> str:
    sent = [r for r in emu.requests if r.route in ("interactions", "generate_content")]
    if sent[-1].route == "interactions":
        return str(sent[-1].json["model"])
    return sent[-1].path.rsplit("/", 1)[-1].split(":", 1)[0]


# ----------------------------------------------------------------------------- item 7


@pytest.mark.parametrize("setting", list(_setting_values(Path())))
@pytest.mark.parametrize("owner", OWNERS, ids=_name)
def test_item7_every_setting_reaches_the_client(
    owner: type[Any], setting: str, settings: dict[str, str], tmp_path: Path
) -> None:
    if setting == "allowed_dirs" and owner in TOOL_OWNERS:
        pytest.skip("tools: allowed_dirs is the deprecated name of reference_dirs (own test)")
    value = _setting_values(tmp_path)[setting]
    client = _client_of(_make(owner, **settings, **{setting: value}))
    assert _seen_by(client, setting) == value


def test_item7_every_settings_field_is_a_field_of_every_owner() -> None:
    names = set(GeminiVisionSettings.model_fields)
    assert set(_setting_values(Path())) <= names
    for owner in [*RUNNABLES, *TOOLS, GeminiVisionToolkit]:
        expected = names - {"allowed_dirs"} if owner in TOOL_OWNERS else names
        assert expected <= set(owner.model_fields), owner.__name__
    for name in names:  # the loader takes each one as a keyword
        GeminiImageLoader([], **{name: GeminiVisionSettings().__dict__[name]})


def test_item7_the_readme_documents_every_setting() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for name in GeminiVisionSettings.model_fields:
        assert f"`{name}`" in section, name


def test_the_readme_settings_table_lists_exactly_the_settings() -> None:
    """One place documents a setting (its field's docstring); the README's table names
    each one once, and nothing that is not a setting but the tools' own folders."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    named = [
        name.strip().strip("`")
        for row in rows
        for name in row.split("|")[1].split("(")[0].split(",")
    ]
    assert len(named) == len(set(named)), named
    assert set(named) - {"reference_dirs"} == set(GeminiVisionSettings.model_fields)
    for name, field in GeminiVisionSettings.model_fields.items():
        assert field.description or _docstring_of(name), f"{name} has no documentation"


def _docstring_of(name: str) -> str | None:
    import ast
    import inspect
    import itertools

    from langchain_gemini_vision import settings

    tree = ast.parse(inspect.getsource(settings))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement, following in itertools.pairwise(node.body):
                target = getattr(statement, "target", None)
                named = isinstance(target, ast.Name) and target.id == name
                if named and isinstance(following, ast.Expr):
                    return str(getattr(following.value, "value", ""))
    return None


def test_item7_retry_takes_effect_through_a_runnable(
    emu: GeminiEmulator, settings: dict[str, str], scene: Scene
) -> None:
    emu.faults.inject("interactions", schedule=[503])
    with pytest.raises(GeminiVisionServerError):
        GeminiCaptionRunnable(**settings, retry=RetryPolicy(max_attempts=1)).invoke(scene.data)
    emu.faults.inject("interactions", schedule=[503])
    fast = RetryPolicy(max_attempts=2, initial_delay=0.001)
    assert GeminiCaptionRunnable(**settings, retry=fast).invoke(scene.data).text


def test_item7_prompts_take_effect_through_a_runnable(
    emu: GeminiEmulator, settings: dict[str, str], scene: Scene
) -> None:
    emu.clear_requests()
    text = "Say what you see, in one short sentence."
    GeminiCaptionRunnable(**settings, prompts=Prompts(caption=text)).invoke(scene.data)
    assert text in json.dumps(emu.requests[-1].json)


def test_item7_inline_limit_takes_effect_through_a_runnable(
    emu: GeminiEmulator, settings: dict[str, str], scene: Scene
) -> None:
    GeminiDetectRunnable(**settings, inline_limit_bytes=1000).invoke(scene.data)
    assert emu.stats.uploads == 1


def test_item7_allowed_dirs_take_effect_through_a_runnable(
    settings: dict[str, str], scene: Scene, tmp_path: Path
) -> None:
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    (inside / "a.png").write_bytes(scene.data)
    (outside / "b.png").write_bytes(scene.data)
    captioner = GeminiCaptionRunnable(**settings, allowed_dirs=[inside])
    assert captioner.invoke(str(inside / "a.png")).text
    with pytest.raises(ImageInputError) as caught:
        captioner.invoke(str(outside / "b.png"))
    assert caught.value.reason == "outside_allowed_dirs"


def test_item7_max_side_takes_effect_through_a_runnable(
    emu: GeminiEmulator, settings: dict[str, str], scene: Scene
) -> None:
    emu.clear_requests()
    result = GeminiDetectRunnable(**settings, max_side=80).invoke(scene.data)
    assert (result.image_width, result.image_height) == (320, 240)  # boxes on the original
    sent = json.dumps(emu.requests[-1].json)
    data = max(re.findall(r'"data": "([A-Za-z0-9+/=]+)"', sent), key=len)
    assert max(Image.open(io.BytesIO(base64.b64decode(data))).size) == 80


@pytest.fixture
def image_server(scene: Scene, tmp_path: Path) -> Iterator[str]:
    """An HTTP server on loopback serving ``scene.png``."""
    (tmp_path / "scene.png").write_bytes(scene.data)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/scene.png"
    server.shutdown()
    server.server_close()


def test_item7_url_policy_takes_effect_through_a_runnable(
    settings: dict[str, str], scene: Scene, image_server: str
) -> None:
    with pytest.raises(ImageInputError):
        GeminiDetectRunnable(**settings).invoke(image_server)  # loopback refused by default
    policy = UrlPolicy(allowed_addresses=frozenset({"127.0.0.1"}))
    result = GeminiDetectRunnable(**settings, url_policy=policy).invoke(image_server)
    assert len(result) == len(scene.objects)


def test_item7_loader_settings_take_effect(
    emu: GeminiEmulator, settings: dict[str, str], scene: Scene
) -> None:
    emu.clear_requests()
    text = "Say what you see, in one short sentence."
    docs = GeminiImageLoader([scene.data], **settings, prompts=Prompts(caption=text)).load()
    assert docs[0].page_content
    assert text in json.dumps(emu.requests[-1].json)


# ----------------------------------------------------------------------------- item 8


@pytest.mark.parametrize("owner", OWNERS, ids=_name)
@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("alowed_dirs", "allowed_dirs"), ("model_name", "model"), ("top_k", None)],
)
def test_item8_unknown_keyword_raises_with_valid_names_and_closest_match(
    owner: type[Any], name: str, suggestion: str | None
) -> None:
    if owner in TOOL_OWNERS and suggestion == "allowed_dirs":
        suggestion = "reference_dirs"  # the tools' own name for their folders
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{name}'") as caught:
        _make(owner, api_key="k", **{name: 1})
    text = str(caught.value)
    if suggestion:
        assert f"did you mean '{suggestion}'" in text
    assert "api_key" in text and "max_concurrency" in text  # the valid names are listed


@pytest.mark.parametrize("owner", [GeminiDetectRunnable, GeminiSegmentRunnable], ids=_name)
def test_item8_misspelt_query_raises(owner: type[Any]) -> None:
    with pytest.raises(TypeError, match=r"'qurey' .*did you mean 'query'"):
        owner(api_key="k", qurey="cars")


def test_item8_toolkit_tool_kwargs_are_checked_too(settings: dict[str, str]) -> None:
    toolkit = GeminiVisionToolkit(**settings, tool_kwargs={"detect": {"return_anotated_image": 1}})
    with pytest.raises(TypeError, match="did you mean 'return_annotated_image'"):
        toolkit.get_tools()


# ----------------------------------------------------------------------------- item 9


def test_item9_a_runnable_setting_changed_after_first_use_takes_effect(
    emu: GeminiEmulator, settings: dict[str, str], scene: Scene
) -> None:
    detector = GeminiDetectRunnable(**settings)
    detector.invoke(scene.data)
    first = detector.get_client()
    assert _last_model(emu) == "gemini-3-flash-preview"
    detector.model = "gemini-2.5-flash"
    detector.invoke(scene.data)
    assert _last_model(emu) == "gemini-2.5-flash"
    assert detector.get_client().model == "gemini-2.5-flash"
    assert detector.get_client() is not first
    assert detector.get_client() is detector.get_client()  # cached again until the next change


def test_item9_a_bad_value_is_refused_at_assignment(settings: dict[str, str]) -> None:
    detector = GeminiDetectRunnable(**settings)
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        detector.max_concurrency = 0
    assert detector.max_concurrency == 16


def test_item9_a_tool_setting_changed_after_first_use_takes_effect(
    emu: GeminiEmulator, settings: dict[str, str], store: Any
) -> None:
    tool = GeminiDetectTool(**settings, image_store=store)
    assert call(tool, image="img_1").status == "success"
    tool.model = "gemini-2.5-flash"
    assert call(tool, image="img_1").status == "success"
    assert _last_model(emu) == "gemini-2.5-flash"


def test_item9_a_toolkit_setting_changed_takes_effect_on_the_next_get_tools(
    emu: GeminiEmulator, settings: dict[str, str], store: Any
) -> None:
    toolkit = GeminiVisionToolkit(**settings, image_store=store, include=["detect"])
    call(toolkit.get_tools()[0], image="img_1")
    toolkit.api = "generate_content"
    tool = toolkit.get_tools()[0]
    call(tool, image="img_1")
    assert emu.requests[-1].route == "generate_content"
    assert tool.get_client() is toolkit.get_client()  # type: ignore[attr-defined]


def test_item9_a_loader_setting_changed_after_construction_takes_effect(
    settings: dict[str, str], scene: Scene
) -> None:
    loader = GeminiImageLoader([scene.data], **settings)
    assert loader.load()[0].metadata["model"] == "gemini-3-flash-preview"
    loader.model = "gemini-2.5-flash"
    assert loader.settings.model == "gemini-2.5-flash"
    assert loader.load()[0].metadata["model"] == "gemini-2.5-flash"
    with pytest.raises(ConfigurationError, match="mask_threshold"):
        loader.mask_threshold = 999


@pytest.mark.parametrize("owner", OWNERS, ids=_name)
def test_item9_settings_next_to_a_given_client_are_refused(
    owner: type[Any], client: GeminiVisionClient
) -> None:
    with pytest.raises(ConfigurationError, match="model"):
        _make(owner, client=client, model="gemini-2.5-flash")
    obj = _make(owner, client=client)
    with pytest.raises(ConfigurationError, match="given"):
        obj.model = "gemini-2.5-flash"
    assert _client_of(obj) is client


def test_item9_configurable_fields_work_beside_a_given_client(
    client: GeminiVisionClient, scene: Scene
) -> None:
    from langchain_core.runnables import ConfigurableField

    # LangChain rebuilds the Runnable with every field, defaults included: no conflict.
    detector = GeminiDetectRunnable(client=client).configurable_fields(
        query=ConfigurableField(id="query")
    )
    result = detector.invoke(scene.data, config={"configurable": {"query": "every circle"}})
    assert isinstance(result, DetectionResult)


# ----------------------------------------------------------------------------- item 12


@pytest.fixture(scope="module")
def keyed() -> Iterator[GeminiEmulator]:
    """An emulator that accepts only the key google-genai would pick."""
    with GeminiEmulator(expected_api_key="google-key") as emu:
        yield emu


def _use(obj: Any, scene: Scene, store: Any) -> None:
    if isinstance(obj, GeminiImageLoader):
        obj.sources = [scene.data]
        assert obj.load()[0].page_content
    elif isinstance(obj, GeminiVisionToolkit):
        assert call(obj.get_tools()[0], image="img_1").status == "success"
    elif isinstance(obj, BaseTool):
        args: dict[str, Any] = {"image": "img_1"}
        if isinstance(obj, GeminiCompareTool):
            args = {"images": ["img_1", "img_2"]}
        elif isinstance(obj, GeminiAskTool):
            args = {"images": ["img_1"], "question": "What is there?"}
        assert call(obj, **args).status == "success"
    elif isinstance(obj, GeminiCompareRunnable):
        obj.invoke([scene.data, scene.data])
    elif isinstance(obj, GeminiAskRunnable):
        obj.invoke({"image": scene.data, "question": "What is there?"})
    else:
        obj.invoke(scene.data)


@pytest.mark.parametrize("owner", OWNERS, ids=_name)
def test_item12_every_owner_uses_google_api_key_when_both_are_set(
    owner: type[Any],
    keyed: GeminiEmulator,
    scene: Scene,
    store: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    extra = {"image_store": store} if owner in TOOL_OWNERS else {}
    _use(_make(owner, base_url=keyed.base_url, **extra), scene, store)


@pytest.mark.parametrize("owner", OWNERS, ids=_name)
def test_item12_every_owner_accepts_the_google_api_key_alias(
    owner: type[Any], keyed: GeminiEmulator, scene: Scene, store: Any
) -> None:
    extra = {"image_store": store} if owner in TOOL_OWNERS else {}
    _use(_make(owner, google_api_key="google-key", base_url=keyed.base_url, **extra), scene, store)


# ----------------------------------------------------------------------------- issue 16 item 11


def _api_key_of(obj: Any) -> str | None:
    key = obj.settings.api_key if isinstance(obj, GeminiImageLoader) else obj.api_key
    return None if key is None else str(key.get_secret_value())


@pytest.mark.parametrize("owner", OWNERS, ids=_name)
def test_issue16_item11_pickles_never_hold_the_key(
    owner: type[Any], settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for obj in (
        _make(owner, api_key=SECRET, base_url=settings["base_url"]),
        _make(owner, google_api_key=SECRET),
    ):
        _client_of(obj)  # a built client is not pickled either
        data = pickle.dumps(obj)
        assert SECRET.encode() not in data
        monkeypatch.setenv("GOOGLE_API_KEY", "from-env")
        loaded = pickle.loads(data)
        assert _api_key_of(loaded) == "from-env"  # read again from the environment
        key = _client_of(loaded).settings.api_key
        assert key is not None and key.get_secret_value() == "from-env"  # the client has it
        monkeypatch.delenv("GOOGLE_API_KEY")


@pytest.mark.parametrize("owner", OWNERS, ids=_name)
def test_issue16_item11_an_owner_of_a_given_client_refuses_to_pickle(owner: type[Any]) -> None:
    obj = _make(owner, client=GeminiVisionClient(api_key=SECRET))
    with pytest.raises(TypeError, match="cannot be pickled") as caught:
        pickle.dumps(obj)
    assert SECRET not in str(caught.value)


# ----------------------------------------------------------------------------- tools' folders


@pytest.fixture
def folders(scene: Scene, tmp_path: Path) -> tuple[Path, Path]:
    inside, outside = tmp_path / "uploads", tmp_path / "private"
    inside.mkdir()
    outside.mkdir()
    (inside / "a.png").write_bytes(scene.data)
    (outside / "b.png").write_bytes(scene.data)
    return inside, outside


def test_tools_read_model_chosen_paths_only_inside_reference_dirs(
    settings: dict[str, str], folders: tuple[Path, Path]
) -> None:
    inside, outside = folders
    tool = GeminiCaptionTool(**settings, reference_dirs=[inside])
    assert call(tool, image=str(inside / "a.png")).status == "success"
    refused = call(tool, image=str(outside / "b.png"))
    assert refused.status == "error"
    for made in GeminiVisionToolkit(**settings, reference_dirs=[inside]).get_tools():
        assert made.reference_dirs == [inside]  # type: ignore[attr-defined]


@pytest.mark.parametrize("owner", [*TOOLS, GeminiVisionToolkit], ids=_name)
def test_tools_old_allowed_dirs_name_still_works_with_a_deprecation_warning(
    owner: type[Any], settings: dict[str, str], folders: tuple[Path, Path]
) -> None:
    inside, _ = folders
    with pytest.warns(DeprecationWarning, match="reference_dirs"):
        obj = owner(**settings, allowed_dirs=[inside])
    assert obj.reference_dirs == [inside]
    with pytest.warns(DeprecationWarning, match="reference_dirs"):
        assert obj.allowed_dirs == [inside]
    with pytest.warns(DeprecationWarning, match="reference_dirs"):
        obj.allowed_dirs = [inside.parent]
    assert obj.reference_dirs == [inside.parent]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new name warns about nothing
        owner(**settings, reference_dirs=[inside])
    with pytest.raises(TypeError, match="both"):
        owner(**settings, allowed_dirs=[inside], reference_dirs=[inside])


def test_tools_old_allowed_dirs_name_reads_the_folder(
    settings: dict[str, str], folders: tuple[Path, Path]
) -> None:
    inside, _ = folders
    with pytest.warns(DeprecationWarning, match="reference_dirs"):
        tool = GeminiCaptionTool(**settings, allowed_dirs=[inside])
    assert call(tool, image=str(inside / "a.png")).status == "success"


# ----------------------------------------------------------------------------- one object


@pytest.mark.parametrize("owner", [*RUNNABLES, *TOOLS, GeminiVisionToolkit], ids=_name)
def test_owners_produce_the_frozen_settings_their_client_is_built_from(
    owner: type[Any], settings: dict[str, str]
) -> None:
    obj = owner(**settings, model="gemini-2.5-flash", mask_threshold=99)
    frozen = obj.client_settings()
    assert isinstance(frozen, GeminiVisionSettings)
    assert (frozen.model, frozen.mask_threshold, frozen.base_url) == (
        "gemini-2.5-flash",
        99,
        settings["base_url"],
    )
    assert obj.get_client().settings == frozen


def test_loader_takes_a_settings_object(settings: dict[str, str], scene: Scene) -> None:
    frozen = GeminiVisionSettings(**settings, model="gemini-2.5-flash")
    loader = GeminiImageLoader([scene.data], settings=frozen, detect=True)
    assert loader.client.settings == frozen
    assert loader.load()[0].metadata["model"] == "gemini-2.5-flash"
