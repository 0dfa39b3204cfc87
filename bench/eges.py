"""EGES benchmark: cold-start items from side information only, on MovieLens and on the film KG.

    python bench/eges.py                       # both
    python bench/eges.py --sources movielens --epochs 3 --max-pairs 500000

MovieLens ml-latest-small: user sequences of movies rated >= 3.5 -> co-occurrence graph -> weighted
random walks (10 per item, length 10) -> skip-gram with 5 negatives, side information genres + tags.
10% of the tagged movies with >= 5 neighbours (at most 300) are removed before training and embedded
from their genres and tags only; Hits@10: any of their 10 strongest co-occurring movies among their
10 nearest. Baseline: the 10 most-watched movies for everyone. The seed's check: a new superhero film
given only tags and genres, and how many of its 10 neighbours are superhero / Marvel / DC films.
Film KG: projects linked by shared credits, side information genres + keywords, same protocol.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import DEFAULT_KG  # noqa: E402

MOVIELENS = ROOT.parent / "shared" / "data" / "movielens" / "ml-latest-small"
SUPERHERO_TAGS = {"superhero", "superheroes", "marvel", "comic book", "comics", "dc comics", "based on comic",
                  "mutants", "super-hero"}
SUPERHERO_TITLES = ("Spider-Man", "X-Men", "X2", "Avengers", "Iron Man", "Batman", "Superman", "Hulk", "Thor",
                    "Captain America", "Fantastic Four", "Daredevil", "Ant-Man", "Deadpool", "Guardians of the Galaxy",
                    "Wolverine", "Doctor Strange", "Watchmen", "Hellboy", "Black Panther", "Justice League",
                    "Wonder Woman", "Green Lantern", "Dark Knight", "Elektra", "Ghost Rider", "Punisher", "Kick-Ass",
                    "Incredibles", "Blade", "Suicide Squad", "Man of Steel", "Catwoman", "Green Hornet")
NEW_SUPERHERO = {"genre": ["Action", "Adventure", "Sci-Fi"], "tag": ["superhero", "marvel", "comic book"]}
NEW_FILM = {"genre": ["Science Fiction", "Adventure"], "keyword": ["space battle", "spaceship", "rebellion"]}


def is_superhero(title: str, tags: list[str]) -> bool:
    return bool(SUPERHERO_TAGS & set(tags)) or any(name.lower() in title.lower() for name in SUPERHERO_TITLES)


def run(source: str, settings) -> tuple[dict, list[str]]:
    from assistant.kg import load_kg
    from training.eges import embed_cold_start, film_kg_graph, movielens_graph, similar_items, train_eges

    started = time.perf_counter()
    data = movielens_graph(MOVIELENS) if source == "movielens" else film_kg_graph(load_kg(DEFAULT_KG))
    model = train_eges(data, settings, progress=True)
    cs = model.config["cold_start"]
    row = {"source": source, "items": data.graph.number_of_nodes(), "edges": data.graph.number_of_edges(),
           "held_out": cs["evaluated"], "hits": cs["hits@10"], "popularity": cs["popularity_hits@10"],
           "random": min(1.0, 10 * 10 / max(1, data.graph.number_of_nodes())),
           "weights": model.config["type_weights"], "train_s": model.config["train_seconds"],
           "total_s": time.perf_counter() - started}
    new = NEW_SUPERHERO if source == "movielens" else NEW_FILM
    neighbours = similar_items(model, embed_cold_start(model, new), k=10)
    lines = []
    for item, sim in neighbours:
        title = model.names.get(item, item)
        tags = data.side_info.get("tag", {}).get(item, [])
        mark = " (superhero)" if source == "movielens" and is_superhero(title, tags) else ""
        lines.append(f"{title}{mark} {sim:.2f}")
    if source == "movielens":
        row["superhero_top10"] = sum(is_superhero(model.names[i], data.side_info["tag"].get(i, []))
                                     for i, _ in neighbours)
    return row, lines


def main(argv: list[str] | None = None) -> int:
    from training.eges import EgesSettings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", nargs="+", default=["movielens", "kg"], choices=["movielens", "kg"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-pairs", type=int, default=500_000, help="skip-gram pairs per epoch")
    parser.add_argument("--dim", type=int, default=64)
    args = parser.parse_args(argv)
    settings = EgesSettings(dim=args.dim, epochs=args.epochs, max_pairs=args.max_pairs)
    rows, examples = [], {}
    for source in args.sources:
        if source == "movielens" and not MOVIELENS.exists():
            print(f"skipping MovieLens: {MOVIELENS} not found", file=sys.stderr)
            continue
        row, examples[source] = run(source, settings)
        rows.append(row)
    print(f"\nEGES cold start (dim {settings.dim}, {settings.epochs} epochs x {settings.max_pairs:,} pairs, "
          f"CPU, {os.environ.get('OMP_NUM_THREADS')} thread(s))\n")
    print("| data | items | edges | cold-start items | Hits@10 | popularity Hits@10 | random | type weights | "
          "train s |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        weights = ", ".join(f"{k} {v:.2f}" for k, v in r["weights"].items())
        print(f"| {r['source']} | {r['items']} | {r['edges']} | {r['held_out']} | {r['hits']:.3f} | "
              f"{r['popularity']:.3f} | {r['random']:.3f} | {weights} | {r['train_s']:.0f} |")
    for source, lines in examples.items():
        new = NEW_SUPERHERO if source == "movielens" else NEW_FILM
        print(f"\nNew item {new} ({source}), 10 nearest known items:")
        for line in lines:
            print(f"  {line}")
        if source == "movielens":
            hero = next(r["superhero_top10"] for r in rows if r["source"] == "movielens")
            print(f"  -> {hero}/10 superhero / Marvel / DC films")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
