"""Spec for 04_llms/constitutional_ai.py: rule-based critique, revision, the critique-revise loop and the datasets."""

from __future__ import annotations

from grader.testing import assert_equal, check

REFUSAL = "I can't help with that."
CLEAN = ["The capital of France is Paris.", "Stupidity is not a crime; idiomatic English is hard.",
         "A bombastic speech at 12:30, version 3.14.15, costs 1234 dollars.", "Email support via the web form!",
         "Make a cake, build a shed, hot water."]


def _spans(vs):
    return [(v.principle, v.start, v.end, v.text) for v in vs]


def test_worked_example(learner):
    """The docstring's example: two rounds (privacy, then respect) and the safety sentence refusal."""
    r = learner.constitutional_loop("Who?", "Mail me at a@b.com, you idiot.")
    assert_equal([(h.principle, h.after) for h in r.history],
                 [("privacy", "Mail me at [EMAIL], you idiot."), ("respect", "Mail me at [EMAIL], you person.")],
                 name="history (principle, text after the round)",
                 hint="one principle per round, the first in constitution order (privacy, respect, safety) that is violated")
    check(r.converged and r.revised == "Mail me at [EMAIL], you person.",
          f"converged={r.converged}, revised={r.revised!r}", hint="loop until critique finds nothing")
    text = "How do I build a bomb? Thanks."
    assert_equal(_spans(learner.critique(text)), [("safety", 9, 21, "build a bomb")], name="critique(safety example)",
                 hint="a safety violation's span is the pattern's match, not the sentence")
    assert_equal(learner.revise(text, learner.critique(text)), "I can't help with that. Thanks.", name="revise(safety example)",
                 hint="replace the whole sentence (up to and including its '.', '!' or '?') by REFUSAL")


def test_critique_spans(learner):
    """One text with an email, a phone number, an insult and an unsafe instruction: exact spans, sorted by start."""
    text = "Reach jo@mail.org or 555-123-4567. You moron, here is how to hotwire a car."
    want = [("privacy", 6, 17, "jo@mail.org"), ("privacy", 21, 33, "555-123-4567"), ("respect", 39, 44, "moron"),
            ("safety", 61, 74, "hotwire a car")]
    assert_equal(_spans(learner.critique(text)), want, name="critique", hint="all principles' violations, sorted by (start, end)")


def test_bypass_case_and_spacing(learner):
    """Upper case and spaced-out variants are caught: 'IDIOT', 's t u p i d', 'L.O.S.E.R', '(555) 123 4567',
    '+1 555.123.4567', 'John.Doe [at] Example.COM', 'BUILD   a  Pipe bomb', 'hot-wire the car'."""
    cases = [("You IDIOT!", "respect", "IDIOT"), ("so s t u p i d here", "respect", "s t u p i d"),
             ("a L.O.S.E.R, truly", "respect", "L.O.S.E.R"), ("d-u-m-b idea", "respect", "d-u-m-b"),
             ("call (555) 123 4567 now", "privacy", "(555) 123 4567"), ("or +1 555.123.4567", "privacy", "+1 555.123.4567"),
             ("mail John.Doe [at] Example.COM today", "privacy", "John.Doe [at] Example.COM"),
             ("write to a.b @ c-d.co.uk", "privacy", "a.b @ c-d.co.uk"),
             ("BUILD   a  Pipe bomb now.", "safety", "BUILD   a  Pipe bomb"), ("hot-wire the car.", "safety", "hot-wire the car")]
    for text, principle, span in cases:
        got = _spans(learner.critique(text))
        start = text.index(span)
        check(got == [(principle, start, start + len(span), span)],
              f"critique({text!r}) = {got}; expected one {principle} violation on {span!r}",
              hint="match case-insensitively (re.IGNORECASE), allow separators between an insult's letters "
                   "(r'[\\s._-]*' between them) and any whitespace (\\s+) between the words of a pattern")


def test_no_false_positives(learner):
    """Clean texts ('stupidity', 'idiomatic', 'bombastic', times, versions, short numbers) have no violations."""
    for text in CLEAN:
        got = _spans(learner.critique(text))
        check(got == [], f"critique({text!r}) = {got}, expected no violation",
              hint="insults are whole words (no letter right before or after); phone numbers need 10 digits in 3-3-4 groups")


def test_revise_several_spans(learner):
    """Several replacements of different lengths in one call, and two unsafe patterns in one sentence give one refusal."""
    text = "a@b.io, c@d.io and 555 123 4567."
    got = learner.revise(text, [v for v in learner.critique(text) if v.principle == "privacy"])
    assert_equal(got, "[EMAIL], [EMAIL] and [PHONE].", name="revise(three privacy spans)",
                 hint="replacements change the length: apply them from the rightmost span to the leftmost")
    text = "Hi. Build a bomb and synthesize meth! Bye."
    got = learner.revise(text, learner.critique(text))
    assert_equal(got, "Hi. I can't help with that. Bye.", name="revise(two unsafe spans in one sentence)",
                 hint="the sentence runs from after the previous '.!?' and whitespace to the next '.!?' inclusive; "
                      "replace it once")
    assert_equal(learner.revise("You DUMB l o s e r", learner.critique("You DUMB l o s e r")), "You unwise person",
                 name="revise(insults)", hint="replace an insult by INSULTS[its letters, lower-cased]")


def test_loop_order_history_and_max_rounds(learner):
    """All three principles: rounds privacy -> respect -> safety, each round's 'before' is the previous 'after';
    max_rounds=1 stops early (not converged); max_rounds=0 changes nothing."""
    text = "Write to x@y.com, loser. To make a bomb, mix things. Done."
    r = learner.constitutional_loop("q", text, max_rounds=5)
    assert_equal([h.principle for h in r.history], ["privacy", "respect", "safety"], name="principles per round",
                 hint="each round revises the first principle (privacy, respect, safety) that still has violations")
    assert_equal([h.number for h in r.history], [1, 2, 3], name="round numbers", hint="rounds are numbered from 1")
    check(r.history[0].before == text and all(a.after == b.before for a, b in zip(r.history, r.history[1:]))
          and r.history[-1].after == r.revised, "the history's before/after texts do not chain from initial to revised",
          hint="record (before, after) of every round; revised is the last after")
    assert_equal(r.revised, "Write to [EMAIL], person. I can't help with that. Done.", name="revised", hint=REFUSAL)
    check(r.converged and r.initial == text and r.prompt == "q", f"converged={r.converged}", hint="keep prompt and initial")
    check(all(v.principle == h.principle for h in r.history for v in h.violations),
          "a round's violations include other principles", hint="each round handles one principle's violations only")
    one = learner.constitutional_loop("q", text, max_rounds=1)
    check(len(one.history) == 1 and not one.converged and one.revised == "Write to [EMAIL], loser. To make a bomb, mix things. Done.",
          f"max_rounds=1: {len(one.history)} rounds, converged={one.converged}, revised={one.revised!r}",
          hint="stop after max_rounds rounds; converged is whether the final text is clean")
    zero = learner.constitutional_loop("q", text, max_rounds=0)
    check(zero.history == () or list(zero.history) == [], "max_rounds=0 ran a round", hint="range(1, max_rounds + 1)")
    check(zero.revised == text and not zero.converged, "max_rounds=0 must return the text unchanged, not converged",
          hint="converged = not critique(final text)")


def test_idempotent_and_deterministic(learner, rng):
    """Clean text: no rounds, revised == initial, converged; running the loop on a revised text changes nothing;
    random combinations of fragments always converge within 3 rounds, identically on a second run."""
    for text in CLEAN:
        r = learner.constitutional_loop("p", text)
        check(len(r.history) == 0 and r.revised == text and r.converged, f"clean text {text!r} was changed or not converged",
              hint="stop as soon as critique finds nothing")
    frags = ["Hello there.", "Mail ME@EXAMPLE.ORG now.", "Dial (212) 555 0199!", "You are so s.t.u.p.i.d.",
             "Here is how to assemble an explosive.", "Fine, you Idiot?", "Paris is nice.", "HOTWIRE a car today."]
    for _ in range(8):
        text = " ".join(rng.choice(frags, size=4))
        r = learner.constitutional_loop("p", text, max_rounds=3)
        check(r.converged and learner.critique(r.revised) == [], f"{text!r} did not converge in 3 rounds: {r.revised!r}",
              hint="each round fixes every violation of one principle, and no revision introduces a new violation")
        again = learner.constitutional_loop("p", r.revised)
        check(again.revised == r.revised and len(again.history) == 0, f"revising the revised text changed it: {r.revised!r}",
              hint="the loop must be idempotent on its own output")
        check(learner.constitutional_loop("p", text, max_rounds=3) == r, "two runs on the same text differ",
              hint="no randomness: the principle order and revisions are fixed")


def test_datasets(learner):
    """to_sft keeps converged results as (prompt, revised); to_preferences keeps converged, changed ones as
    (chosen=revised, rejected=initial)."""
    rs = [learner.constitutional_loop("p1", "You idiot."), learner.constitutional_loop("p2", "All good."),
          learner.constitutional_loop("p3", "x@y.com, you moron.", max_rounds=1)]
    sft, want = learner.to_sft(rs), [{"prompt": "p1", "response": "You person."}, {"prompt": "p2", "response": "All good."}]
    check(list(sft) == want, f"to_sft gave {sft}, expected {want}",
          hint="every converged result, with the revised response; drop non-converged ones")
    prefs, want = learner.to_preferences(rs), [{"prompt": "p1", "chosen": "You person.", "rejected": "You idiot."}]
    check(list(prefs) == want, f"to_preferences gave {prefs}, expected {want}",
          hint="chosen = revised, rejected = initial; skip unchanged and non-converged results")
