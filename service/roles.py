"""Who did what to whom: the arguments of a statement's verbs compared with its evidence's.

A verb's agent is the noun phrase before it (past its auxiliaries, adverbs and an earlier verb
of the same subject: "The panel will meet monthly and can ask ...") or, in the passive, the
phrase after "by"; its patient is the phrase after it (past one preposition: "depended on the
rail program"). Roles are read from the words alone, no parser: a statement is rejected only
when its words are clearly crossed over, that is when more of them stand in the other slot of
the evidence than in their own:
- one verb, agent and patient exchanged ("The council told city staff" / "City staff told the
  council"; "Russia will support the stand of North Korea" / the reverse);
- two verbs, their agents exchanged ("the bank announced the program after the ministry held
  rates" / "the ministry announced the program after the bank held rates").
A change of voice ("X was defeated by Y" / "Y defeated X") keeps the roles.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

from service import wording
from service.wording import Token

# Words that may stand between a verb and its subject: the verb group and a time or place.
_GROUP = wording.FUNCTION_WORDS & frozenset(
    "is are was were be been being has have had will would shall should can could may might "
    "must do does did not no never to and but also still already just yet".split()
)
_TIME = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tonight night "
    "morning afternoon evening week weeks month months year years hour hours day days earlier "
    "later then now".split()
)
# A preposition of time before a time word or a number: "on Wednesday", "in 2023".
_TIME_PREPS = frozenset("on in at during since until by late early last this next".split())
_DETERMINERS = frozenset("the a an its their his her our this these those".split())
# Verbs of telling and asking have their addressee as patient ("told the council").
_TELLING = frozenset("told tell tells telling asked ask asks asking".split())
# Words inside a noun phrase that are not content: determiners, "of", possessives' glue.
_INSIDE = frozenset(
    "the a an its their his her our this that these those of between and & 's".split()
)
# One preposition may open a patient: "depended on the program", "voted against the measure".
_OPENING = frozenset("on upon against for about into onto over with from in at to".split())
_ENDS = frozenset(
    "that which who whom whose whether when while because if than as after before".split()
)
# Participles that work as prepositions: "given the volatile landscape".
_PREPOSITIONAL = frozenset(
    "given including following according regarding concerning excluding considering".split()
)
MAX_WORDS = 5
_BREAK = frozenset(',;:()"“”—–')  # clause punctuation ends a phrase (quotation marks are skipped)
_QUOTES = frozenset('"“”')


class Roles(NamedTuple):
    """The content stems of a verb's agent and patient."""

    agent: frozenset[str]
    patient: frozenset[str]


def _passive(toks: tuple[Token, ...], k: int) -> bool:
    """Whether toks[k] is a participle after a form of "be" ("will be managed", "was led") or
    before "by" ("a treaty signed by Kim and Putin")."""
    low = toks[k].text.lower()
    if not (low.endswith(("ed", "en")) or low in wording.IRREGULAR):
        return False
    if k + 1 < len(toks) and toks[k + 1].text.lower() == "by":
        return True
    j = k - 1
    while j >= 0 and toks[j].text.lower().endswith("ly") and len(toks[j].text) > 4:
        j -= 1
    return j >= 0 and toks[j].text.lower() in {"is", "are", "was", "were", "be", "been", "being"}


def _phrase(toks: tuple[Token, ...], indices: range) -> frozenset[str]:
    """The content stems of the noun phrase met walking `indices` (either direction): walking
    back, a determiner opens it; walking on, "and" ends it ("the stand of Russia and its
    policies" is about Russia)."""
    out: list[str] = []
    backward = indices.step < 0
    for j in indices:
        t = toks[j]
        low = t.text.lower()
        if t.text in _QUOTES:
            continue
        if t.text in _BREAK or low in _ENDS or len(out) == MAX_WORDS or low in _TIME:
            break
        if backward and low in _DETERMINERS:
            break
        if not backward and out and low in {"and", "or"}:
            break
        if low in _INSIDE or (low.endswith(("'s", "’s")) and not wording.is_content(t)):
            continue
        if any(c.isdigit() for c in low) or low in {"million", "billion", "percent"}:
            continue
        if wording.is_verb(toks, j) or not wording.is_content(t):
            break
        out.append(t.stem)
    return frozenset(out)


def _subject(toks: tuple[Token, ...], k: int) -> frozenset[str]:
    """The phrase before toks[k], past its verb group and a coordinated verb before it."""
    j = k - 1
    while j >= 0:
        t = toks[j]
        low = t.text.lower()
        if t.text in _BREAK:
            return frozenset()
        timed = j + 1 < k and (
            toks[j + 1].text.lower() in _TIME or any(c.isdigit() for c in toks[j + 1].text)
        )
        skip = (
            low in _GROUP
            or low in _TIME
            or (low in _TIME_PREPS and timed)
            or (low.endswith("ly") and len(low) > 4)
            or any(c.isdigit() for c in low)
            or wording.is_verb(toks, j)
        )
        if not skip:
            break
        if low in {"and", "but"} and j > 0 and _ends_in_noun(toks, j - 1):
            return frozenset()  # "defend the decision and had met ...": the subject is far back
        j -= 1
    return _phrase(toks, range(j, -1, -1)) if j >= 0 else frozenset()


def _ends_in_noun(toks: tuple[Token, ...], j: int) -> bool:
    """Whether toks[j] is a noun closing an earlier verb phrase (not a verb or an adverb)."""
    t = toks[j]
    low = t.text.lower()
    if not t.text[0].isalnum() or wording.is_verb(toks, j) or low in _GROUP:
        return False
    return not (low.endswith("ly") and len(low) > 4) and low not in _TIME


def _object(toks: tuple[Token, ...], k: int) -> tuple[frozenset[str], bool]:
    """The phrase after toks[k], and whether it came after "by"."""
    j = k + 1
    by = False
    if j < len(toks) and toks[j].text.lower() == "by":
        by, j = True, j + 1
    elif j < len(toks) and toks[j].text.lower() in _OPENING:
        if toks[j].text.lower() == "to" and j + 1 < len(toks) and wording.is_verb(toks, j + 1):
            return frozenset(), False  # "agreed to expand": no patient here
        j += 1
    return _phrase(toks, range(j, len(toks))), by


def roles(toks: tuple[Token, ...], k: int) -> Roles:
    """Agent and patient of the verb toks[k], the passive turned active."""
    before = _subject(toks, k)
    after, by = _object(toks, k)
    if by or _passive(toks, k):
        return Roles(after if by else frozenset(), before)
    return Roles(before, after)


def _overlap(a: frozenset[str], b: frozenset[str]) -> int:
    return sum(any(wording.related(x, y) for y in b) for x in a)


def _crossed(mine: Roles, theirs: Roles) -> bool:
    """Whether the statement's agent and patient stand the other way round in the evidence."""
    a_in_p = _overlap(mine.agent - theirs.agent, theirs.patient)
    p_in_a = _overlap(mine.patient - theirs.patient, theirs.agent)
    kept = _overlap(mine.agent, theirs.agent) + _overlap(mine.patient, theirs.patient)
    return a_in_p > 0 and p_in_a > 0 and a_in_p + p_in_a > kept


def _substituted(
    mine: frozenset[str], theirs: frozenset[str], ev_words: frozenset[str], my_words: frozenset[str]
) -> bool:
    """Whether the statement's agent is wholly another than the evidence's, each standing
    elsewhere in the other's sentence ("managed by the authority, with the department setting
    priorities" / "managed by the department, with the authority setting priorities")."""
    if not mine or not theirs or _overlap(mine, theirs):
        return False
    return 2 * _overlap(mine, ev_words) >= len(mine) and 2 * _overlap(theirs, my_words) >= len(
        theirs
    )


def _direct(toks: tuple[Token, ...], k: int) -> bool:
    """Whether an active verb takes its object directly: "lowered its forecast" (not "felt at
    the surface", "was cut", "to stop at")."""
    if _passive(toks, k) or k + 1 >= len(toks):
        return False
    after = toks[k + 1].text.lower()
    return after in _INSIDE or (toks[k + 1].text[0].isalpha() and wording.is_content(toks[k + 1]))


def _misplaced(
    mine: frozenset[str],
    theirs: frozenset[str],
    j: int,
    evidence: tuple[Token, ...],
    ev_verbs: list[int],
    verb: str,
) -> bool:
    """Whether the statement's patient is, in the evidence, another verb's and not this one's:
    "lowered its revenue forecast" against "kept its revenue forecast ..., but lowered its
    margin outlook"."""
    if not mine or not theirs or _overlap(mine, theirs):
        return False
    if not _direct(evidence, j):
        return False
    for u in ev_verbs:
        if u == j or wording.related(evidence[u].stem, verb) or not _direct(evidence, u):
            continue
        other = roles(evidence, u).patient
        if 2 * _overlap(mine, other) > len(mine):
            return True
    return False


def _verbs(toks: tuple[Token, ...], start: int, end: int) -> list[int]:
    return [
        k
        for k, t in enumerate(toks)
        if start <= t.start < end
        and t.text[0].isalpha()
        and (wording.is_content(t) or t.text.lower() in _TELLING)
        and t.text.lower() not in _PREPOSITIONAL
        and wording.is_verb(toks, k)
    ]


def role_reasons(statement: str, start: int, end: int, evidence: tuple[Token, ...]) -> list[str]:
    """Why the verbs of statement[start:end] have their roles swapped against an evidence
    sentence's tokens; [] when they do not (or when the words say too little to tell)."""
    toks = wording.tokens(statement)
    ev_verbs = _verbs(evidence, 0, evidence[-1].end if evidence else 0)
    matched: list[tuple[int, list[int]]] = []
    for k in _verbs(toks, start, end):
        hits = [j for j in ev_verbs if wording.related(toks[k].stem, evidence[j].stem)]
        if hits:
            matched.append((k, hits))
    mine = {k: roles(toks, k) for k, _ in matched}
    theirs = {j: roles(evidence, j) for _, hits in matched for j in hits}
    for k, hits in matched:
        if mine[k].agent and mine[k].patient and all(_crossed(mine[k], theirs[j]) for j in hits):
            return [f"it reverses who does what in {toks[k].text!r}: the article has the roles "
                    "the other way round"]  # fmt: skip
    ev_words = frozenset(t.stem for t in evidence if wording.is_content(t))
    my_words = frozenset(t.stem for t in toks if wording.is_content(t))
    for k, hits in matched:
        if all(_substituted(mine[k].agent, theirs[j].agent, ev_words, my_words) for j in hits):
            return [f"it gives {toks[k].text!r} another subject than the article does"]
    for k, hits in matched:
        if not _direct(toks, k):
            continue
        if all(_misplaced(mine[k].patient, theirs[j].patient, j, evidence, ev_verbs, toks[k].stem)
               for j in hits):  # fmt: skip
            return [f"the article says {toks[k].text!r} of something else"]
    for (k1, h1), (k2, h2) in itertools.combinations(matched, 2):
        if wording.related(toks[k1].stem, toks[k2].stem) or len(h1) != 1 or len(h2) != 1:
            continue
        a1, a2 = mine[k1].agent, mine[k2].agent
        e1, e2 = theirs[h1[0]].agent, theirs[h2[0]].agent
        if not (a1 and a2 and e1 and e2) or h1[0] == h2[0]:
            continue
        crossed = _overlap(a1 - e1, e2) + _overlap(a2 - e2, e1)
        kept = _overlap(a1, e1) + _overlap(a2, e2)
        if _overlap(a1 - e1, e2) and _overlap(a2 - e2, e1) and crossed > kept:
            return [f"it gives {toks[k1].text!r} and {toks[k2].text!r} each other's subject: "
                    "the article has them the other way round"]  # fmt: skip
    return []
