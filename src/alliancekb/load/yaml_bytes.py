"""The bytes under the YAML reader: read in chunks, counted, hashed and checked as UTF-8.

One pass over the file feeds libyaml (alliancekb.load.yaml_reader) while it counts lines
and columns, hashes and sizes the bytes, and refuses invalid UTF-8, characters YAML
forbids and a file over its size limit, each at its exact position.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from typing import IO, Final, NoReturn

#: Bytes read from the file per chunk.
CHUNK_BYTES: Final = 256 * 1024

# Characters YAML forbids in a stream (the same set libyaml and PyYAML's reader use).
_NON_PRINTABLE: Final = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# The allowed ASCII bytes: a chunk of only these takes the fast path.
_PRINTABLE_ASCII: Final = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])
# Line breaks as YAML counts them; text without the odd ones just counts "\n".
_ODD_BREAKS: Final = re.compile("[\r\x85\u2028\u2029]")
_BREAKS: Final = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


class StopReading(Exception):
    """Raised from inside the parser's read() once the input itself is refused."""


class ByteSource:
    """The file-like object libyaml reads: one pass hashes, counts, checks and hands on bytes.

    Each chunk is checked to be UTF-8 without characters YAML forbids (a pure printable
    ASCII chunk takes a fast path) and passed to libyaml as it is. Invalid UTF-8, forbidden
    characters and going over the size limit stop the parse (raising _StopReading from
    inside it) with a problem at the exact byte, line and column. Only the current chunk
    is in memory.
    """

    def __init__(self, raw: IO[bytes], name: str, limit: int) -> None:
        self.raw = raw
        self.name = name  # libyaml names its marks after it
        self.limit = limit
        self.hash = hashlib.sha256()
        self.size = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.line = 0  # 0-based line and column just after the bytes handed out so far
        self.column = 0
        self.after_cr = False  # the text handed out ends with "\r" (a "\n" may complete it)
        self.failure: tuple[int, int, str] | None = None  # 1-based line, column, message

    def read(self, size: int = -1) -> bytes:
        """The next chunk of the file, b"" at the end; raises StopReading on refused input.

        Never more than one byte past the limit is read: a pipe or a device (whose size
        nobody can check before reading) that never ends is refused there.
        """
        chunk = self.raw.read(min(CHUNK_BYTES, self.limit - self.size + 1))
        if not chunk:
            self._decode(chunk, final=True)  # a truncated UTF-8 sequence at the very end
            return chunk
        start = self.size
        self.size += len(chunk)
        if self.size > self.limit:
            self._fail(1, 1, self.over_limit())
        self.hash.update(chunk)
        pending = self.decoder.getstate()[0]
        rest = chunk.translate(None, _PRINTABLE_ASCII)
        if not rest and b"\r" not in chunk and not pending:
            # Printable ASCII only: valid UTF-8, nothing forbidden, one byte per character.
            breaks = chunk.count(b"\n")
            if breaks:
                self.line += breaks - (self.after_cr and chunk[:1] == b"\n")
                self.column = len(chunk) - chunk.rfind(b"\n") - 1
            else:
                self.column += len(chunk)
            self.after_cr = False
            return chunk
        text, text_start = self._decode(chunk, final=False, start=start)
        # A forbidden character or an odd line break is outside printable ASCII (but "\r"),
        # so the few bytes that are (with any sequence the last chunk left incomplete)
        # tell whether there is one; the whole text is searched only to locate it.
        # An incomplete sequence at the end is replaced by U+FFFD (allowed) here and seen
        # whole with the next chunk.
        others = (pending + rest).decode("utf-8", "replace")
        bad = _NON_PRINTABLE.search(text) if _NON_PRINTABLE.search(others) else None
        if bad is not None:
            before = text[: bad.start()]
            offset = text_start + len(before.encode("utf-8"))
            self._fail_after(
                before,
                f"character U+{ord(bad.group()):04X} at byte {offset} is not allowed "
                "in YAML (a control character)",
            )
        odd = b"\r" in chunk or _ODD_BREAKS.search(others) is not None
        self.line, self.column = self._advance(text, odd)
        if text:
            self.after_cr = text.endswith("\r")
        return chunk

    def _decode(self, chunk: bytes, *, final: bool, start: int = 0) -> tuple[str, int]:
        """Decode a chunk: (its text, the file offset where that text starts)."""
        pending = self.decoder.getstate()[0]
        start = (start if chunk else self.size) - len(pending)  # offset of the decoder input
        try:
            text = self.decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            good = (pending + chunk)[: exc.start].decode("utf-8")
            if start == 0 and good.startswith("\ufeff"):
                good = good[1:]
            self._fail_after(
                good,
                f"invalid UTF-8 at byte {start + exc.start} "
                f"(0x{exc.object[exc.start]:02x}); the file must be UTF-8",
            )
        if start == 0 and text.startswith("\ufeff"):  # a byte order mark: libyaml skips it
            return text[1:], 3
        return text, start

    def _advance(self, text: str, odd: bool | None = None) -> tuple[int, int]:
        """0-based line and column just after `text`, which starts at self.line/column.

        `odd`: whether `text` may hold a line break other than "\n" (None: look).
        """
        line = self.line - (self.after_cr and text[:1] == "\n")  # "\r" + "\n" is one break
        if odd is None:
            odd = _ODD_BREAKS.search(text) is not None
        if not odd:
            breaks = text.count("\n")
            if not breaks:
                return line, self.column + len(text)
            return line + breaks, len(text) - text.rfind("\n") - 1
        last_end = -1
        for match in _BREAKS.finditer(text):
            line += 1
            last_end = match.end()
        if last_end < 0:
            return line, self.column + len(text)
        return line, len(text) - last_end

    def _fail_after(self, before: str, message: str) -> NoReturn:
        line, column = self._advance(before)
        self._fail(line + 1, column + 1, message)

    def _fail(self, line: int, column: int, message: str) -> NoReturn:
        self.failure = (line, column, message)
        raise StopReading(message)

    def drain(self) -> bool:
        """Hash and count the rest of the file (after parsing stopped early), up to the limit.

        False if the file goes on past the limit (reading stops there: it may never end).
        """
        while chunk := self.raw.read(min(CHUNK_BYTES, self.limit - self.size + 1)):
            self.size += len(chunk)
            if self.size > self.limit:
                return False
            self.hash.update(chunk)
        return True

    def over_limit(self) -> str:
        """The problem of a file that goes on past the limit."""
        return (
            f"file is over the limit of {self.limit} bytes (more were read); raise it with --max-mb"
        )
