"""How many submissions the validator judges per second.

Prints the rate for valid tickets and for invalid ones (every problem
collected, with its message in Portuguese), measured in the same run.

    .venv/bin/python benchmarks/bench_validator.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from ticket_schema.definition import load
from ticket_schema.messages import problems_as_data
from ticket_schema.validator import Validator


def _rate(work: Callable[[], object], seconds: float) -> tuple[float, int]:
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            work()
        count += 100
    return count / (time.perf_counter() - start), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each measurement")
    args = parser.parse_args()

    definition = load()
    validator = Validator(definition)
    valid = [e.submission for e in definition.examples if not e.problems]
    invalid = [e.submission for e in definition.examples if e.problems]

    def judge_valid() -> None:
        for submission in valid:
            assert validator.validate(submission).valid

    def judge_invalid() -> None:
        for submission in invalid:
            verdict = validator.validate(submission)
            problems_as_data(definition, verdict.problems, "pt-BR")

    for label, work, per_call in (
        ("valid submissions", judge_valid, len(valid)),
        ("invalid submissions (all problems, messages in pt-BR)", judge_invalid, len(invalid)),
    ):
        rate, calls = _rate(work, args.seconds)
        print(f"{label}: {rate * per_call:,.0f} per second ({calls * per_call:,} judged)")


if __name__ == "__main__":
    main()
