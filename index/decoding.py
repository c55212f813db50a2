"""A text file's bytes to text, whatever its encoding: a byte-order mark, then strict UTF-8, then
UTF-16/32 recognised by their zero bytes, then charset-normalizer's best guess.

Refuses, with a reason, what is not text at all (random bytes, images, archives).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# UTF-32's marks begin with UTF-16's: they must be tried first.
_BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Latin text in a legacy code page: charset-normalizer may name any of these for a file whose
# few non-ASCII letters read the same in each. Briefs are Indonesian or English, written on
# Windows more often than not, so Windows-1252 is the reading that fits such a file best.
_LATIN_SINGLE_BYTE = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_9", "iso8859_15", "mac_roman"}
)
_PREFERRED_LATIN = "cp1252"

# Legitimate text has hardly any control characters; binary data decoded as text is full of them.
MAX_CONTROL_CHAR_RATIO = 0.05
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")  # all but \t \n \v \f \r
# Enough bytes to tell UTF-16/32 from their zero bytes without reading a whole large file.
_ZERO_BYTE_SAMPLE = 4096


class NotTextError(ValueError):
    """The bytes are no text in any encoding we recognise; the message says so for a person."""


def decode_text(data: bytes) -> str:
    """The text `data` holds, newlines normalised to \\n; NotTextError when it holds none."""
    text = _decode(data)
    if len(_CONTROL_CHARS.findall(text)) > MAX_CONTROL_CHAR_RATIO * max(len(text), 1):
        raise NotTextError("not text in any known encoding (looks like binary data)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise NotTextError(f"damaged {encoding.upper()} text ({error.reason})") from None
    wide = _wide_encoding(data)
    if wide is not None:
        try:
            return data.decode(wide)
        except UnicodeDecodeError:
            pass  # a binary file with many zero bytes: let the guesser and the checks decide
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    if guess is None:
        raise NotTextError("not text in any known encoding (looks like binary data)")
    if guess.encoding in _LATIN_SINGLE_BYTE:
        try:
            return data.decode(_PREFERRED_LATIN)
        except UnicodeDecodeError:
            pass
    return str(guess)


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, from where its zero bytes fall.

    Text in Latin scripts stored in UTF-16 has a zero in every other byte, in UTF-32 three zeros
    in every four; UTF-8 text has none. (UTF-16 text in other scripts has few zeros: the guesser
    after this recognises it.)
    """
    sample = data[: _ZERO_BYTE_SAMPLE - _ZERO_BYTE_SAMPLE % 4]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    share = [sample[lane::4].count(0) / len(sample[lane::4]) for lane in range(4)]
    if share[1] > 0.9 and share[2] > 0.9 and share[3] > 0.9:
        return "utf-32-le"
    if share[0] > 0.9 and share[1] > 0.9 and share[2] > 0.9:
        return "utf-32-be"
    if share[1] > 0.6 and share[3] > 0.6:
        return "utf-16-le"
    if share[0] > 0.6 and share[2] > 0.6:
        return "utf-16-be"
    return None
