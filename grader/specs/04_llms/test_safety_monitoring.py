"""Spec for 04_llms/safety_monitoring.py: normalisation, blocked terms without Scunthorpe false positives, PII with
Luhn, redaction vs rejection, sliding-window latency percentiles against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import assert_close, assert_equal, check

LEXICON = ["hell", "ass", "crap", "kill", "bad word"]

BYPASSES = [
    ("HELL", "hell"), ("What the h e l l", "hell"), ("h.e.l.l", "hell"), ("h-e-l-l!", "hell"), ("he\u200bll", "hell"),
    ("h\u00adell", "hell"), ("ｈｅｌｌ", "hell"), ("\u04bb\u0435ll", "hell"), ("\u0430ss", "ass"), ("A_S_S", "ass"),
    ("cr\u0430p", "crap"), ("K I L L them", "kill"), ("\u03ba\u03b9ll", "kill"), ("a B.A.D word", "bad word"),
    ("BAD   WORD", "bad word"), ("Kill.", "kill"),
]
BENIGN = [
    "Scunthorpe United won the match.", "The assessment is due on Monday.", "Hello, shell scripts are fun.",
    "A classic passage from Massachusetts.", "She has great skill.", "Scrap the scrapbook.", "Hellenic history",
    "I am a student.", "Badminton and wording matter.", "The killer whale is a dolphin.", "Crappie is a fish.",
    "Bass guitar and embassy staff", "Call me at 10:30 on 2024-01-15.", "Room 101, year 1999, 1,000,000 users.",
]


def _luhn_digit(body: str) -> str:
    """The check digit that makes body + digit Luhn-valid (the mod-10 formula, computed independently)."""
    s = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:                       # these positions are doubled once the check digit is appended
            d *= 2
            d = d // 10 + d % 10
        s += d
    return str((10 - s % 10) % 10)


def test_normalize(learner):
    """normalize applies NFKC, deletes zero-width characters, casefolds and maps Cyrillic/Greek look-alikes."""
    cases = [("ＨＥ\u200bLL \u04bb\u0435ll", "hell hell"), ("Stra\u00dfe", "strasse"), ("\ufb01ne", "fine"),
             ("\u0421\u0410\u0422", "cat"), ("\u03bf\u03ba", "ok"), ("a\u200cb\u200dc\u2060d\ufeffe", "abcde"),
             ("Caf\u00e9", "caf\u00e9")]
    for text, want in cases:
        assert_equal(learner.normalize(text), want, name=f"normalize({text!r})",
                     hint="unicodedata.normalize('NFKC'), delete ZERO_WIDTH, .casefold() (not .lower(): 'ß' -> 'ss'), "
                          "then map each character through CONFUSABLES")


def test_words(learner):
    """words strips punctuation inside words and joins runs of two or more single letters."""
    cases = [("h.e.l.l, and s h e l l!", ["hell", "and", "shell"]), ("I am a student", ["i", "am", "a", "student"]),
             ("x y", ["xy"]), ("", []), ("... !!!", []), ("B-A-D w.o.r.d", ["bad", "word"])]
    for text, want in cases:
        assert_equal(learner.words(text), want, name=f"words({text!r})",
                     hint="drop non-[a-z0-9] characters inside each normalised word; join 2+ consecutive one-letter words")


@pytest.mark.parametrize("text,term", BYPASSES)
def test_bypass_attempts_caught(learner, text, term):
    """Obfuscated blocked terms (case, spacing, punctuation, zero-width, full-width, look-alikes) are found."""
    got = learner.find_blocked(text, LEXICON)
    check(term in got, f"find_blocked({text!r}) = {got}, missed {term!r}",
          hint="match on words(text), which normalises the text and undoes spacing and punctuation tricks")


def test_no_false_positives(learner):
    """Benign texts that contain blocked terms as substrings (Scunthorpe, assessment, shell, skill...) pass."""
    for text in BENIGN:
        got = learner.find_blocked(text, LEXICON)
        assert_equal(got, [], name=f"find_blocked({text!r})",
                     hint="match whole words (or consecutive whole words), never substrings")
        check(learner.filter_text(text, LEXICON).allowed, f"filter_text rejected the benign {text!r}")


def test_luhn(learner, rng):
    """luhn_valid accepts known test card numbers, rejects them after any single-digit change, and agrees with the
    mod-10 check-digit formula on random numbers."""
    for good in ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "79927398713"]:
        check(learner.luhn_valid(good), f"luhn_valid({good!r}) is False for a valid number",
              hint="double every SECOND digit from the right (the check digit itself is not doubled)")
    check(not learner.luhn_valid("79927398710"), "luhn_valid('79927398710') is True", hint="sum % 10 == 0")
    for _ in range(20):
        body = "".join(str(d) for d in rng.integers(0, 10, size=int(rng.integers(12, 18))))
        num = body + _luhn_digit(body)
        check(learner.luhn_valid(num), f"luhn_valid({num!r}) is False", hint="doubled digits above 9: subtract 9")
        i = int(rng.integers(0, len(num)))
        bad = num[:i] + str((int(num[i]) + int(rng.integers(1, 10))) % 10) + num[i + 1:]
        check(not learner.luhn_valid(bad), f"luhn_valid({bad!r}) is True after changing one digit of {num!r}")


def test_find_pii(learner):
    """Emails, grouped phone numbers and Luhn-valid cards are found with exact spans; a Luhn-invalid 16-digit number,
    dates, times and plain numbers are not PII."""
    text = "Mail bob.smith+x@mail.example.org or call (555) 123-4567; card 4111 1111 1111 1111."
    t = learner.clean(text)
    got = learner.find_pii(text)
    want = [("email", t.index("bob"), t.index(" or")), ("phone", t.index("(555)"), t.index(";")),
            ("card", t.index("4111"), len(t) - 1)]
    check([tuple(s) for s in got] == want, f"find_pii found {got}, expected {want}",
          hint="use the given patterns on clean(text); a card must pass luhn_valid on its digits; spans sorted by start")
    for text, kinds in [("+44 20 7946 0958", ["phone"]), ("555.123.4567", ["phone"]),
                        ("4111-1111-1111-1112", []), ("on 2024-01-15 at 10:30", []), ("1,000,000 in 2023", []),
                        ("ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ", ["email"]), ("5555 5555 5555 4444", ["card"])]:
        assert_equal([k for k, _, _ in learner.find_pii(text)], kinds, name=f"PII kinds in {text!r}",
                     hint="a 16-digit number that fails Luhn is not a card; phones need 10-15 digits in groups")


def test_filter_redact_and_reject(learner):
    """Redaction replaces each PII span by [EMAIL]/[PHONE]/[CARD] and allows the text; rejection refuses it;
    a blocked term is always refused."""
    text = "Reach me at ann@site.io or +1 415 555 2671, card 5555-5555-5555-4444."
    r = learner.filter_text(text, LEXICON, pii="redact")
    check(r.allowed, "redact mode refused text that only has PII", hint="redact mode allows the text after redaction")
    assert_equal(r.text, "Reach me at [EMAIL] or [PHONE], card [CARD].", name="redacted text",
                 hint="replace spans right to left so earlier offsets stay valid")
    r = learner.filter_text(text, LEXICON, pii="reject")
    check(not r.allowed and any("pii" in x for x in r.reasons), f"reject mode gave allowed={r.allowed}, reasons={r.reasons}",
          hint="pii='reject' refuses text with PII, reasons like 'pii:email'")
    r = learner.filter_text("what the h\u200be\u200bl\u200bl", LEXICON)
    check(not r.allowed and any("hell" in x for x in r.reasons), f"blocked term passed: {r}",
          hint="blocked terms are rejected with reasons like 'blocked:hell'")


def test_monitor_against_numpy(learner, rng):
    """Monitor's p50/p95/p99 equal numpy.percentile over the last `window` latencies; tokens/s and error rate
    are computed over the same window."""
    m = learner.Monitor(window=50)
    check(m.error_rate() == 0.0 and m.tokens_per_second() == 0.0, "an empty monitor must report 0.0 rates")
    lat = rng.lognormal(-2, 0.8, size=137)
    tok = rng.integers(1, 200, size=137)
    ok = rng.random(137) > 0.1
    ok[-50:][:3] = False
    for i in range(137):
        m.record(lat[i], int(tok[i]), bool(ok[i]))
        if i in (0, 1, 6, 49, 136):
            w = slice(max(0, i + 1 - 50), i + 1)
            got = m.percentiles()
            want = np.percentile(lat[w], [50, 95, 99])
            assert_close([got["p50"], got["p95"], got["p99"]], want, rtol=1e-9, atol=1e-12,
                         name=f"p50/p95/p99 after {i + 1} requests",
                         hint="sort the window; rank r = p/100 * (n - 1); interpolate between x[floor(r)] and the next; "
                              "only the last `window` requests count")
    w = slice(137 - 50, 137)
    assert_close(m.error_rate(), float((~ok[w]).mean()), rtol=1e-12, name="error rate over the window",
                 hint="errors / requests in the window, not since start")
    assert_close(m.tokens_per_second(), float(tok[w][ok[w]].sum() / lat[w][ok[w]].sum()), rtol=1e-9,
                 name="tokens per second", hint="sum of tokens / sum of latencies, successful requests only")
