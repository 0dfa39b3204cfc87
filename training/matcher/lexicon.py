"""Lexical variety for generated questions: WordNet synonyms, everyday hyponyms and inverse nouns.

A relation called ``parents`` is asked about as "X's mom", "who is X's father", and its inverse as
"X's kids" or "the offspring of X". WordNet has what that needs: synonyms (the lemmas of a synset),
hyponyms (parent → mother, father; mother → ma, mama, mom) and lemma antonyms (parent ↔ child,
employer ↔ employee, husband ↔ wife). Debian ships WordNet as files (packages ``wordnet-base`` and
``wordnet-sense-index``); NLTK reads them once they sit in an ``nltk_data`` layout, which
:func:`wordnet_dir` builds under ``$KGQA_HOME`` (NLTK also wants a ``lexnames`` file, written from
the man page's table or, failing that, from WordNet's fixed list of 45 lexicographer files).

WordNet is only needed while generating training questions. Without it the lexicon is empty and
generation falls back to the schema's own verbalisations and paraphrases.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import shutil
import warnings
from pathlib import Path

from assistant.config import kgqa_home

SYSTEM_WORDNET = Path("/usr/share/wordnet")
_FILES = ("data.noun", "data.verb", "data.adj", "data.adv", "index.noun", "index.verb", "index.adj", "index.adv",
          "noun.exc", "verb.exc", "adj.exc", "adv.exc", "index.sense", "cntlist.rev")
# WordNet 3.0's lexicographer files in order (lexnames(5WN)); NLTK reads their number and part of speech.
_LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
             "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
             "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
             "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
             "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
             "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
             "adj.ppl").split()
_POS_NUMBER = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}


def wordnet_dir(source: Path = SYSTEM_WORDNET) -> Path | None:
    """An ``nltk_data`` folder holding WordNet copied from ``source``, or ``None`` when it is not installed."""
    env = os.environ.get("NLTK_DATA")
    if env and (Path(env) / "corpora" / "wordnet" / "lexnames").exists():
        return Path(env)
    if not all((source / name).exists() for name in ("data.noun", "index.noun", "index.sense")):
        return None
    root = kgqa_home() / "nltk_data"
    target = root / "corpora" / "wordnet"
    if not (target / "lexnames").exists():
        staging = target.with_name("wordnet.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in _FILES:
            if (source / name).exists():
                shutil.copyfile(source / name, staging / name)  # NLTK refuses files outside its root
        lines = [f"{i:02d}\t{name}\t{_POS_NUMBER[name.split('.')[0]]}" for i, name in enumerate(_LEXNAMES)]
        (staging / "lexnames").write_text("\n".join(lines) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return root


@functools.lru_cache(maxsize=1)
def _wordnet():
    root = wordnet_dir()
    if root is None:
        return None
    try:
        import nltk

        if str(root) not in nltk.data.path:
            nltk.data.path.insert(0, str(root))
        from nltk.corpus import wordnet

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wordnet.ensure_loaded()
        return wordnet
    except (ImportError, LookupError, OSError, ValueError):
        return None


def _words(lemma: str) -> str:
    return lemma.replace("_", " ")


def _count(synset) -> int:
    return sum(lemma.count() for lemma in synset.lemmas())


class Lexicon:
    """Alternative words for relation and type words; empty when WordNet is missing."""

    def __init__(self, enabled: bool = True) -> None:
        self.wn = _wordnet() if enabled else None

    @property
    def available(self) -> bool:
        return self.wn is not None

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one lexicon per process, words repeat a lot
    def nouns(self, phrase: str, kinds: bool = True, min_count: int = 0) -> tuple[str, ...]:
        """Other nouns for ``phrase``: synonyms of its first senses and, with ``kinds``, everyday hyponyms
        two levels down (``parent`` -> mother, father, ma, mama, mom; ``spouse`` -> partner, wife, hubby).
        Type nouns want ``kinds=False``: the kinds of "person" are scientists and lovers. ``min_count`` drops
        synonyms rarer than that in WordNet's tagged corpus ("histrion" for actor)."""
        if self.wn is None:
            return ()
        synsets = self._noun_synsets(phrase)
        out: list[str] = []
        # the first sense, and a second one only when it is nearly as common (senses of "capital" differ)
        senses = synsets[:1] + [s for s in synsets[1:2] if _count(s) * 2 >= _count(synsets[0]) > 0]
        for synset in senses:
            out += [_words(lemma.name()) for lemma in synset.lemmas() if lemma.count() >= min_count]
        if synsets and kinds:
            # everyday kinds one level down (mother, wife), and their own pet names (ma, mom) only under
            # very common ones: deeper hyponyms of "occupation" are carpentry and politics
            level1 = [h for h in synsets[0].hyponyms() if _count(h) >= 3]
            level2 = [h for s in level1 if _count(s) >= 30 for h in s.hyponyms() if _count(h) >= 3]
            out += [_words(lemma.name()) for s in level1 + level2 for lemma in s.lemmas()]
        return tuple(w for w in dict.fromkeys(out) if w.lower() != phrase.lower() and not w[:1].isupper())

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def inverse_nouns(self, phrase: str) -> tuple[str, ...]:
        """Nouns for the other side of a relation: ``parent`` -> child, kid, offspring; ``employer`` -> employee."""
        if self.wn is None:
            return ()
        out: list[str] = []
        for synset in self._noun_synsets(phrase)[:2]:
            for lemma in synset.lemmas():
                for antonym in lemma.antonyms():
                    other = antonym.synset()
                    out += [_words(x.name()) for x in other.lemmas()]
                    out += [_words(x.name()) for h in other.hypernyms() if _count(h) >= 1 for x in h.lemmas()]
        return tuple(w for w in dict.fromkeys(out) if not w[:1].isupper())

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def verbs(self, verb: str) -> tuple[str, ...]:
        """Synonyms of a verb's first sense (``wrote`` -> compose, pen), in the base form."""
        if self.wn is None:
            return ()
        synsets = self.wn.synsets(self.wn.morphy(verb, "v") or verb, "v")
        if not synsets:
            return ()
        return tuple(w for w in dict.fromkeys(_words(x.name()) for x in synsets[0].lemmas()) if w != verb)

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def agent_nouns(self, verb: str) -> tuple[str, ...]:
        """Nouns for who does a verb (WordNet's derivations that name a person): ``directed`` -> director,
        ``wrote`` -> writer, ``acted in`` -> actor."""
        if self.wn is None:
            return ()
        head = verb.split()[0] if verb.split() else verb
        lemma = self.wn.morphy(head, "v") or head
        out: list[str] = []
        for synset in self.wn.synsets(lemma, "v")[:3]:
            for item in synset.lemmas():
                if item.name() != lemma:
                    continue
                out += [_words(d.name()) for d in item.derivationally_related_forms()
                        if d.synset().lexname() == "noun.person" and d.name().endswith(("er", "or", "ist", "ar"))]
        return tuple(dict.fromkeys(out))

    def _noun_synsets(self, phrase: str):
        key = phrase.strip().lower().replace(" ", "_")
        synsets = self.wn.synsets(key, "n")
        if not synsets and "_" in key:  # "place_of_birth" is a lemma; "film director" falls back to "director"
            synsets = self.wn.synsets(key.rsplit("_", 1)[-1], "n")
        return synsets


def man_page_lexnames(path: Path = Path("/usr/share/man/man5/lexnames.5WN.gz")) -> list[str]:
    """The lexicographer file names from the man page (a check that :data:`_LEXNAMES` matches the system's)."""
    if not path.exists():
        return []
    text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
    return [m.group(1) for m in re.finditer(r"^\d\d\t(\S+)", text, re.MULTILINE)]
