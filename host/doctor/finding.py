"""One thing the doctor found: a line of plain words, good, bad or only informative."""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
PROBLEM = "problem"
INFO = "info"
MARKS = {OK: "[ok]  ", PROBLEM: "[!!]  ", INFO: "[--]  "}


@dataclass(frozen=True)
class Finding:
    area: str  # "config", "uart", "i2c", "gpio", "usb"
    verdict: str  # OK, PROBLEM or INFO
    text: str  # what was found, and for a problem what to do about it

    def line(self) -> str:
        return f"{MARKS[self.verdict]}{self.area:<6} {self.text}"


def render(findings: list[Finding]) -> str:
    problems = sum(1 for f in findings if f.verdict == PROBLEM)
    lines = [f.line() for f in findings]
    lines.append(
        "all checks passed" if not problems else f"{problems} problem(s) found: see [!!] above"
    )
    return "\n".join(lines)
