"""The ``gemini-vision`` command: caption, compare, detect, segment, ask and demo.

JSON Lines go to stdout (or ``--out FILE``); progress, failures and summaries go to
stderr, so ``gemini-vision detect photos/ > results.jsonl`` stays clean. Exit codes:
0 everything worked, 1 some images failed (each is listed), 2 a usage error (bad flag,
missing file, no API key).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from langchain_gemini_vision._version import __version__
from langchain_gemini_vision.cli._batch import (
    JobArg,
    PollOpt,
    WaitOpt,
    batch_app,
    fetch,
    open_batch,
    print_status,
)
from langchain_gemini_vision.cli._eval import eval_command
from langchain_gemini_vision.cli._inputs import expand_sources
from langchain_gemini_vision.cli._mcp_command import mcp_command
from langchain_gemini_vision.cli._models import models_command
from langchain_gemini_vision.cli._options import (
    NO_KEY_MESSAGE,
    AllowDirOpt,
    AnnotateDirOpt,
    Api,
    ApiOpt,
    BaseUrlOpt,
    CacheOpt,
    ClientOptions,
    ConcurrencyOpt,
    DebugOpt,
    MaxOutputTokensOpt,
    MediaResolutionOpt,
    ModelOpt,
    OutOpt,
    PromptOpt,
    QueryOpt,
    QuietOpt,
    RecursiveOpt,
    ReportOpt,
    RpmOpt,
    SourcesArg,
    TemperatureOpt,
    ThinkingLevelOpt,
    TpmOpt,
    has_api_key,
)
from langchain_gemini_vision.cli._output import (
    EXIT_FAILURES,
    EXIT_OK,
    JsonLines,
    UsageProblemError,
    guard,
    list_failures,
    setup_logging,
    stderr_console,
    summarise,
)
from langchain_gemini_vision.cli._run import Job, RunSettings, TaskName, run_jobs
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.report import ReportEntry, write_report

__all__ = ["UsageProblemError", "app", "main"]

app = typer.Typer(
    name="gemini-vision",
    help=(
        "Gemini image understanding from the command line: caption, compare, detect, "
        "segment and ask, with JSON Lines output and an HTML report.\n\n"
        "First time? Run: gemini-vision demo"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _same_terminal(out: Path | None) -> bool:
    """Whether JSON Lines would land on the terminal the progress bar is drawn on."""
    return out is None and sys.stdout.isatty() and sys.stderr.isatty()


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Common(ClientOptions):
    """Options every image command takes (see :func:`image_command`)."""

    api: ApiOpt = Api.interactions
    model: ModelOpt = None
    concurrency: ConcurrencyOpt = 8
    media_resolution: MediaResolutionOpt = None
    base_url: BaseUrlOpt = None
    allow_dir: AllowDirOpt = None
    cache: CacheOpt = None
    max_output_tokens: MaxOutputTokensOpt = None
    thinking_level: ThinkingLevelOpt = None
    temperature: TemperatureOpt = None
    rpm: RpmOpt = None
    tpm: TpmOpt = None
    out: OutOpt = None
    report: ReportOpt = None
    recursive: RecursiveOpt = False
    debug: DebugOpt = False
    quiet: QuietOpt = False

    def client(self, **fields: Any) -> GeminiVisionClient:
        """The client these options give (the key from the environment)."""
        setup_logging(self.debug)
        if not has_api_key():
            raise UsageProblemError(NO_KEY_MESSAGE)
        return super().client(**fields)


_HELP_ORDER = ("out", "report", "api", "model", "concurrency", "media_resolution", "base_url")
"""Where the common options stand in a command's help, before the others."""
_HINTS = inspect.get_annotations(Common, eval_str=True)
_COMMON = sorted(
    (
        inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=_HINTS[f.name]
        )
        for f in fields(Common)
    ),
    key=lambda p: _HELP_ORDER.index(p.name) if p.name in _HELP_ORDER else len(_HELP_ORDER),
)


def image_command(func: Callable[..., None]) -> Callable[..., None]:
    """Register ``func`` (its own options, then ``common: Common``) as a command that
    takes every :class:`Common` option after its own, errors handled by :func:`guard`."""
    signature = inspect.signature(func, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "common"]
    names = {f.name for f in fields(Common)}

    @functools.wraps(func)
    def command(**given: Any) -> None:
        common = Common(**{name: given.pop(name) for name in names})
        with guard(common.debug):
            func(common=common, **given)

    parameters = [*own, *_COMMON]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    del command.__wrapped__  # typer reads the signature above, not the function's
    app.command()(command)
    return command


def execute(
    task: TaskName,
    arguments: list[str],
    common: Common,
    *,
    instruction: str | None = None,
    max_objects: int | None = None,
    together: bool = False,
    annotate_dir: Path | None = None,
) -> None:
    """Run one image command end to end and exit with its code."""
    err = stderr_console()
    sources = expand_sources(arguments, recursive=common.recursive)
    if task == "compare" and len(sources) < 2:
        raise UsageProblemError(
            f"compare needs at least two images, got {len(sources)}: name two or more files."
        )
    client = common.client()
    if task == "compare" or (task == "ask" and together):
        jobs = [Job(task, tuple(sources), instruction)]
    else:
        jobs = [Job(task, (source,), instruction, max_objects) for source in sources]
    if annotate_dir is None and task in ("detect", "segment"):
        annotate_dir = common.report
    settings = RunSettings(annotate_dir=annotate_dir, debug=common.debug)
    started = time.perf_counter()
    with JsonLines(common.out) as sink:
        entries = asyncio.run(
            _run_and_close(
                client,
                jobs,
                settings,
                console=err,
                on_entry=sink.write,
                concurrency=common.concurrency,
                progress=not common.quiet and not _same_terminal(common.out),
                description=task,
            )
        )
    wall = time.perf_counter() - started
    if common.report is not None:
        path = write_report(
            entries,
            common.report,
            title=f"gemini-vision {task}",
            details={"model": client.model, "api": client.api},
            wall_s=wall,
        )
        if not common.quiet:
            err.print(f"Report: {escape(str(path))}")
    if annotate_dir is not None and not common.quiet and any(e.annotated for e in entries):
        err.print(f"Annotated images: {escape(str(annotate_dir))}")
    list_failures(err, entries)
    if common.out is not None and not common.quiet:
        err.print(f"JSON Lines: {escape(str(common.out))}")
    if not common.quiet:
        summarise(err, entries, wall)
    raise typer.Exit(EXIT_FAILURES if any(not e.ok for e in entries) else EXIT_OK)


async def _run_and_close(
    client: GeminiVisionClient, jobs: list[Job], settings: RunSettings, **kwargs: Any
) -> list[ReportEntry]:
    try:
        return await run_jobs(client, jobs, settings, **kwargs)
    finally:
        await client.aclose()


# --------------------------------------------------------------------------- commands


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gemini-vision {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Gemini image understanding from the command line."""


@image_command
def caption(
    *,
    sources: SourcesArg,
    prompt: PromptOpt = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            file_okay=False,
            help="Run as Gemini Batch API jobs (half the price, results within 24 h), "
            "with the resumable manifest in this folder.",
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="With --batch: poll until done, then write results.")
    ] = False,
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", min=0.0, help="With --batch --wait: seconds.")
    ] = 30.0,
    common: Common,
) -> None:
    """Describe each image in a sentence or two."""
    if batch is None:
        execute("caption", sources, common, instruction=prompt)
    from langchain_gemini_vision.cli._batch import submit_captions

    assert batch is not None  # execute() exits
    client = common.client()
    code = submit_captions(
        stderr_console(),
        client,
        expand_sources(sources, recursive=common.recursive),
        batch,
        prompt=prompt,
        wait=wait,
        poll_interval=poll_interval,
        out=common.out,
    )
    raise typer.Exit(code)


@image_command
def compare(*, sources: SourcesArg, prompt: PromptOpt = None, common: Common) -> None:
    """Compare two or more images in one request: summary, differences, similarities."""
    execute("compare", sources, common, instruction=prompt)


@image_command
def detect(
    *,
    sources: SourcesArg,
    query: QueryOpt = None,
    max_objects: Annotated[
        int | None, typer.Option("--max-objects", min=1, help="Keep at most this many objects.")
    ] = None,
    annotate_dir: AnnotateDirOpt = None,
    common: Common,
) -> None:
    """Find objects and their bounding boxes (pixels of the original image)."""
    execute(
        "detect",
        sources,
        common,
        instruction=query,
        max_objects=max_objects,
        annotate_dir=annotate_dir,
    )


@image_command
def segment(
    *,
    sources: SourcesArg,
    query: QueryOpt = None,
    annotate_dir: AnnotateDirOpt = None,
    common: Common,
) -> None:
    """Find objects with their segmentation masks."""
    execute("segment", sources, common, instruction=query, annotate_dir=annotate_dir)


@image_command
def ask(
    *,
    sources: SourcesArg,
    question: Annotated[
        str, typer.Option("--question", help="The question to ask about each image.")
    ],
    together: Annotated[
        bool,
        typer.Option("--together", help="Ask once about all the images together."),
    ] = False,
    common: Common,
) -> None:
    """Ask a question about each image (or, with --together, about all of them at once)."""
    if not question.strip():
        raise UsageProblemError("The question is empty: pass --question 'What is in the image?'.")
    execute("ask", sources, common, instruction=question, together=together)


@app.command()
def demo(
    *,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out-dir",
            help="Folder for results.jsonl, annotated images and report.html.",
            file_okay=False,
        ),
    ] = Path("gemini-vision-demo"),
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Use the bundled offline emulator even when a key is set."),
    ] = False,
    api: ApiOpt = Api.interactions,
    model: ModelOpt = None,
    concurrency: ConcurrencyOpt = 8,
    media_resolution: MediaResolutionOpt = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="With a key: send the photographs to this endpoint, not Gemini's."
        ),
    ] = None,
    debug: DebugOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run every task on sample images and write JSON, annotated images and an HTML report.

    With GEMINI_API_KEY (or GOOGLE_API_KEY) set, the bundled sample photographs go to
    Gemini. Without a key (or with --offline), a local emulator answers on generated
    scenes, with no network at all.
    """
    from langchain_gemini_vision.cli._demo import run_demo

    with guard(debug):
        setup_logging(debug)
        options = ClientOptions(api, model, concurrency, media_resolution, base_url)
        offline = offline or not has_api_key()
        code = run_demo(out_dir=out_dir, offline=offline, options=options, debug=debug, quiet=quiet)
        raise typer.Exit(code)


app.command("models")(models_command)
app.command("eval")(eval_command)


app.command("mcp")(mcp_command)


# --------------------------------------------------------------------------- batch jobs


def _batch_client_for(base_url: str | None) -> Callable[[str], GeminiVisionClient]:
    def client_for(model: str) -> GeminiVisionClient:
        if not has_api_key():
            raise UsageProblemError(NO_KEY_MESSAGE)
        return ClientOptions(Api.generate_content, model or None, base_url=base_url).client()

    return client_for


@batch_app.command("status")
def batch_status(job: JobArg, base_url: BaseUrlOpt = None, debug: DebugOpt = False) -> None:
    """Where the jobs stand: items answered, jobs per state."""
    with guard(debug), open_batch(job, _batch_client_for(base_url)) as batch:
        done = print_status(stderr_console(), batch)
        raise typer.Exit(EXIT_OK if done else EXIT_FAILURES)


@batch_app.command("fetch")
def batch_fetch(
    job: JobArg,
    *,
    out: OutOpt = None,
    wait: WaitOpt = False,
    poll_interval: PollOpt = 30.0,
    base_url: BaseUrlOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write the finished items as JSON Lines (exit 1 if any failed or are still running)."""
    with guard(debug), open_batch(job, _batch_client_for(base_url)) as batch:
        code = fetch(stderr_console(), batch, wait=wait, poll_interval=poll_interval, out=out)
        raise typer.Exit(code)


@batch_app.command("cancel")
def batch_cancel(job: JobArg, base_url: BaseUrlOpt = None, debug: DebugOpt = False) -> None:
    """Cancel every unfinished job (their items end as errors)."""
    with guard(debug), open_batch(job, _batch_client_for(base_url)) as batch:
        batch.cancel()
        print_status(stderr_console(), batch)


app.add_typer(batch_app)


def main() -> None:
    """Entry point of the ``gemini-vision`` console script."""
    app()
