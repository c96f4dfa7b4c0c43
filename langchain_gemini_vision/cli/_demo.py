"""``gemini-vision demo``: every task, end to end, with or without a Gemini key.

With a key it sends the bundled sample photographs (``langchain_gemini_vision/samples``)
to Gemini. Without one (or with ``--offline``) it starts the bundled emulator on
loopback and runs on generated scenes of flat-coloured shapes, and says so plainly.
Either way the inputs are copied into ``<out-dir>/inputs`` and the run leaves
``results.jsonl``, ``annotated/*.png`` and ``report.html`` next to them.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from langchain_gemini_vision.cli._options import ClientOptions
from langchain_gemini_vision.cli._output import (
    EXIT_FAILURES,
    EXIT_OK,
    JsonLines,
    UsageProblemError,
    list_failures,
    stderr_console,
    stdout_console,
    summarise,
)
from langchain_gemini_vision.cli._run import Job, RunSettings, run_jobs
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.report import ReportEntry, write_report

SAMPLES_DIR: Final = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_FILES: Final = ("chelsea.jpg", "coffee.jpg", "rocket.jpg", "astronaut.jpg")
"""The bundled photographs (see ``samples/SOURCES.md`` for source and licence)."""
COMPARE_PAIR: Final = ("chelsea.jpg", "coffee.jpg")
QUESTION: Final = "How many distinct objects are in this image?"

EMULATOR_NOTICE: Final = (
    "This is the OFFLINE EMULATOR, not Gemini. No GEMINI_API_KEY or GOOGLE_API_KEY was "
    "found (or --offline was given), so a local stand-in running on 127.0.0.1 answers "
    "instead. It reads flat-coloured shapes from generated scenes: its captions, boxes and "
    "masks are computed from pixels, not produced by a model. Set GEMINI_API_KEY and run "
    "'gemini-vision demo' again to see Gemini on real photographs."
)


def _emulator_scenes(folder: Path) -> tuple[list[Path], tuple[Path, Path]]:
    """Write a few generated scenes (non-square, one JPEG) plus a before/after pair."""
    from langchain_gemini_vision.testing import make_scene
    from langchain_gemini_vision.testing.scenes import SceneObject

    folder.mkdir(parents=True, exist_ok=True)
    singles: list[tuple[str, Any]] = [
        ("shapes-wide.png", make_scene(800, 450, objects=4, seed=7)),
        ("shapes-tall.jpg", make_scene(420, 640, objects=3, seed=11, format="JPEG")),
        ("shapes-panorama.png", make_scene(960, 360, objects=5, seed=23, background="gray")),
    ]
    before = [
        SceneObject("circle", "red", (60, 60, 180, 180)),
        SceneObject("square", "blue", (260, 80, 370, 190)),
        SceneObject("triangle", "green", (420, 160, 560, 290)),
    ]
    after = [
        SceneObject("circle", "red", (60, 60, 180, 180)),
        SceneObject("square", "blue", (250, 200, 360, 310)),
        SceneObject("rectangle", "orange", (420, 60, 580, 140)),
    ]
    pair_scenes = [
        ("pair-before.png", make_scene(640, 360, objects=before, seed=1)),
        ("pair-after.png", make_scene(640, 360, objects=after, seed=1)),
    ]
    paths = []
    for name, scene in singles + pair_scenes:
        path = folder / name
        path.write_bytes(scene.data)
        paths.append(path)
    return paths[: len(singles)], (paths[-2], paths[-1])


def _sample_photos(folder: Path) -> tuple[list[Path], tuple[Path, Path]]:
    """Copy the bundled photographs into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    copied = {}
    for name in SAMPLE_FILES:
        source = SAMPLES_DIR / name
        if not source.is_file():
            raise UsageProblemError(
                f"The bundled sample photograph {name} is missing from this installation; "
                "reinstall the package (pip install --force-reinstall langchain-gemini-vision)."
            )
        target = folder / name
        shutil.copyfile(source, target)
        copied[name] = target
    return [copied[name] for name in SAMPLE_FILES], (
        copied[COMPARE_PAIR[0]],
        copied[COMPARE_PAIR[1]],
    )


def _jobs(singles: list[Path], pair: tuple[Path, Path]) -> list[Job]:
    jobs = [Job("caption", (str(path),)) for path in singles]
    jobs.append(Job("compare", (str(pair[0]), str(pair[1]))))
    jobs += [Job("detect", (str(path),)) for path in singles]
    jobs += [Job("segment", (str(path),)) for path in singles]
    jobs += [Job("ask", (str(path),), QUESTION) for path in singles]
    return jobs


def _emulator() -> AbstractContextManager[Any]:
    try:
        from langchain_gemini_vision.testing import GeminiEmulator
    except ImportError as error:
        raise UsageProblemError(
            f"The offline demo needs the emulator's extras ({error.name or error}): "
            "pip install 'langchain-gemini-vision[testing]', or set GEMINI_API_KEY to run "
            "the demo against Gemini."
        ) from None
    emulator: AbstractContextManager[Any] = GeminiEmulator()
    return emulator


def run_demo(
    *, out_dir: Path, offline: bool, options: ClientOptions, debug: bool, quiet: bool
) -> int:
    """Run the demo and return the exit code (0, or 1 when a call failed)."""
    out = stdout_console()
    err = stderr_console()
    inputs_dir = out_dir / "inputs"
    annotate_dir = out_dir / "annotated"
    results_path = out_dir / "results.jsonl"
    out_dir.mkdir(parents=True, exist_ok=True)
    if annotate_dir.is_dir():
        for stale in annotate_dir.glob("*.png"):
            stale.unlink()
    base_url = options.base_url

    with ExitStack() as stack:
        notice: str | None = None
        if offline:
            emulator = stack.enter_context(_emulator())
            out.print(
                Panel(
                    escape(EMULATOR_NOTICE),
                    title="[bold]Offline emulator - not Gemini[/]",
                    border_style="yellow",
                )
            )
            singles, pair = _emulator_scenes(inputs_dir)
            client = options.client(base_url=str(emulator.base_url), api_key="emulator")
            notice = EMULATOR_NOTICE
        else:
            singles, pair = _sample_photos(inputs_dir)
            client = options.client()
        jobs = _jobs(singles, pair)
        if not offline:
            out.print(
                Panel(
                    f"Sending {len(singles)} sample photographs to "
                    f"{escape(base_url) if base_url else 'Gemini'} ([bold]"
                    f"{escape(client.model)}[/], {escape(client.api)} API): "
                    f"{len(jobs)} calls, which count against your quota.",
                    title="[bold]gemini-vision demo[/]",
                    border_style="green",
                )
            )
        settings = RunSettings(annotate_dir=annotate_dir, debug=debug)
        started = time.perf_counter()
        with JsonLines(results_path) as sink:
            entries = asyncio.run(
                _run(
                    client=client,
                    jobs=jobs,
                    settings=settings,
                    console=err,
                    sink=sink.write,
                    concurrency=options.concurrency,
                    progress=not quiet,
                )
            )
        wall = time.perf_counter() - started

    if offline:
        where = "offline emulator (not Gemini)"
    else:
        where = f"Gemini API at {base_url}" if base_url else "Gemini"
    report = write_report(
        entries,
        out_dir,
        title=f"gemini-vision demo - {where}",
        notice=notice,
        details={"answered by": where, "model": client.model, "api": client.api},
        wall_s=wall,
    )
    list_failures(err, entries)
    if not quiet:
        summarise(err, entries, wall)
    _print_outputs(
        console=out,
        entries=entries,
        out_dir=out_dir,
        results=results_path,
        annotate_dir=annotate_dir,
        report=report,
    )
    return EXIT_FAILURES if any(not entry.ok for entry in entries) else EXIT_OK


async def _run(
    *,
    client: GeminiVisionClient,
    jobs: list[Job],
    settings: RunSettings,
    console: Console,
    sink: Any,
    concurrency: int,
    progress: bool,
) -> list[ReportEntry]:
    try:
        return await run_jobs(
            client,
            jobs,
            settings,
            console=console,
            on_entry=sink,
            concurrency=concurrency,
            progress=progress,
            description="demo",
        )
    finally:
        await client.aclose()


def _print_outputs(
    *,
    console: Console,
    entries: list[ReportEntry],
    out_dir: Path,
    results: Path,
    annotate_dir: Path,
    report: Path,
) -> None:
    annotated = sum(1 for entry in entries if entry.annotated)
    rows = [
        ("HTML report", str(report)),
        ("JSON Lines", str(results)),
        ("Annotated images", f"{annotate_dir} ({annotated} PNG files)"),
        ("Inputs", str(out_dir / "inputs")),
    ]
    console.print(f"[bold]Outputs[/] (in {escape(str(out_dir))}):", soft_wrap=True)
    for name, value in rows:
        console.print(f"  {name + ':':<18} {escape(value)}", soft_wrap=True)
    console.print(f"Open {escape(str(report))} in a browser to see every result.", soft_wrap=True)
