"""The README documents every CLI command and opens with the two set-up commands."""

from pathlib import Path

from assistant.cli import parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands():
    ap = parser()
    sub = next(a for a in ap._actions if a.dest == "command")
    for name, p in sub.choices.items():
        nested = [a for a in p._actions if getattr(a, "choices", None) and a.dest == "action"]
        if nested:
            yield from (f"assistant {name} {child}" for child in nested[0].choices)
        else:
            yield f"assistant {name}"


def test_every_cli_command_is_documented():
    commands = list(_commands())
    assert "assistant search" in commands and "assistant index build" in commands
    for command in commands:
        assert command in README, command


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_shows_screenshots_and_generated_figures():
    root = Path(__file__).resolve().parent.parent
    for name in ("staff.png", "citizen.png"):
        assert f"docs/screenshots/{name}" in README and (root / "docs" / "screenshots" / name).stat().st_size > 10_000
    block = README.split("<!-- eval:start -->")[1].split("<!-- eval:end -->")[0]
    assert "| hybrid | all" in block and "jsquad" in block and "jaquad" in block
