"""Reading a file the user names (a scenario, a price book, a policy, a price correction):
it must be a file, readable, and UTF-8 text (a leading byte order mark is accepted and
dropped). Anything else is refused with a message naming the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

from linkledger.domain.errors import LedgerError

BOM = b"\xef\xbb\xbf"


class UnreadableFileError(LedgerError):
    rule = "input files"

    def __init__(self, what: str, path: Path, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(f"{what} {path}: {problem}")


def problem_reading(path: Path) -> tuple[str | None, str]:
    """(the file's text, "") or (None, what is wrong with it, in words: "no such file", ...)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "no such file"
    except IsADirectoryError:
        return None, "a folder, not a file"
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    bom = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[bom:].decode("utf-8"), ""
    except UnicodeDecodeError as e:
        offset = bom + e.start
        return None, f"not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}); save the file as UTF-8"


def read_text_file(path: Path, what: str) -> str:
    """The text of `path`, or an UnreadableFileError naming `what` (e.g. "scenario") and the file."""
    text, problem = problem_reading(path)
    if text is None:
        raise UnreadableFileError(what, path, problem)
    return text
