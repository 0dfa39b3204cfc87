"""The question parser: text -> entity-type-aware :class:`~assistant.query.Query`.

1. checks the input; 2. finds every mention of a KG node (exact, normalised, fuzzy);
3. for each candidate mention, masks it and asks the relation-path classifier which path leads
from it to the answer, scoring (mention, node type, path) jointly so the node type must fit the
path's start; 4. turns the remaining mentions of constraint types (genre, skill, year...) into
extra anchors with schema paths to the answer type; 5. adds cue-word constraints (documentary,
1980s) and qualifiers (good, best); 6. asks for clarification when two readings are close.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from assistant.kg.graph import KnowledgeGraph, Node
from assistant.kg.normalize import normalize_name
from assistant.parsing.cues import (
    PROJECT_KINDS,
    base_form,
    find_decade,
    find_qualifiers,
    find_years,
    singular,
    type_words,
)
from assistant.parsing.linking import STOPWORDS, EntityLinker, Mention
from assistant.parsing.path_classifier import RelationPathClassifier
from assistant.parsing.paths import MASK, TypedStep, typed_steps
from assistant.parsing.validation import check_input
from assistant.query import IDENTITY, Anchor, Clarification, Constraint, PathStep, Query, parse_path_label
from assistant.traversal import WILDCARD, walk

_CHARACTER_CUE = re.compile(r"\b(play|plays|played|playing|portray\w*|voice[sd]?|voicing|as|behind|performed|"
                            r"character|role)\b", re.IGNORECASE)
_SHARE = re.compile(r"\b(share[sd]?|sharing|same|also|other)\b", re.IGNORECASE)
_QUESTION_WORDS = {"tell", "about", "know", "info", "information", "details", "detail", "look", "up", "show",
                   "who", "what", "is", "was", "search", "lookup", "on", "film", "movie", "person", "people",
                   "someone", "title", "called", "named"}
_CAPITALISED = re.compile(r"\b(?:[A-Z][\w'’.-]+)(?:\s+(?:of|the|de|la|von|van|and|&)?\s*[A-Z][\w'’.-]+)*")


@dataclass
class ParserConfig:
    """Knobs of the parser (fit or derived from the KG, not tuned per question)."""

    min_path_probability: float = 0.3
    max_candidates: int = 8
    clarify_ratio: float = 3.0  # ask when the runner-up's prominence is within this factor
    constraint_types: set[str] | None = None  # None: derived from the KG
    hub_types: set[str] = field(default_factory=set)


class QuestionParser:
    def __init__(self, kg: KnowledgeGraph, classifier: RelationPathClassifier | None,
                 config: ParserConfig | None = None,
                 dense_lookup: Callable[[str], list[tuple[str, float]]] | None = None) -> None:
        self.kg = kg
        #: last resort of entity linking: text -> [(node id, cosine)] from the vector index
        self.dense_lookup = dense_lookup
        self.classifier = classifier
        self.config = config or ParserConfig()
        self.steps: list[TypedStep] = typed_steps(kg)
        type_counts = Counter(n.type for n in kg.nodes.values())
        ends = Counter(s.start_type for s in self.steps)
        self.hub_types = self.config.hub_types or ({ends.most_common(1)[0][0]} if ends else set())
        if self.config.constraint_types is not None:
            self.constraint_types = set(self.config.constraint_types)
        else:  # small vocabularies that describe hub nodes: genres, skills, languages, years...
            total = max(1, kg.num_nodes)
            self.constraint_types = {t for t, c in type_counts.items()
                                     if t not in self.hub_types and c / total < 0.05 and c <= 1000}
        self.linker = EntityLinker(kg, vocabulary_types=self.constraint_types & {"genre", "skill", "language"})
        self.label_types: dict[str, tuple[str, str]] = {}
        if classifier is not None:
            for label in classifier.labels:
                typed = self._typed(parse_path_label(label), None)
                if typed:
                    self.label_types[label] = (typed[0].start_type, typed[-1].end_type)
        self.type_words = type_words()
        self.role_nouns: dict[str, str] = {}
        for spec in kg.schema.relations.values():
            for noun in spec.source_nouns:
                self.role_nouns[normalize_name(noun)] = spec.name
        self.characters: dict[str, list[int]] = defaultdict(list)  # character name -> credit edge ids
        for idx, edge in enumerate(kg.edges):
            if edge is not None and edge.qualifiers and edge.qualifiers.get("character"):
                key = normalize_name(str(edge.qualifiers["character"]))
                if key:
                    self.characters[key].append(idx)
        # Relation words of the schema ("directed", "scored", "composer", "music by") -> relation, so
        # that two-hop questions can be composed when the classifier is unsure.
        self.relation_words: dict[str, str] = {}
        for spec in kg.schema.relations.values():
            for phrase in (spec.forward, *spec.paraphrases, *spec.source_nouns):
                phrase = normalize_name(phrase.replace("(inverse)", ""))
                if phrase and phrase not in STOPWORDS:
                    self.relation_words.setdefault(phrase, spec.name)
                    self.relation_words.setdefault(normalize_name(base_form(phrase)), spec.name)
            for noun in spec.source_nouns:
                self.relation_words.setdefault(normalize_name(noun) + "s", spec.name)
        self.label_index: dict[str, list[str]] = defaultdict(list)
        for node in kg.nodes.values():
            if node.label != node.name:
                self.label_index[normalize_name(node.label)].append(node.id)

    # ---- helpers --------------------------------------------------------------------------
    def _typed(self, path: tuple[PathStep, ...], start_type: str | None) -> list[TypedStep] | None:
        """Type the path's steps (start type optional); ``None`` if it cannot be typed."""
        out: list[TypedStep] = []
        current = start_type
        for step in path:
            options = [s for s in self.steps if s.step == step and (current is None or s.start_type == current)]
            if not options:
                return None
            out.append(options[0])
            current = options[0].end_type
        return out

    def _mask(self, text: str, mention: Mention) -> str:
        return text[:mention.char_start] + MASK + text[mention.char_end:]

    def _roles(self, text: str) -> list[str]:
        """Relations named by role nouns: "director" -> ``directed``."""
        words = [singular(w) for w in normalize_name(text).split()]
        joined = " " + " ".join(words) + " "
        found = [rel for noun, rel in self.role_nouns.items() if f" {singular(noun)} " in joined
                 or f" {noun} " in joined]
        return list(dict.fromkeys(found))

    def note_changes(self, touched: set[str], removed: dict[str, str]) -> None:
        """Keep the name indexes in step with an incremental KG update."""
        self.linker._keys = None  # the fuzzy key list is rebuilt on next use
        for ids in self.label_index.values():
            ids[:] = [i for i in ids if i not in removed]
        for node_id in touched:
            node = self.kg.nodes[node_id]
            if node.label != node.name and node_id not in self.label_index[normalize_name(node.label)]:
                self.label_index[normalize_name(node.label)].append(node_id)
            for idx in self.kg.incident_edge_ids(node_id):
                character = (self.kg.edges[idx].qualifiers or {}).get("character")
                if character and idx not in self.characters[normalize_name(str(character))]:
                    self.characters[normalize_name(str(character))].append(idx)

    def cue_type(self, text: str) -> str | None:
        """The asked-for type from the first cue: "who", a type noun ("films") or a role noun
        ("animator" asks for a person even in "an animator for a space opera film")."""
        words = [singular(w) for w in normalize_name(text).split()]
        if words and words[0] in ("who", "whom", "whose"):
            return "person" if "person" in self.kg.node_types() else None
        for i, word in enumerate(words):
            if word in ("who", "whom", "whose"):
                continue  # "a boy who wants..." asks for no person
            two = " ".join(words[i:i + 2])
            if (word in self.role_nouns or two in self.role_nouns) and "person" in self.kg.node_types():
                return "person"
            node_type = self.type_words.get(word) or self.type_words.get(normalize_name(text).split()[i])
            if node_type in self.kg.node_types():
                return node_type
            if node_type == "project" and "movie" in self.kg.node_types():
                return "movie"
        return None

    def _relation_mentions(self, text: str, skip: Mention) -> list[tuple[int, str]]:
        """``(word position, relation)`` for relation words outside the anchor mention, in order."""
        words = normalize_name(text[:skip.char_start]).split()
        anchor_at = len(words)
        words += ["NE"] + normalize_name(text[skip.char_end:]).split()
        found: list[tuple[int, str]] = []
        i = 0
        while i < len(words):
            for n in (4, 3, 2, 1):
                phrase = " ".join(words[i:i + n])
                if len(phrase.split()) == n and phrase in self.relation_words:
                    found.append((i - anchor_at, self.relation_words[phrase]))
                    i += n - 1
                    break
            i += 1
        return found

    def _compose(self, text: str, mention: Mention, node_type: str) -> tuple[PathStep, ...] | None:
        """Two credit relations named around a person ("who edited the films Scorsese directed"):
        the one nearer the anchor leads to the films, the other to the answer."""
        found = self._relation_mentions(text, mention)
        rels = list(dict.fromkeys(r for _, r in found))
        if len(rels) == 1 and _SHARE.search(text):  # "films that share a director with Jaws"
            there = [s for s in self.steps if s.step.relation == rels[0] and s.start_type == node_type]
            if there:
                back = PathStep(there[0].step.relation, not there[0].step.inverse)
                return (there[0].step, back)
        if len(rels) < 2 or node_type in self.hub_types:
            return None
        near = min(found, key=lambda x: abs(x[0]))[1]
        far = next(r for r in rels if r != near)
        first = [s for s in self.steps if s.step.relation == near and s.start_type == node_type
                 and s.end_type in self.hub_types]
        second = [s for s in self.steps if s.step.relation == far and s.start_type in self.hub_types
                  and s.step.inverse]
        if not first or not second:
            return None
        return (first[0].step, second[0].step)

    def _kind(self, text: str) -> str | None:
        lowered = " " + normalize_name(text) + " "
        for word, kind in sorted(PROJECT_KINDS.items(), key=lambda kv: -len(kv[0])):
            if kind != "film" and f" {word} " in lowered:
                return kind
        return None

    def _constraint_path(self, start_type: str, target_type: str | None, roles: list[str]) -> tuple[PathStep, ...]:
        """A schema path from a constraint's type to the answer type, preferring named roles."""
        direct = [s for s in self.steps if s.start_type == start_type and (target_type in (None, s.end_type))]
        if target_type and direct:
            preferred = [s for s in direct if s.step.relation in roles]
            return ((preferred or direct)[0].step,)
        for hub in self.hub_types:
            first = [s for s in self.steps if s.start_type == start_type and s.end_type == hub]
            if not first:
                continue
            if target_type in (None, hub):
                return (first[0].step,)
            second = [s for s in self.steps if s.start_type == hub and s.end_type == target_type]
            preferred = [s for s in second if s.step.relation in roles]
            if preferred:
                return (first[0].step, preferred[0].step)
            if second:
                return (first[0].step, PathStep(WILDCARD, second[0].step.inverse))
        return ()

    # ---- main entry ---------------------------------------------------------------------
    def parse(self, text: str) -> Query:
        error = check_input(text)
        if error:
            return Query(text=text if isinstance(text, str) else "", error=error)
        query = Query(text=text)
        query.qualifiers = find_qualifiers(text)
        roles = self._roles(text)
        cue_type = self.cue_type(text)
        mentions = self.linker.mentions(text) + self._label_mentions(text)
        characters = self._character_mentions(text, mentions)
        if characters:  # "Han Solo" the character hides "Solo" the film inside it
            spans = {i for c in characters for i in range(c.char_start, c.char_end)}
            mentions = [m for m in mentions if not set(range(m.char_start, m.char_end)) <= spans]
        mentions = self._drop_role_skills(mentions, roles)
        mentions += self._dense_mentions(text, mentions)
        readings: list[tuple] = []  # every scored (score, mention, type, label): runner-up readings
        main = self._choose_main(text, mentions, cue_type, readings)
        used: list[Mention] = []
        if main is not None:
            mention, node_type, label, prob = main
            nodes = [self.kg.nodes[i] for i in mention.node_ids if self.kg.nodes[i].type == node_type]
            path = parse_path_label(label) if label else ()
            if roles and node_type in self.constraint_types and (not path or path[-1].relation not in roles):
                # "cinematographers of westerns": the role noun decides the last hop
                path = self._constraint_path(node_type, "person", roles)
                label = ""
                query.target_type = "person"
            elif roles and not path and prob < self.config.min_path_probability and node_type not in self.hub_types:
                if cue_type in self.hub_types and node_type == "person":
                    # "what movies was Douglas Slocombe the cinematographer on": the role leads to the films
                    path = (PathStep(roles[0], False),)
                    query.target_type = cue_type
                else:
                    # "actors in David Yates movies": from the entity to its films, then the named role
                    path = (PathStep(WILDCARD, False), PathStep(roles[0], True))
                    query.target_type = "person"
            composed = self._compose(text, mention, node_type) if label != IDENTITY else None
            if composed and (prob < 0.6 or not {s.relation for s in composed} <= {s.relation for s in path}):
                # both relations are named in the question but the classifier's path lacks one
                path, label = composed, ""
                query.target_type = self._typed(composed, node_type)[-1].end_type
            if self._kind(text) == "documentary" and "about" in self.kg.schema.relations and \
                    node_type not in self.constraint_types and (not path or "about" not in str(path)):
                path, label = (PathStep("about", True),), ""  # "a documentary about X"
                query.target_type = next(iter(self.hub_types), None)
            chosen = self._disambiguate(text, mention, nodes, path, query)
            if chosen is not None:
                query.anchors.append(Anchor(mention.text, chosen.id, chosen.name, chosen.type,
                                            round(prob * mention.similarity, 4), path, mention.method))
                query.path_confidence = prob
                if label == IDENTITY:
                    query.target_type = chosen.type
                elif label:
                    query.target_type = self.label_types.get(label, (None, None))[1]
            used.append(mention)
        for character in characters:
            query.constraints.append(Constraint("character", character.text))
            query.target_type = query.target_type or "person"
        query.target_type = query.target_type or cue_type
        self._add_constraint_anchors(text, mentions, used, roles, query)
        kind = self._kind(text)
        if kind and query.target_type in self.hub_types | {"project"}:
            query.constraints.append(Constraint("project_kind", kind))
        linked_years = {a.name for a in query.anchors if a.type == "year"}
        decade = find_decade(text)
        if decade is not None:
            query.constraints.append(Constraint("decade", str(decade)))
        for year in find_years(text):
            if str(year) not in linked_years and decade is None and not any(
                    str(year) in a.mention for a in query.anchors):
                query.constraints.append(Constraint("year", str(year)))
        self._unknown(text, mentions, query)
        query.alternatives = self._alternatives(query, readings)
        covered = {i for m in used for i in range(m.char_start, m.char_end)}
        covered |= {i for a in query.anchors for m in mentions if m.text == a.mention
                    for i in range(m.char_start, m.char_end)}
        rest = "".join(ch if i not in covered else " " for i, ch in enumerate(text))
        query.free_text = " ".join(w for w in normalize_name(rest).split() if w not in STOPWORDS)
        return query

    def _character_mentions(self, text: str, entities: list[Mention]) -> list[Mention]:
        """Character names from credit qualifiers ("Han Solo", "Woody") in questions about who played
        or voiced someone; a character never hides an entity of the same or a longer span."""
        if not _CHARACTER_CUE.search(text):
            return []
        spans = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        found = self.linker.exact(text, spans, lambda key: self.characters.get(key, []))
        found = [m for m in found if m.prior >= 0.8 and m.text[:1].isupper()]
        found.sort(key=lambda m: -m.length)
        kept: list[Mention] = []
        for m in found:
            inside = any(k.char_start <= m.char_start and m.char_end <= k.char_end for k in kept)
            hidden = any(e.prior >= 0.8 and e.char_start <= m.char_start and m.char_end <= e.char_end
                         and any(self.kg.nodes[i].type in self.hub_types | {"person"} for i in e.node_ids)
                         for e in entities)
            if not inside and not hidden:
                kept.append(m)
        return kept

    def _leftover_words(self, text: str, mention: Mention) -> int:
        """Content words outside ``mention``: "who is X" has none, "what language is X in" has one."""
        rest = normalize_name(text[:mention.char_start] + " " + text[mention.char_end:]).split()
        return sum(1 for w in rest if w not in STOPWORDS and w not in _QUESTION_WORDS)

    def _drop_role_skills(self, mentions: list[Mention], roles: list[str]) -> list[Mention]:
        """A role noun that is also a skill alias ("cinematographer") names the role, not an anchor,
        when the question has another anchor ("cinematographers of westerns")."""
        if not roles:
            return mentions
        role_words = set(self.role_nouns)

        def is_role(m: Mention) -> bool:
            words = [singular(w) for w in normalize_name(m.text).split()]
            return any(w in role_words or " ".join(words[-2:]) in role_words for w in words) and all(
                self.kg.nodes[i].type == "skill" for i in m.node_ids)

        others = [m for m in mentions if not is_role(m) and m.prior >= 0.8]
        return [m for m in mentions if not is_role(m)] if others else mentions

    def _alternatives(self, query: Query, readings: list[tuple], limit: int = 3) -> list[Query]:
        """Runner-up readings (another path or another mention), best first, for answers beyond
        the main reading's; they share the main reading's constraints."""
        readings = sorted(readings, key=lambda r: -r[0])
        if not readings or query.clarification or not query.anchors:
            return []
        main = query.anchors[0]
        main_label = "/".join(str(s) for s in main.path)
        out: list[Query] = []
        seen = {(main.mention, main.type, main_label)}
        top = readings[0][0]
        for score, m, node_type, label in readings:
            if (m.text, node_type, label) in seen or score < 0.1 * top:
                continue
            if label == main_label and node_type == main.type:
                continue  # the same reading of another span ("Dune" inside "Dune (1984)")
            seen.add((m.text, node_type, label))
            nodes = sorted((self.kg.nodes[i] for i in m.node_ids if self.kg.nodes[i].type == node_type),
                           key=lambda n: -self.kg.degree(n.id))
            path = parse_path_label(label)
            alt = Query(text=query.text, target_type=self.label_types[label][1],
                        anchors=[Anchor(m.text, nodes[0].id, nodes[0].name, node_type, round(score, 4), path,
                                        m.method)],
                        constraints=list(query.constraints), qualifiers=list(query.qualifiers))
            out.append(alt)
            if len(out) >= limit:
                break
        return out

    def _label_mentions(self, text: str) -> list[Mention]:
        """Mentions of disambiguated labels such as "Dune (1984)" (used by clarification replies)."""
        out = []
        for match in re.finditer(r"[^?!,;]+?\(\d{4}\)", text):
            raw = match.group().strip()
            words = raw.split()
            for i in range(len(words)):
                candidate = " ".join(words[i:])
                ids = self.label_index.get(normalize_name(candidate))
                if ids:
                    start = match.start() + match.group().index(candidate)
                    out.append(Mention(candidate, 0, len(candidate.split()), start, start + len(candidate),
                                       list(ids), "exact", 1.0, 1.2))
                    break
        return out

    def _choose_main(self, text: str, mentions: list[Mention], cue_type: str | None, readings: list[tuple]):
        """Pick (mention, node type, path label, probability) maximising the joint score."""
        if not mentions:
            return None
        candidates = sorted(mentions, key=lambda m: (-m.prior * (1 + 0.15 * min(m.length, 5)), m.char_start))
        candidates = candidates[: self.config.max_candidates]
        if self.classifier is None:
            best = candidates[0]
            return best, self.kg.nodes[best.node_ids[0]].type, "", 0.0
        whole = [m for m in candidates if not normalize_name(text[:m.char_start] + text[m.char_end:])]
        if whole and IDENTITY in self.classifier.labels:  # the question is just a name
            m = whole[0]
            types = sorted({self.kg.nodes[i].type for i in m.node_ids},
                           key=lambda t: (t not in self.hub_types, t in self.constraint_types, t))
            return m, types[0], IDENTITY, 1.0
        probs = self.classifier.predict_proba([self._mask(text, m) for m in candidates])
        who_cue = normalize_name(text).startswith(("who ", "whom ", "whose "))
        best, best_score = None, 0.0
        fallback, fallback_score = None, 0.0
        for m, row in zip(candidates, probs, strict=True):
            types = {self.kg.nodes[i].type for i in m.node_ids}
            span_weight = m.prior * (1 + 0.15 * min(m.length, 5))
            for node_type in types:
                if span_weight > fallback_score and node_type not in self.constraint_types:
                    fallback, fallback_score = (m, node_type, "", 0.0), span_weight
                fits = [j for j, label in enumerate(self.classifier.labels)
                        if label == IDENTITY or self.label_types.get(label, (None, None))[0] == node_type]
                if not fits:
                    continue
                mass = float(row[fits].sum())
                type_prior = 1.5 if node_type in self.hub_types else 1.0
                identity_ok = node_type not in self.constraint_types and self._leftover_words(text, m) == 0
                for j in fits:
                    if self.classifier.labels[j] == IDENTITY and not identity_ok:
                        continue
                    # P(path | the mention is a node of this type), weighted by how well the type fits at all
                    conditional = float(row[j]) / mass if mass > 0 else 0.0
                    score = float(row[j]) * span_weight * type_prior
                    label = self.classifier.labels[j]
                    end = node_type if label == IDENTITY else self.label_types[label][1]
                    if cue_type and end != cue_type and not (who_cue and end == "company"):
                        score *= 0.25  # "who" may ask for a company ("who owns Lucasfilm")
                    if score > best_score:
                        best, best_score = (m, node_type, label, conditional), score
                    if label != IDENTITY and conditional >= 0.05:
                        readings.append((score, m, node_type, label))
        if best is not None and best[3] >= self.config.min_path_probability:
            return best
        if fallback is not None:  # a bare entity, unless a longer constraint mention ("stop-motion animators")
            longest = max(candidates, key=lambda m: (m.length, m.prior))
            if longest.length > fallback[0].length and all(
                    self.kg.nodes[i].type in self.constraint_types for i in longest.node_ids):
                return None
        return fallback

    def _disambiguate(self, text: str, mention: Mention, nodes: list[Node], path: tuple[PathStep, ...],
                      query: Query) -> Node | None:
        if len(nodes) <= 1:
            return nodes[0] if nodes else None
        years = set(find_years(text))
        by_year = [n for n in nodes if n.attr("year") in years]
        if len(by_year) == 1:
            return by_year[0]
        if path:
            reachable = [n for n in nodes if walk(self.kg, n.id, path[:1])]
            nodes = reachable or nodes
        ranked = sorted(nodes, key=lambda n: -self.kg.degree(n.id))
        if len(ranked) == 1 or self.kg.degree(ranked[0].id) >= self.config.clarify_ratio * max(
                1, self.kg.degree(ranked[1].id)):
            return ranked[0]
        options = [{"node_id": n.id, "label": n.label, "type": n.type,
                    "description": (n.description or "")[:160]} for n in ranked]
        query.clarification = Clarification(
            f"Which “{mention.text}” do you mean: " + ", ".join(o["label"] for o in options) + "?",
            mention.text, options)
        return None

    def _add_constraint_anchors(self, text: str, mentions: list[Mention], used: list[Mention], roles: list[str],
                                query: Query) -> None:
        taken = {i for m in used for i in range(m.char_start, m.char_end)}
        for m in sorted(mentions, key=lambda m: (-m.length, m.char_start)):
            span = set(range(m.char_start, m.char_end))
            if span & taken or m.prior < 0.8 and m.length < 2:
                continue
            nodes = [self.kg.nodes[i] for i in m.node_ids if self.kg.nodes[i].type in self.constraint_types]
            if not nodes:
                continue
            node = max(nodes, key=lambda n: self.kg.degree(n.id))
            if any(a.node_id == node.id for a in query.anchors):
                continue
            path = self._constraint_path(node.type, query.target_type, roles)
            if not path:
                continue
            query.anchors.append(Anchor(m.text, node.id, node.name, node.type, round(m.similarity, 4), path,
                                        m.method))
            taken |= span

    def _unlinked_names(self, text: str, mentions: list[Mention]):
        """Capitalised name-like spans that no mention covers."""
        covered = {i for m in mentions for i in range(m.char_start, m.char_end)}
        for match in _CAPITALISED.finditer(text):
            span = range(match.start(), match.end())
            words = match.group().split()
            if any(i in covered for i in span) or len(words) < 2 and match.start() == 0:
                continue
            if all(normalize_name(w) in STOPWORDS or normalize_name(w) in self.type_words for w in words):
                continue
            yield match

    def _dense_mentions(self, text: str, mentions: list[Mention], min_cosine: float = 0.7) -> list[Mention]:
        """Dense linking, the last resort: an unlinked name whose nearest node in the vector index is
        close in meaning and still resembles it in spelling (so a different entity is never chosen)."""
        if self.dense_lookup is None:
            return []
        out = []
        for match in self._unlinked_names(text, mentions):
            for node_id, cosine in self.dense_lookup(match.group()):
                node = self.kg.nodes.get(node_id)
                if node is None:
                    continue
                spelling = fuzz.partial_ratio(normalize_name(match.group()), normalize_name(node.name))
                if not (cosine >= min_cosine and spelling >= 70 or cosine >= 0.5 and spelling >= 85):
                    continue
                out.append(Mention(match.group(), 0, len(match.group().split()), match.start(), match.end(),
                                   [node_id], "dense", cosine, 0.8 * cosine))
                break
        return out

    def _unknown(self, text: str, mentions: list[Mention], query: Query) -> None:
        """Capitalised names that link to nothing: report them with the nearest names."""
        for match in self._unlinked_names(text, mentions):
            nearest = self.linker.nearest_names(match.group())
            if self.dense_lookup is not None:
                nearest += [self.kg.nodes[i].label for i, _ in self.dense_lookup(match.group()) if i in self.kg.nodes]
            query.unknown.append({"mention": match.group(), "nearest": list(dict.fromkeys(nearest))[:5]})
