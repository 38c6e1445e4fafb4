"""The `ticket-schema` command: check the definition, print the schema, validate tickets.

Exit codes: 0 when all is well, 1 when the definition or a submission is
rejected, 2 when the input cannot be used at all (a file that cannot be
read, a submission that is not UTF-8 text, not JSON or not an object) or
the command line is wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ticket_schema.definition import Definition, DefinitionError, load
from ticket_schema.intake.commands import add_commands as add_intake_commands
from ticket_schema.messages import problems_as_data, resolve_language
from ticket_schema.submission_input import UnusableSubmission, read_submission
from ticket_schema.submission_schema import submission_schema
from ticket_schema.validator import Validator

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2

# How standard input is named in messages.
STDIN_NAME = "<stdin>"


class _Unusable(Exception):
    """Input the command cannot use at all; its message is the one line to print."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_UNUSABLE
    try:
        return args.handler(args)
    except _Unusable as error:
        print(f"ticket-schema: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except DefinitionError as error:
        print(error, file=sys.stderr)
        return EXIT_REJECTED
    except BrokenPipeError:
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ticket-schema",
        description="One definition of a support ticket: its docs, form, schema and intake.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    check = commands.add_parser("check", help="check the definition and report every problem in it")
    _definition_option(check)
    check.set_defaults(handler=_check)

    schema = commands.add_parser("schema", help="print the JSON Schema of a submission")
    _definition_option(schema)
    schema.set_defaults(handler=_schema)

    validate = commands.add_parser(
        "validate", help="validate a submission given as a JSON file (or - for standard input)"
    )
    _definition_option(validate)
    validate.add_argument(
        "--lang",
        default=None,
        help="language of the messages: en or pt-BR (default: the definition's default)",
    )
    validate.add_argument(
        "--json", action="store_true", help='print {"valid": ..., "problems": [...]} as JSON'
    )
    validate.add_argument(
        "file", help="a JSON file holding one submission, or - to read standard input"
    )
    validate.set_defaults(handler=_validate)

    build = commands.add_parser("build", help="build the bilingual documentation site")
    build.add_argument(
        "--site-dir",
        type=Path,
        default=Path("site"),
        metavar="DIR",
        help="where to write the site (default: site)",
    )
    build.set_defaults(handler=_build)

    # `serve` and `tickets` (for support staff) belong to the intake service.
    add_intake_commands(commands)

    return parser


def _definition_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--definition",
        type=Path,
        default=None,
        metavar="PATH",
        help="the ticket definition to use (default: the packaged ticket.yaml)",
    )


def _load(path: Path | None) -> Definition:
    """The definition at `path`; a file that cannot be opened at all is unusable input."""
    if path is not None:
        # Broken content is the loader's to report, with every problem in it.
        try:
            path.open("rb").close()
        except OSError as error:
            raise _Unusable(f"cannot read the definition {path}: {error.strerror}") from None
    return load(path)


def _check(args: argparse.Namespace) -> int:
    definition = _load(args.definition)
    print(
        f"{definition.path}: ok ({len(definition.languages)} languages, "
        f"{len(definition.severities)} severities, "
        f"{len(definition.fields)} fields, {len(definition.statuses)} statuses)"
    )
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    definition = _load(args.definition)
    json.dump(submission_schema(definition), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    definition = _load(args.definition)
    lang = resolve_language(definition, args.lang)
    if args.lang and args.lang not in definition.language_codes:
        raise _Unusable(
            f"unknown language {args.lang!r}; "
            f"expected one of: {', '.join(definition.language_codes)}"
        )

    submission = _read_submission(args.file)
    verdict = Validator(definition).validate(submission)

    problems = problems_as_data(definition, verdict.problems, lang)
    if args.json:
        out = {
            "valid": verdict.valid,
            "problems": [{k: p[k] for k in ("field", "code", "message")} for p in problems],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    elif verdict.valid:
        print(_accepted(definition, lang))
    else:
        for problem in problems:
            print(f"{problem['field']}: {problem['message']}")
    return EXIT_OK if verdict.valid else EXIT_REJECTED


def _build(args: argparse.Namespace) -> int:
    from ticket_schema.site import SiteBuildError, build_site

    try:
        build_site(args.site_dir)
    except SiteBuildError as error:
        print(f"ticket-schema: the site was not built: {error}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"{args.site_dir}: site built")
    return EXIT_OK


def _accepted(definition: Definition, lang: str) -> str:
    return definition.ui_text("cli.accepted", lang)


def _read_submission(name: str) -> dict[str, Any]:
    # Standard input is read as bytes, so that it is decoded exactly as a file is.
    shown = STDIN_NAME if name == "-" else name
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise _Unusable(f"cannot read {shown}: {error.strerror or error}") from None
    try:
        return read_submission(data)
    except UnusableSubmission as error:
        raise _Unusable(error.describe(shown)) from None


if __name__ == "__main__":
    sys.exit(main())
