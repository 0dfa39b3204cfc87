"""Entity linking without brackets: exact -> normalised -> fuzzy -> dense.

Every span of the question is looked up in the KG's name index; spans that match nothing may
match a name fuzzily (typos: "Steven Spielburg"). Candidates carry a prior that favours long,
capitalised spans over common words, so "Up" the film is only chosen when the question wants it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from assistant.kg.graph import KnowledgeGraph
from assistant.kg.normalize import normalize_name
from assistant.parsing.cues import singular, type_words

STOPWORDS = set("""a an the of in on at to for by with and or is are was were be been who whom whose what which
when where how why did do does has have had that this these those me my i you your it its there their them they
he she his her some any all most more than as from about into also movie movies film films show shows
please list name tell find give""".split())
_TOKEN = re.compile(r"\S+")
MAX_SPAN_TOKENS = 12


@dataclass(slots=True)
class Mention:
    """A span of the question and the nodes it may refer to."""

    text: str
    start: int  # token index
    end: int  # token index, exclusive
    char_start: int
    char_end: int
    node_ids: list[str]
    method: str  # exact | normalised | fuzzy | dense
    similarity: float  # 1.0 for exact/normalised matches
    prior: float

    @property
    def length(self) -> int:
        return self.end - self.start


class EntityLinker:
    """Finds candidate mentions of KG nodes in free text."""

    def __init__(self, kg: KnowledgeGraph, fuzzy_cutoff: float = 86.0, vocabulary_types: set[str] | None = None
                 ) -> None:
        self.kg = kg
        #: small curated vocabularies (genres, skills) whose names are meaningful even in lower case
        self.vocabulary_types = vocabulary_types or set()
        self.fuzzy_cutoff = fuzzy_cutoff
        self._keys: list[str] | None = None
        self._type_words = type_words()

    def _span_prior(self, tokens: list[str], key: str) -> float:
        words = key.split()
        if not words:
            return 0.0
        if all(w in STOPWORDS or w in self._type_words for w in words):
            return 0.05
        if len(words) == 1:
            capitalised = tokens[0][:1].isupper() or tokens[0][:1].isdigit()
            return 0.8 if capitalised else 0.4
        return 1.0

    def mentions(self, text: str, fuzzy: bool = True) -> list[Mention]:
        """All spans that name a node (exact or normalised), plus fuzzy ones (typos) where useful."""
        spans = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        found = self.exact(text, spans, self.kg.ids_for_key)
        if fuzzy:
            found += self.fuzzy(text, spans, found)
        return found

    def exact(self, text: str, spans: list[tuple[str, int, int]], lookup) -> list[Mention]:
        """Spans whose normalised text is a key of ``lookup`` (longest spans first)."""
        found: list[Mention] = []
        for n in range(min(MAX_SPAN_TOKENS, len(spans)), 0, -1):
            for i in range(len(spans) - n + 1):
                start_char, end_char = spans[i][1], spans[i + n - 1][2]
                for variant in _variants(text[start_char:end_char]):
                    key = normalize_name(variant)
                    ids = lookup(key) if key else []
                    if ids:
                        exact = any(getattr(self.kg.nodes.get(x), "name", None) == variant for x in ids)
                        tokens = [t for t, _, _ in spans[i:i + n]]
                        prior = self._span_prior(tokens, key)
                        if 0.05 < prior < 0.8 and any(getattr(self.kg.nodes.get(x), "type", None) in
                                                      self.vocabulary_types for x in ids):
                            prior = 0.8  # "westerns", "horror": genre words, not chance matches
                        found.append(Mention(variant, i, i + n, start_char, start_char + len(variant), list(ids),
                                             "exact" if exact else "normalised", 1.0, prior))
                        break
        return found

    def fuzzy(self, text: str, spans: list[tuple[str, int, int]], exact: list[Mention]) -> list[Mention]:
        """Fuzzy matches (typos) for spans of 1-8 tokens that exact matching did not explain.

        A span qualifies when it holds a token no exact mention covers, or when it is longer than
        the exact mentions inside it ("indiana jones and the temple of dom" beats "indiana jones").
        On large KGs only spans with an unexplained capitalised token are tried, to keep latency low.
        """
        if self._keys is None:
            self._keys = [k for k in self.kg.name_keys() if len(k) >= 4]
        large = len(self._keys) > 20_000
        good = [m for m in exact if m.prior >= 0.8]
        covered = {i for m in good for i in range(m.start, m.end)}
        out: list[Mention] = []
        taken: set[int] = set()
        for n in range(min(8, len(spans)), 0, -1):
            for i in range(len(spans) - n + 1):
                window = range(i, i + n)
                if any(j in taken for j in window):
                    continue
                uncovered = [j for j in window if j not in covered
                             and normalize_name(spans[j][0]) not in STOPWORDS | self._type_words.keys()]
                inner = [m for m in good if m.start >= i and m.end <= i + n]
                if not uncovered or any(m.start == i and m.end == i + n for m in good):
                    continue
                if any(m.start < i < m.end or m.start < i + n < m.end for m in good):
                    continue  # would cut through an exact mention
                if large and not any(spans[j][0][:1].isupper() for j in uncovered):
                    continue
                raw = text[spans[i][1]:spans[i + n - 1][2]].strip(" ?!.,;:\"")
                key = normalize_name(raw)
                words = key.split()
                if len(key) < 5 or all(w in STOPWORDS or w in self._type_words for w in words):
                    continue
                match = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff)
                if match is None or match[0] == key:
                    continue
                if inner and len(match[0]) <= max(len(normalize_name(m.text)) for m in inner):
                    continue
                tokens = [t for t, _, _ in spans[i:i + n]]
                out.append(Mention(raw, i, i + n, spans[i][1], spans[i][1] + len(raw),
                                   list(self.kg.ids_for_key(match[0])), "fuzzy", match[1] / 100.0,
                                   self._span_prior(tokens, key) * match[1] / 100.0 * (1.1 if n > 1 else 1.0)))
                taken.update(window)
        return out

    def nearest_names(self, text: str, limit: int = 3) -> list[str]:
        """Closest node names to ``text`` by spelling, for "not in the graph" replies."""
        if self._keys is None:
            self._keys = [k for k in self.kg.name_keys() if len(k) >= 4]
        matches = process.extract(normalize_name(text), self._keys, scorer=fuzz.WRatio, limit=limit)
        names = []
        for key, _, _ in matches:
            ids = self.kg.ids_for_key(key)
            if ids:
                names.append(self.kg.nodes[ids[0]].label)
        return names


def _variants(raw: str) -> list[str]:
    """The span, and the span without trailing punctuation or a possessive 's."""
    stripped = raw.strip(" ?!.,;:\"“”()[]")
    out = [stripped, raw]
    for suffix in ("'s", "’s", "'", "’"):
        if stripped.endswith(suffix):
            out.append(stripped[: -len(suffix)])
    words = stripped.split()
    if words and singular(words[-1]) != words[-1]:  # "space operas" -> "space opera"
        out.append(" ".join([*words[:-1], singular(words[-1])]))
    return list(dict.fromkeys(v for v in out if v))
