"""The client's settings: one frozen object, one key rule, one base-URL rule, no key in a pickle.

Issue 15 items 8 and 12, issue 16 item 11 and issue 17 item 2, for the client itself.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from langchain_gemini_vision import GeminiVisionClient, GeminiVisionSettings, Prompts
from langchain_gemini_vision.errors import ConfigurationError
from langchain_gemini_vision.testing import GeminiEmulator, make_scene

SECRET = "AIza" + "SyTHIS-IS-A-SECRET-KEY-0123456789"
SCENE = make_scene(160, 120, objects=2, seed=3).data


@pytest.fixture(scope="module")
def keyed() -> Iterator[GeminiEmulator]:
    """An emulator that accepts only the key google-genai would pick."""
    with GeminiEmulator(expected_api_key="google-key") as emu:
        yield emu


# ----------------------------------------------------------------------------- item 12: keys


def test_item12_both_env_keys_set_the_client_uses_google_api_key_as_google_genai_does(
    keyed: GeminiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    with GeminiVisionClient(base_url=keyed.base_url) as client:
        assert client.caption(SCENE).text


def test_item12_the_settings_read_the_env_keys_in_google_genais_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from google.genai._api_client import get_env_api_key

    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    key = GeminiVisionSettings().api_key
    assert key is not None and key.get_secret_value() == get_env_api_key() == "google-key"
    monkeypatch.setenv("GOOGLE_API_KEY", "")  # empty counts as unset, as in google-genai
    key = GeminiVisionSettings().api_key
    assert key is not None and key.get_secret_value() == get_env_api_key() == "gemini-key"


def test_item12_client_accepts_the_google_api_key_alias(keyed: GeminiEmulator) -> None:
    with GeminiVisionClient(google_api_key="google-key", base_url=keyed.base_url) as client:
        assert client.caption(SCENE).text


def test_item12_lean_transport_honours_google_gemini_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GeminiEmulator() as emu:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emu.base_url)
        client = GeminiVisionClient(api_key="k")
        assert client.transport_name == "lean"
        # Checked before any call: on a package that ignores the variable, the call
        # would go to Google (never from a test).
        assert client.base_url == emu.base_url
        assert client.caption(SCENE).text
        assert emu.stats.requests["interactions"] == 1
        client.close()


def test_item12_an_explicit_base_url_wins_over_google_gemini_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GeminiEmulator() as emu:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")  # nothing listens
        for transport in ("lean", "sdk"):
            client = GeminiVisionClient(api_key="k", base_url=emu.base_url, transport=transport)
            assert client.base_url == emu.base_url
            assert client.caption(SCENE).text
            client.close()
        assert emu.stats.requests["interactions"] == 2


def test_item12_sdk_transport_and_lean_transport_reach_the_same_env_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GeminiEmulator() as emu:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emu.base_url)
        for transport in ("lean", "sdk"):
            client = GeminiVisionClient(api_key="k", transport=transport)
            assert client.base_url == emu.base_url
            assert client.caption(SCENE).text
            client.close()
        assert emu.stats.requests["interactions"] == 2


# ----------------------------------------------------------------------------- item 8: names


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("alowed_dirs", "allowed_dirs"), ("model_name", "model"), ("top_k", None)],
)
def test_item8_client_unknown_keyword_raises_with_valid_names_and_closest_match(
    name: str, suggestion: str | None
) -> None:
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{name}'") as caught:
        GeminiVisionClient(api_key="k", **{name: 1})
    text = str(caught.value)
    if suggestion:
        assert f"did you mean '{suggestion}'" in text
    for valid in ("model", "api_key", "allowed_dirs", "mask_threshold", "retry"):
        assert valid in text
    assert isinstance(caught.value, ConfigurationError)


def test_item8_settings_unknown_keyword_raises_with_the_closest_match() -> None:
    with pytest.raises(TypeError, match="did you mean 'mask_threshold'"):
        GeminiVisionSettings(mask_treshold=100)


# ----------------------------------------------------------------------------- the settings object


def test_settings_object_is_frozen_and_builds_the_client(keyed: GeminiEmulator) -> None:
    prompts = Prompts(caption="Say what you see, briefly.")
    settings = GeminiVisionSettings(
        api_key="google-key",
        base_url=keyed.base_url,
        model="gemini-2.5-flash",
        mask_threshold=200,
        prompts=prompts,
    )
    with pytest.raises(ValidationError, match="frozen"):
        settings.model = "gemini-3-flash-preview"  # type: ignore[misc]
    client = GeminiVisionClient(settings)
    assert client.settings is settings
    assert (client.model, client.mask_threshold, client.prompts) == (
        "gemini-2.5-flash",
        200,
        prompts,
    )
    assert client.caption(SCENE).text
    # Fields given with a settings object override it (and are validated).
    other = GeminiVisionClient(settings=settings, model="gemini-3-flash-preview")
    assert (other.model, other.mask_threshold) == ("gemini-3-flash-preview", 200)
    with pytest.raises(ConfigurationError, match="mask_threshold"):
        GeminiVisionClient(settings=settings, mask_threshold=300)


def test_settings_never_show_or_serialise_the_key() -> None:
    settings = GeminiVisionSettings(google_api_key=SECRET)
    assert settings.api_key is not None and settings.api_key.get_secret_value() == SECRET
    for text in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        str(settings.model_dump()),
    ):
        assert SECRET not in text
    with pytest.raises(ValidationError) as caught:
        GeminiVisionSettings(api_key=SECRET, max_concurrency=0)
    assert SECRET not in str(caught.value)


def test_client_settings_cannot_change_after_construction() -> None:
    client = GeminiVisionClient(api_key="k")
    for name, value in (("model", "gemini-2.5-flash"), ("max_concurrency", 64), ("retry", None)):
        with pytest.raises(AttributeError, match="cannot be changed"):
            setattr(client, name, value)
    assert client.model != "gemini-2.5-flash"


def test_bad_settings_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        GeminiVisionClient(api_key="k", max_concurrency=0)
    with pytest.raises(ConfigurationError, match="api"):
        GeminiVisionClient(api_key="k", api="rest")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["sync", "async", "http", "LEAN", "", "genai"])
def test_an_unknown_transport_name_is_refused(name: str) -> None:
    with pytest.raises(ConfigurationError, match="transport"):
        GeminiVisionClient(api_key="k", transport=name)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="transport"):
        GeminiVisionSettings.build(transport=name)


# ----------------------------------------------------------------------------- issue 16 item 11


def test_issue16_item11_settings_pickle_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = GeminiVisionSettings(api_key=SECRET, model="gemini-2.5-flash")
    data = pickle.dumps(settings)
    assert SECRET.encode() not in data
    monkeypatch.setenv("GOOGLE_API_KEY", "from-env")
    loaded = pickle.loads(data)
    assert loaded.model == "gemini-2.5-flash"
    assert loaded.api_key is not None and loaded.api_key.get_secret_value() == "from-env"


def test_issue16_item11_client_refuses_to_be_pickled_with_a_clear_message() -> None:
    client = GeminiVisionClient(api_key=SECRET)
    with pytest.raises(TypeError, match="cannot be pickled") as caught:
        pickle.dumps(client)
    assert SECRET not in str(caught.value)
    assert "settings" in str(caught.value)
