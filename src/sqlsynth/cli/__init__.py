"""The `sqlsynth` command: a thin layer over the library, one module per command group."""

from __future__ import annotations

import typer

from sqlsynth import __version__
from sqlsynth.cli.common import setup_logging
from sqlsynth.cli.demo import demo as demo_cmd
from sqlsynth.cli.demo import report as report_cmd
from sqlsynth.cli.generate import export as export_cmd
from sqlsynth.cli.generate import generate as generate_cmd
from sqlsynth.cli.schema import app as schema_app
from sqlsynth.cli.schema import demo_model

app = typer.Typer(
    name="sqlsynth",
    help="Text-to-SQL training data for your own database.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(schema_app, name="schema")
app.command("demo-model")(demo_model)
from sqlsynth.cli.templates import app as templates_app  # noqa: E402

app.add_typer(templates_app, name="templates")
from sqlsynth.cli.questions import questions as questions_cmd  # noqa: E402

app.command("questions")(questions_cmd)
from sqlsynth.cli.populate import populate_cmd, profile_cmd  # noqa: E402

app.command("populate")(populate_cmd)
app.command("profile")(profile_cmd)
app.command("generate")(generate_cmd)
app.command("export")(export_cmd)
app.command("demo")(demo_cmd)
app.command("report")(report_cmd)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sqlsynth {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug details."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Show errors only."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    setup_logging(verbose=verbose, quiet=quiet)


def main() -> None:
    app()
