"""Entity linking that survives real typing: every span of the question that may name a node, with
several candidates per span, each with a score and the evidence behind it.

A span links by
- its exact or normalised name or alias ("e.t." = "E.T."), or a label with its year ("Dune (1984)");
- part of a name: a surname ("spielberg"), a title without its article or subtitle ("terminator");
- spelling (typos: "steven spielburg"), by rapidfuzz over the name keys;
- a character played in a credit ("han solo"), from the edges' ``character`` qualifiers;
- meaning, as a last resort, when the caller passes a dense lookup (the vector index).

Nothing is decided here: a lower-case common word ("alien", "mind") or a partial name that several
nodes share keeps all its candidates, scored lower, and the answering pipeline's ranker chooses the
reading (entity + path) the whole question supports. Spans that look like names but link to
nothing are reported with the nearest names, so an answer can say "Amadeus is not in this graph".
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from assistant.kg.graph import KnowledgeGraph
from assistant.kg.normalize import normalize_name

STOPWORDS = frozenset("""a an the of in on at to for by with and or is are was were be been who whom whose what which
when where how why did do does has have had that this these those me my i you your it its there their them they
he she his her some any all most more than as from about into also movie movies film films show shows
please list name tell find give one ones like similar""".split())
# Words that are never the start or end of a partial name: the stopwords and the question language's own
# closed-class words (qualifiers, type nouns, role nouns, cue verbs), so "the best" is not Ahmed Best.
WEAK = STOPWORDS | frozenset("""best good great top greatest famous popular recent latest new old classic most least
first last worst many much who whom whose kind type sort genre genres person people someone anyone composer
director actor actress writer producer editor animator star stars year years made make directed starring played
play plays voiced voice worked work works same other another else recommend recommendation show tell know find
something anything everything thing things based about cast crew music score scored out up off down over back
away""".split())
_TOKEN = re.compile(r"[^\s?!,;:\"“”()\[\]]+")
_ENDS_WITH_YEAR = re.compile(r"\s(1[89]|20)\d\d$")
MAX_SPAN = 10
_CHARACTER_CUE = re.compile(r"\b(play|plays|played|playing|portray\w*|voice[sd]?|voicing|as|character|role)\b",
                            re.IGNORECASE)
ARTICLES = frozenset({"the", "a", "an"})
#: question words and fillers that start many questions and never begin a name
_CAPITAL_NOISE = frozenset("who what which when where how why is are was were did do does can could would "
                           "tell show find list name give i im i'm hey hi please".split())


#: a capitalised run: "Amadeus", "The Lord of the Rings", "Harrison Ford and Carrie Fisher"
_NAME_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:of|the|de|la|von|van|and|&)?\s*[A-Z][\w'’.-]*)*")


@dataclass(slots=True)
class Link:
    """One candidate node for one span of the question.

    Attributes:
        node_id: The node, or ``""`` for a character (then ``character`` is set).
        mention: The span as typed.
        start, end: Character offsets of the span in the question.
        method: ``exact`` | ``normalised`` | ``label`` | ``partial`` | ``fuzzy`` | ``character`` | ``dense``
            | ``history``.
        score: How likely this span names this node, 0..1 (spelling, coverage of the name, ambiguity).
        features: The evidence the score came from, for the reading ranker.
        character: The character's name for a ``character`` link.
    """

    node_id: str
    mention: str
    start: int
    end: int
    method: str
    score: float
    features: dict[str, float] = field(default_factory=dict)
    character: str = ""

    def masked(self, text: str, mask: str) -> str:
        """The question with this span replaced by ``mask`` (the matcher reads questions this way)."""
        if self.start == self.end:  # a link from the conversation, not from a span: name it at the end
            return f"{text.rstrip(' ?.!')} {mask}".strip()
        return text[:self.start] + mask + text[self.end:]


@dataclass(slots=True)
class LinkResult:
    links: list[Link]
    unknown: list[dict]  # {"mention", "nearest": [labels]} for name-like spans that link to nothing


class Linker:
    """Builds the name indexes of one KG once; :meth:`link` is then a few milliseconds per question.

    Args:
        kg: The graph.
        dense_lookup: ``text -> [(node id, cosine)]`` from the vector index, for names no spelling explains.
        fuzzy_cutoff: Least rapidfuzz ratio (0-100) for a typo match.
    """

    def __init__(self, kg: KnowledgeGraph, dense_lookup: Callable[[str], list[tuple[str, float]]] | None = None,
                 fuzzy_cutoff: float = 85.0) -> None:
        self.kg = kg
        self.dense_lookup = dense_lookup
        self.fuzzy_cutoff = fuzzy_cutoff
        self._character_cue = False
        self.refresh()

    def refresh(self) -> None:
        """(Re)build the indexes: after an incremental update of the KG."""
        kg = self.kg
        self.tokens: dict[str, set[str]] = defaultdict(set)  # name token -> nodes whose name has it
        self.labels: dict[str, list[str]] = defaultdict(list)  # "dune 1984" -> ids
        self.characters: dict[str, list[int]] = defaultdict(list)  # character key -> credit edge ids
        self.name_tokens: dict[str, tuple[str, ...]] = {}
        self.surnames: dict[str, int] = defaultdict(int)  # last name -> how many people have it
        for node in kg.nodes.values():
            if node.type == "person":
                last = normalize_name(node.name).split()[-1:]
                if last:
                    self.surnames[last[0]] += 1
            for name in (node.name, *node.aliases):
                words = tuple(normalize_name(name).split())
                if not words:
                    continue
                self.name_tokens.setdefault(node.id, words)
                for w in set(words):
                    if w not in STOPWORDS and len(w) > 1:
                        self.tokens[w].add(node.id)
            if node.label != node.name:
                self.labels[normalize_name(node.label)].append(node.id)
        for idx, edge in enumerate(kg.edges):
            if edge is not None and edge.qualifiers and edge.qualifiers.get("character"):
                key = normalize_name(str(edge.qualifiers["character"]))
                if key:
                    self.characters[key].append(idx)
        self.character_tokens: dict[str, set[str]] = defaultdict(set)
        for key in self.characters:
            for w in key.split():
                if w not in STOPWORDS:
                    self.character_tokens[w].add(key)
        self._keys = [k for k in kg.name_keys() if len(k) >= 4]
        self._degree_cache: dict[str, float] = {}
        total = max(1, kg.num_nodes)
        self._log_total = math.log(total)

    # ---- the spans ------------------------------------------------------------------------
    def link(self, text: str, max_links: int = 12) -> LinkResult:
        """Candidate links for every span of ``text``, best first, and the name-like spans nothing explains."""
        spans = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        found: dict[tuple[str, int, int, str], Link] = {}
        self._character_cue = bool(_CHARACTER_CUE.search(text))

        def add(link: Link) -> None:
            key = (link.node_id or link.character, link.start, link.end, link.method)
            if key not in found or found[key].score < link.score:
                found[key] = link

        for n in range(min(MAX_SPAN, len(spans)), 0, -1):
            for i in range(len(spans) - n + 1):
                start, end = spans[i][1], spans[i + n - 1][2]
                raw = text[start:end]
                words = [normalize_name(w) for w, _, _ in spans[i:i + n]]
                key = normalize_name(raw)
                if not key or all(w in STOPWORDS for w in key.split()):
                    continue
                for link in self._exact(raw, key, start, end, words):
                    add(link)
                # parts of names and characters start and end on a word that could be part of a name:
                # "of the terminator" and "most with spielberg" are not names
                inner = [w for w in words if w]
                if not inner or (inner[0] in WEAK and inner[0] not in ARTICLES) or inner[-1] in WEAK:
                    continue
                for link in self._characters(raw, key, start, end):
                    add(link)
                if n <= 4:
                    for link in self._partial(raw, key, start, end, words):
                        add(link)
        links = sorted(found.values(), key=lambda lk: (-lk.score, lk.start))
        covered = self._covered(links)
        for link in self._fuzzy(text, spans, covered):
            add(link)
        links = self._drop_inner(sorted(found.values(), key=lambda lk: (-lk.score, lk.start)))
        unknown_spans = list(self._unlinked_names(text, links))
        if self.dense_lookup is not None:
            for raw, start, end in unknown_spans:
                for link in self._dense(raw, start, end):
                    add(link)
            links = sorted(found.values(), key=lambda lk: (-lk.score, lk.start))
        strong = [lk for lk in links if lk.score >= 0.5]
        unknown = [{"mention": raw, "nearest": self.nearest_names(raw), "start": start, "end": end}
                   for raw, start, end in self._unlinked_names(text, strong)]
        unknown += [{"mention": raw, "nearest": self.nearest_names(raw), "start": start, "end": end, "partial": True}
                    for raw, start, end in self._partly_linked_names(text, strong)]
        return LinkResult(self._prune(links, max_links), unknown)

    @staticmethod
    def _drop_inner(links: list[Link]) -> list[Link]:
        """A partial, fuzzy or character match inside the span of a full name ("Kosinski" in "Jerzy Kosinski",
        "Susan" in "Susan Streitfeld") names another node only by accident: it goes."""
        full = [lk for lk in links if lk.method in ("exact", "normalised", "label") and lk.score >= 0.8
                and " " in lk.mention]
        out = []
        for link in links:
            inside = any(f.start <= link.start and link.end <= f.end and (f.start, f.end) != (link.start, link.end)
                         for f in full)
            if inside and link.method in ("partial", "fuzzy", "character") and link.node_id not in \
                    {f.node_id for f in full}:
                continue
            out.append(link)
        return out

    def _covered(self, links: list[Link]) -> set[int]:
        return {i for lk in links if lk.score >= 0.6 for i in range(lk.start, lk.end)}

    def _prune(self, links: list[Link], limit: int) -> list[Link]:
        """At most ``limit`` links, and at most 4 per span: a span shared by many homonyms keeps its best."""
        per_span: dict[tuple[int, int], int] = defaultdict(int)
        out = []
        for link in links:
            span = (link.start, link.end)
            if per_span[span] >= 4:
                continue
            per_span[span] += 1
            out.append(link)
            if len(out) >= limit:
                break
        return out

    # ---- scoring helpers -------------------------------------------------------------------
    def _prominence(self, node_id: str) -> float:
        """log degree, scaled to about 0..1 over the KG."""
        value = self._degree_cache.get(node_id)
        if value is None:
            value = min(1.0, math.log1p(self.kg.degree(node_id)) / max(1.0, self._log_total * 0.6))
            self._degree_cache[node_id] = value
        return value

    def _surface(self, raw: str) -> dict[str, float]:
        tokens = raw.split()
        capitalised = all(t[:1].isupper() or t[:1].isdigit() or t.lower() in ARTICLES for t in tokens)
        return {"capitalised": float(capitalised), "tokens": float(len(tokens)),
                "single_lower": float(len(tokens) == 1 and raw[:1].islower()),
                "chars": min(1.0, len(raw) / 20)}

    def _link(self, node_id: str, raw: str, start: int, end: int, method: str, base: float,
              extra: dict[str, float] | None = None, ambiguity: int = 1) -> Link:
        surface = self._surface(raw)
        prominence = self._prominence(node_id)
        score = base
        if surface["single_lower"]:
            score *= 0.75 if len(raw) > 3 else 0.5  # a lower-case single word may just be a word ("alien", "up")
        if ambiguity > 1:
            score *= 1.0 / (1.0 + 0.15 * math.log(ambiguity))
        score *= 0.85 + 0.15 * prominence
        features = {**surface, "prominence": prominence, "ambiguity": math.log(ambiguity),
                    f"method_{method}": 1.0, **(extra or {})}
        return Link(node_id, raw, start, end, method, round(min(1.0, score), 4), features)

    # ---- the ways a span links ------------------------------------------------------------------
    def _exact(self, raw: str, key: str, start: int, end: int, words: list[str]) -> list[Link]:
        out: list[Link] = []
        for variant in _variants(raw):
            vkey = normalize_name(variant)
            ids = self.kg.ids_for_key(vkey) if vkey else []
            # "Dune (1984)", "dune 1984": a title with its year names one of the homonyms
            label_ids = self.labels.get(vkey, []) if _ENDS_WITH_YEAR.search(vkey) else []
            if not ids and not label_ids:
                continue
            vstart = start + max(0, raw.find(variant)) if variant in raw else start
            vend = vstart + len(variant) if variant in raw else end
            for node_id in label_ids:
                out.append(self._link(node_id, variant, vstart, vend, "label", 1.0, {"coverage": 1.0}))
            ambiguity = len(ids)
            for node_id in ids:
                node = self.kg.nodes[node_id]
                method = "exact" if node.name == variant or variant in node.aliases else "normalised"
                # a bare year ("2002") links to a year node only weakly: it is more often a constraint
                base = 0.55 if vkey.isdigit() else 1.0
                out.append(self._link(node_id, variant, vstart, vend, method, base, {"coverage": 1.0},
                                      ambiguity))
            break
        return out

    def _partial(self, raw: str, key: str, start: int, end: int, words: list[str]) -> list[Link]:
        """Part of a name: every content token of the span is a token of the name, in order."""
        tokens = key.split()
        if tokens and tokens[0] in ARTICLES:
            tokens = tokens[1:]
        content = [w for w in tokens if w not in STOPWORDS]
        if not content or len(content) < len(tokens) or any(len(w) < 3 or w in WEAK for w in content):
            return []  # a run of name words only: "the movies written" is no part of "Written on the Wind"
        lower = not any(ch.isupper() for ch in raw)
        if lower and any(len(self.tokens.get(w, ())) > 3 for w in content) and not (
                len(content) == 1 and 0 < self.surnames.get(content[0], 0) <= 3):
            return []  # a lower-case word many names share ("fall", "written") is a word, not a name
        candidates: set[str] | None = None
        for w in content:
            ids = self.tokens.get(w)
            if not ids:
                return []
            candidates = set(ids) if candidates is None else candidates & ids
            if not candidates:
                return []
        if not candidates or len(candidates) > 60:
            return []  # a word shared by sixty names names none of them
        out = []
        for node_id in candidates:
            name = [w for w in self.name_tokens.get(node_id, ()) if w not in ARTICLES]
            if not name or not _in_order(content, name):
                continue
            coverage = len(content) / len(name)
            if coverage >= 1.0:
                continue  # the whole name: _exact handles it (or it differs only by stopwords)
            node = self.kg.nodes[node_id]
            surname = node.type == "person" and len(content) == 1 and content[0] == name[-1]
            if lower and not surname and (coverage < 0.5 or len(content) < 2):
                continue  # one lower-case word of a title is a word: "robot" is not "Bad Robot", "direct" no film
            base = 0.45 + 0.35 * coverage + (0.2 if surname else 0.0)
            out.append(self._link(node_id, raw, start, end, "partial", base,
                                  {"coverage": coverage, "surname": float(surname)}, len(candidates)))
        return out

    def _characters(self, raw: str, key: str, start: int, end: int) -> list[Link]:
        if key in self.characters:
            if " " not in key and raw[:1].islower() and not self._character_cue:
                return []  # "miles" in "fifty miles an hour" is no character named Miles
            credits = self.characters[key]
            link = self._link("", raw, start, end, "character", 0.95, {"coverage": 1.0, "credits": len(credits)})
            link.character = self.kg.edges[credits[0]].qualifiers["character"]  # type: ignore[index]
            return [link]
        words = [w for w in key.split() if w not in STOPWORDS]
        if len(words) != 1 or len(words[0]) < 4:
            return []
        if not raw[:1].isupper() and not self._character_cue:
            return []  # part of a character's name, in lower case and with no "played"/"voiced": a word
        keys = self.character_tokens.get(words[0], set())
        if not keys or len(keys) > 5:
            return []
        out = []
        for full in keys:  # "vader" for "Darth Vader": part of a character's name
            link = self._link("", raw, start, end, "character", 0.6 * len(key) / len(full) + 0.2,
                              {"coverage": len(key) / len(full)}, len(keys))
            link.character = self.kg.edges[self.characters[full][0]].qualifiers["character"]  # type: ignore[index]
            out.append(link)
        return out

    def _fuzzy(self, text: str, spans: list[tuple[str, int, int]], covered: set[int]) -> list[Link]:
        """Typo matches for spans of 1-6 tokens holding a content word no good link explains."""
        out: list[Link] = []
        large = len(self._keys) > 20_000
        for n in range(min(8, len(spans)), 0, -1):
            for i in range(len(spans) - n + 1):
                start, end = spans[i][1], spans[i + n - 1][2]
                raw = text[start:end].strip(" ?!.,;:\"")
                key = normalize_name(raw)
                words = key.split()
                content = [w for w in words if w not in STOPWORDS]
                if len(key) < 5 or not content or words[0] in STOPWORDS - ARTICLES or words[-1] in STOPWORDS:
                    continue
                if all(j in covered for j in range(start, end)):
                    continue
                if large and not any(t[:1].isupper() and not all(c in covered for c in range(a, b))
                                     for t, a, b in spans[i:i + n]):
                    continue  # on big KGs only capitalised spans are worth the fuzzy search
                match = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff)
                if match is None or match[0] == key:
                    continue
                ids = self.kg.ids_for_key(match[0])
                for node_id in ids:
                    out.append(self._link(node_id, raw, start, start + len(raw), "fuzzy", 0.85 * match[1] / 100,
                                          {"coverage": 1.0, "spelling": match[1] / 100}, len(ids)))
        return out

    def _dense(self, raw: str, start: int, end: int, min_cosine: float = 0.7) -> list[Link]:
        out = []
        for node_id, cosine in self.dense_lookup(raw) if self.dense_lookup else []:
            node = self.kg.nodes.get(node_id)
            if node is None:
                continue
            spelling = fuzz.partial_ratio(normalize_name(raw), normalize_name(node.name))
            if cosine >= min_cosine and spelling >= 70 or cosine >= 0.5 and spelling >= 85:
                out.append(self._link(node_id, raw, start, end, "dense", 0.6 * cosine,
                                      {"coverage": 1.0, "spelling": spelling / 100}))
        return out[:2]

    # ---- names that link to nothing -----------------------------------------------------------
    def _unlinked_names(self, text: str, links: list[Link]):
        """Capitalised runs ("Amadeus", "Who directed The Room") that no link covers."""
        covered = {i for lk in links for i in range(lk.start, lk.end)}
        for spans in _run_words(text):
            words = [w for w, _, _ in spans]
            raw = " ".join(words)
            begin = spans[0][1]
            if any(i in covered for i in range(begin, begin + len(raw))):
                continue
            if all(normalize_name(w) in STOPWORDS for w in words):
                continue
            yield raw, begin, begin + len(raw)

    def _partly_linked_names(self, text: str, links: list[Link]):
        """Capitalised names of two or more words of which only a part names nodes, each by a partial match:
        "Denzel Washington" where the graph has only Kerry and Dennis Washington. The graph lacks the person
        (or title) named; the partial matches name someone else. A part linked exactly ("French New Wave"
        around the genre "New Wave") or one node matched by two of the words ("Steven Allan Spielberg": a
        middle name the graph does not store) is not such a conflict."""
        for words in self._name_runs(text, links):
            names = [w for w in words if w[0][:1].isupper() and normalize_name(w[0]) not in STOPWORDS]
            if len(names) < 2:
                continue
            begin, end = words[0][1], words[-1][2]
            inside = [lk for lk in links if lk.start < end and begin < lk.end]
            if not inside or any(lk.start < begin or lk.end > end or (lk.start, lk.end) == (begin, end)
                                 or lk.method not in ("partial", "character", "fuzzy") for lk in inside):
                continue
            label_words = {x for lk in inside if lk.node_id
                           for x in normalize_name(self.kg.nodes[lk.node_id].label).split()}
            label_words |= {x for lk in inside if lk.character for x in normalize_name(lk.character).split()}
            # a word no link covers but that a linked name spells nearly so ("Ingrid Bergmn") is a typo
            missing = [w for w in names if not any(lk.start < w[2] and w[1] < lk.end for lk in inside)
                       and not any(fuzz.ratio(normalize_name(w[0]), x) >= 75 for x in label_words)]
            if not missing:
                continue
            by_node: dict[str, set[int]] = {}
            for lk in inside:
                by_node.setdefault(lk.node_id or lk.character, set()).add(lk.start)
            if any(len(starts) > 1 for starts in by_node.values()):
                continue
            yield text[begin:end], begin, end

    @staticmethod
    def _name_runs(text: str, links: list[Link]):
        """The capitalised runs as (word, start, end) lists, split at "and"/"&" unless one link spans the run
        (a title such as "Harry Potter and the Chamber of Secrets")."""
        for words in _run_words(text):
            if any(lk.start <= words[0][1] and words[-1][2] <= lk.end for lk in links):
                yield words
                continue
            run: list[tuple[str, int, int]] = []
            for word in words:
                if word[0] in ("and", "&"):
                    if run:
                        yield run
                    run = []
                else:
                    run.append(word)
            if run:
                yield run

    def nearest_names(self, text: str, limit: int = 3) -> list[str]:
        """Closest node names by spelling, for "not in this graph" replies."""
        matches = process.extract(normalize_name(text), self._keys, scorer=fuzz.WRatio, limit=limit)
        names = []
        for key, _, _ in matches:
            ids = self.kg.ids_for_key(key)
            if ids:
                names.append(self.kg.nodes[ids[0]].label)
        return list(dict.fromkeys(names))


def _run_words(text: str):
    """Each capitalised run of ``text`` as its (word, start, end) list, without the question words that lead it
    ("Who directed The Room" -> The, Room); runs of question words only are skipped."""
    for match in _NAME_RUN.finditer(text):
        words = [(m.group(), match.start() + m.start(), match.start() + m.end())
                 for m in re.finditer(r"\S+", match.group())]
        while words and normalize_name(words[0][0]) in _CAPITAL_NOISE:
            words = words[1:]
        if words:
            yield words


def _in_order(part: list[str], whole: list[str]) -> bool:
    """Whether ``part`` is a contiguous run of ``whole``."""
    n = len(part)
    return any(whole[i:i + n] == part for i in range(len(whole) - n + 1))


def _variants(raw: str) -> list[str]:
    """The span, and the span without surrounding punctuation or a possessive 's."""
    stripped = raw.strip(" ?!.,;:\"“”[]")
    out = [stripped, raw]
    for suffix in ("'s", "’s", "'", "’"):
        if stripped.endswith(suffix):
            out.append(stripped[: -len(suffix)])
    words = stripped.split()
    if words and words[-1].endswith("s") and len(words[-1]) > 3 and not words[-1].endswith("ss"):
        out.append(" ".join([*words[:-1], words[-1][:-1]]))  # "westerns" -> "western"
    return list(dict.fromkeys(v for v in out if v))
