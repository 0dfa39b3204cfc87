"""Build the held-out family KG: untyped people, families and places as plain triples (FB15k-237 layout).

    python bench/heldout/build_family_kg.py      # rewrites bench/heldout/family_kg/{train.txt,entity2text.txt}

The KG is fictional and seeded (the same files every run): about 45 three-generation families across 17
countries, people who married into them, the places they were born in and live in, their jobs and employers.
Relations have plain names and no schema: ``parents`` (child -> parent; there is no ``children`` relation, so
questions about children walk ``parents`` backwards), ``spouse`` and ``sibling`` (stored in one direction per pair),
``gender``, ``nationality``, ``place_of_birth``, ``lives_in``, ``occupation``, ``employer`` and ``located_in``
(city -> country, employer -> city). Node ids are opaque (``e0042``); names live in ``entity2text.txt``.

It is made up (hand-written name, place, job and employer lists; seeded draws) rather than taken from a real KG, so
that no one on the project has seen it; the questions in ``family.jsonl`` were written by hand from its contents,
and their answers are recomputed from it (``recompute.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent / "family_kg"
SEED = 20240611

COUNTRIES: dict[str, list[str]] = {
    "France": ["Lyon", "Marseille", "Toulouse", "Nantes"],
    "Germany": ["Hamburg", "Leipzig", "Munich", "Cologne"],
    "Italy": ["Turin", "Bologna", "Naples"],
    "Spain": ["Seville", "Valencia", "Bilbao"],
    "Portugal": ["Porto", "Coimbra"],
    "Poland": ["Kraków", "Gdańsk", "Poznań"],
    "Sweden": ["Gothenburg", "Uppsala"],
    "Ireland": ["Cork", "Galway"],
    "United Kingdom": ["Leeds", "Bristol", "Edinburgh"],
    "United States": ["Chicago", "Portland", "Savannah", "Boston"],
    "Brazil": ["Recife", "Curitiba"],
    "Japan": ["Osaka", "Sapporo"],
    "India": ["Pune", "Kochi"],
    "Nigeria": ["Lagos", "Ibadan"],
    "Greece": ["Thessaloniki", "Patras"],
    "Netherlands": ["Utrecht", "Rotterdam"],
    "Canada": ["Halifax", "Winnipeg"],
}

# (male first names, female first names, surnames) per country
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "France": (["Julien", "Mathieu", "Olivier", "Thierry", "Antoine", "Rémi", "Guillaume", "Bastien", "Yves", "Hugo"],
               ["Camille", "Élodie", "Sylvie", "Margaux", "Nathalie", "Amélie", "Chantal", "Léa", "Brigitte", "Inès"],
               ["Durand", "Lefebvre", "Moreau", "Girard", "Fontaine", "Rousseau", "Marchand", "Chevalier"]),
    "Germany": (["Jürgen", "Matthias", "Lukas", "Stefan", "Dieter", "Felix", "Tobias", "Klaus", "Jonas", "Henrik"],
                ["Ingrid", "Sabine", "Anja", "Katrin", "Lena", "Ursula", "Greta", "Heike", "Mareike", "Sophie"],
                ["Becker", "Hoffmann", "Schröder", "Krüger", "Vogel", "Lehmann", "Brandt", "Neumann"]),
    "Italy": (["Marco", "Giuseppe", "Alessandro", "Luca", "Franco", "Matteo", "Stefano", "Enzo", "Davide"],
              ["Giulia", "Francesca", "Chiara", "Rosa", "Valentina", "Lucia", "Paola", "Serena", "Bianca"],
              ["Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Conti"]),
    "Spain": (["Javier", "Alejandro", "Manuel", "Carlos", "Iñaki", "Pablo", "Sergio", "Raúl", "Diego"],
              ["Lucía", "Carmen", "Pilar", "Elena", "Marta", "Nerea", "Rocío", "Inmaculada", "Alba"],
              ["García", "Fernández", "López", "Martínez", "Sánchez", "Navarro", "Iglesias", "Ortega"]),
    "Portugal": (["João", "Tiago", "Rui", "Nuno", "Duarte", "Miguel", "Afonso"],
                 ["Beatriz", "Inês", "Mariana", "Leonor", "Filipa", "Catarina", "Teresa"],
                 ["Silva", "Pereira", "Costa", "Rodrigues", "Almeida", "Carvalho"]),
    "Poland": (["Piotr", "Tomasz", "Krzysztof", "Paweł", "Marek", "Andrzej", "Kacper", "Wojciech"],
               ["Agnieszka", "Katarzyna", "Magdalena", "Zofia", "Ewa", "Joanna", "Małgorzata", "Hanna"],
               ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"]),
    "Sweden": (["Erik", "Lars", "Anders", "Johan", "Nils", "Björn", "Oskar"],
               ["Astrid", "Karin", "Sofia", "Ingrid", "Maja", "Elin", "Linnea"],
               ["Lindqvist", "Johansson", "Bergström", "Nyberg", "Sandberg", "Holm"]),
    "Ireland": (["Seán", "Declan", "Cormac", "Niall", "Eoin", "Ciarán", "Fergal", "Padraig"],
                ["Siobhán", "Aoife", "Niamh", "Róisín", "Orla", "Maeve", "Gráinne", "Clodagh"],
                ["O'Brien", "Murphy", "Kavanagh", "Byrne", "Doyle", "Gallagher", "Brennan"]),
    "United Kingdom": (["Oliver", "Harry", "George", "Alistair", "Callum", "Rupert", "Graham", "Nigel", "Fraser"],
                       ["Charlotte", "Eleanor", "Imogen", "Harriet", "Fiona", "Gemma", "Philippa", "Kirsty"],
                       ["Whitaker", "Pemberton", "Ashworth", "Holloway", "Fairbairn", "Cartwright", "McLeod"]),
    "United States": (["Tyler", "Brandon", "Dwayne", "Chester", "Russell", "Cody", "Marcus", "Warren", "Garrett"],
                      ["Madison", "Shelby", "Brianna", "Dolores", "Tamara", "Kayla", "Loretta", "Whitney"],
                      ["Brooks", "Delgado", "Hendricks", "Whitfield", "Caldwell", "Monroe", "Baxter", "Pruitt"]),
    "Brazil": (["Thiago", "Rafael", "Gustavo", "Leandro", "Rodrigo", "Vinícius", "Caio"],
               ["Fernanda", "Juliana", "Larissa", "Tatiane", "Gabriela", "Renata", "Bruna"],
               ["Oliveira", "Souza", "Santos", "Barbosa", "Ferreira", "Cavalcanti"]),
    "Japan": (["Haruto", "Takeshi", "Kenji", "Hiroshi", "Daiki", "Ren", "Sota"],
              ["Yuki", "Aiko", "Sakura", "Haruka", "Keiko", "Mei", "Rina"],
              ["Tanaka", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Fujita"]),
    "India": (["Arjun", "Rohan", "Vikram", "Sanjay", "Aditya", "Karthik", "Rahul"],
              ["Priya", "Ananya", "Kavya", "Meera", "Deepa", "Lakshmi", "Neha"],
              ["Sharma", "Iyer", "Nair", "Kulkarni", "Menon", "Deshpande", "Patil"]),
    "Nigeria": (["Chinedu", "Oluwaseun", "Emeka", "Tunde", "Ifeanyi", "Babatunde", "Obinna"],
                ["Ngozi", "Adaeze", "Funmilayo", "Chiamaka", "Yetunde", "Amaka", "Folake"],
                ["Okafor", "Adeyemi", "Eze", "Balogun", "Nwosu", "Okonkwo"]),
    "Greece": (["Nikos", "Giorgos", "Dimitris", "Kostas", "Yannis", "Stavros", "Panagiotis"],
               ["Eleni", "Katerina", "Sofia", "Despina", "Ioanna", "Vasiliki", "Anastasia"],
               ["Papadopoulos", "Georgiou", "Karalis", "Nikolaidis", "Vlachos", "Mavros"]),
    "Netherlands": (["Daan", "Sander", "Joost", "Bram", "Pieter", "Ruud", "Thijs"],
                    ["Femke", "Anouk", "Marieke", "Sanne", "Lotte", "Ilse", "Noor"],
                    ["de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Mulder", "de Groot"]),
    "Canada": (["Liam", "Connor", "Mathis", "Owen", "Dylan", "Gavin", "Wyatt"],
               ["Avery", "Chloé", "Brooke", "Mackenzie", "Paige", "Sydney", "Josée"],
               ["Tremblay", "MacDonald", "Gagnon", "Fraser", "Campbell", "Bouchard"]),
}

OCCUPATIONS = [
    "nurse", "carpenter", "architect", "schoolteacher", "software engineer", "pharmacist", "baker", "electrician",
    "lawyer", "accountant", "violinist", "journalist", "civil engineer", "veterinarian", "dentist", "librarian",
    "chef", "firefighter", "airline pilot", "photographer", "translator", "farmer", "economist", "surgeon",
    "physiotherapist", "graphic designer", "police officer", "plumber", "historian", "marine biologist",
]

# employer name patterns per city; "{c}" is the city
EMPLOYER_PATTERNS = ["{c} General Hospital", "University of {c}", "{c} Municipal Council", "{c} Public Library"]
# which occupations each kind of employer hires (companies hire most civilian jobs)
EMPLOYER_JOBS: dict[str, set[str]] = {
    "Hospital": {"nurse", "surgeon", "pharmacist", "physiotherapist", "dentist", "accountant", "chef", "electrician"},
    "University": {"historian", "economist", "marine biologist", "librarian", "software engineer", "architect",
                   "civil engineer", "veterinarian", "translator", "surgeon", "accountant"},
    "Council": {"police officer", "firefighter", "civil engineer", "accountant", "lawyer", "plumber", "electrician",
                "schoolteacher", "architect", "carpenter"},
    "Library": {"librarian", "historian", "translator", "journalist", "graphic designer"},
}
COMPANIES = [
    "Halvorsen Freight", "Brightwater Analytics", "Kestrel Aeronautics", "Marlowe & Finch Solicitors",
    "Copperleaf Bakeries", "Northgate Engineering", "Solenne Pharmaceuticals", "Bluefin Marine Institute",
    "Okapi Software", "Veridian Architects", "Tallis Philharmonic Orchestra", "Harbourline Ferries",
    "Greenacre Cooperative", "Lantern Press", "Ironbridge Construction", "Meridian Insurance",
]


@dataclass
class Person:
    id: str
    name: str
    gender: str
    born: int
    country: str
    birth_city: str
    city: str
    parents: list[str] = field(default_factory=list)
    spouses: list[str] = field(default_factory=list)
    occupation: str | None = None
    employer: str | None = None


class Builder:
    """Draws the families; every random choice goes through one seeded generator."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.names: dict[str, str] = {}
        self.triples: list[tuple[str, str, str]] = []
        self.people: dict[str, Person] = {}
        self.used_names: set[str] = set()
        self.counter = 0
        self.city_country: dict[str, str] = {}
        self.employers: dict[str, list[str]] = {}  # city -> employer ids
        for country, cities in COUNTRIES.items():
            cid = self.node(country)
            for city in cities:
                tid = self.node(city)
                self.city_country[tid] = cid
                self.triples.append((tid, "located_in", cid))
        companies = list(COMPANIES)
        self.rng.shuffle(companies)
        city_ids = sorted(self.city_country)
        for tid in city_ids:
            picks = self.rng.sample(EMPLOYER_PATTERNS, 2)
            ids = [self.node(p.format(c=self.names[tid])) for p in picks]
            if companies and self.rng.random() < 0.45:
                ids.append(self.node(companies.pop()))
            for eid in ids:
                self.triples.append((eid, "located_in", tid))
            self.employers[tid] = ids
        self.gender_ids = {"female": self.node("female"), "male": self.node("male")}
        self.occupation_ids = {o: self.node(o) for o in OCCUPATIONS}

    def node(self, name: str) -> str:
        self.counter += 1
        node_id = f"e{self.counter:04d}"
        self.names[node_id] = name
        return node_id

    def cities_of(self, country: str) -> list[str]:
        return [t for t, c in self.city_country.items() if self.names[c] == country]

    def new_person(self, gender: str, born: int, country: str, surname: str | None, birth_city: str,
                   city: str | None = None) -> Person:
        males, females, surnames = NAMES[country]
        firsts = males if gender == "male" else females
        for _ in range(200):
            name = f"{self.rng.choice(firsts)} {surname or self.rng.choice(surnames)}"
            if name not in self.used_names:
                break
        else:  # a family with many children may exhaust one surname's first names: add a middle initial
            name = f"{self.rng.choice(firsts)} {chr(65 + self.rng.randrange(26))}. {surname}"
        self.used_names.add(name)
        pid = self.node(name)
        person = Person(pid, name, gender, born, country, birth_city, city or birth_city)
        self.people[pid] = person
        return person

    def job(self, person: Person) -> None:
        if 2024 - person.born < 20:
            return
        if self.rng.random() < 0.92:
            person.occupation = self.rng.choice(OCCUPATIONS)
            if 2024 - person.born < 67 and self.rng.random() < 0.8:
                person.employer = self.employer_for(person)

    def employer_for(self, person: Person) -> str | None:
        """An employer in the person's city that plausibly hires their occupation (else self-employed)."""
        if person.occupation is None:
            return None
        fitting = [e for e in self.employers[person.city] if person.occupation in self.hires(self.names[e])]
        return self.rng.choice(fitting) if fitting else None

    @staticmethod
    def hires(employer: str) -> set[str]:
        for marker, jobs in EMPLOYER_JOBS.items():
            if marker in employer:
                return jobs
        return set(OCCUPATIONS) - {"surgeon", "nurse", "dentist", "farmer", "firefighter", "police officer"}

    def marry(self, a: Person, b: Person) -> None:
        a.spouses.append(b.id)
        b.spouses.append(a.id)

    def outsider_for(self, person: Person) -> Person:
        """Someone with no parents in the KG who marries ``person``."""
        gender = "female" if person.gender == "male" else "male"
        if self.rng.random() < 0.75:
            country = person.country
            birth_city = self.rng.choice(self.cities_of(country))
        else:
            country = self.rng.choice(sorted(COUNTRIES))
            birth_city = self.rng.choice(self.cities_of(country))
        spouse = self.new_person(gender, person.born + self.rng.randint(-4, 4), country, None, birth_city, person.city)
        self.job(spouse)
        return spouse

    def children(self, mother: Person, father: Person, surname: str, count: int, first_year: int) -> list[Person]:
        kids = []
        year = first_year
        for _ in range(count):
            gender = self.rng.choice(["female", "male"])
            kid = self.new_person(gender, year, father.country if self.rng.random() < 0.7 else mother.country,
                                  surname, mother.city)
            kid.parents = [mother.id, father.id]
            if self.rng.random() < 0.3:  # moved away
                if self.rng.random() < 0.6:
                    kid.city = self.rng.choice(self.cities_of(kid.country))
                else:
                    kid.city = self.rng.choice(sorted(self.city_country))
            self.job(kid)
            kids.append(kid)
            year += self.rng.randint(1, 5)
        return kids

    def build(self, families: int = 45) -> None:
        countries = sorted(COUNTRIES)
        generation2: list[Person] = []
        for i in range(families):
            country = countries[i % len(countries)]
            surname = NAMES[country][2][(i // len(countries)) % len(NAMES[country][2])]
            city = self.rng.choice(self.cities_of(country))
            born = self.rng.randint(1932, 1952)
            father = self.new_person("male", born, country, surname, self.rng.choice(self.cities_of(country)), city)
            mother_country = country if self.rng.random() < 0.8 else self.rng.choice(countries)
            mother = self.new_person("female", born + self.rng.randint(-3, 5), mother_country, None,
                                     self.rng.choice(self.cities_of(mother_country)), city)
            self.job(father)
            self.job(mother)
            self.marry(father, mother)
            kids = self.children(mother, father, surname, self.rng.randint(2, 4), max(father.born, mother.born) + 24)
            generation2.extend(kids)
        # generation 2 marries: some within the KG's families, most with outsiders
        self.rng.shuffle(generation2)
        single = [p for p in generation2 if self.rng.random() < 0.82]
        couples: list[tuple[Person, Person]] = []
        women = [p for p in single if p.gender == "female"]
        men = [p for p in single if p.gender == "male"]
        for _ in range(min(len(women), len(men)) * 2 // 5):  # two in five marry into another family of the KG
            w, m = women.pop(), men.pop()
            if set(w.parents) & set(m.parents):
                continue
            self.marry(w, m)
            m.city = w.city
            m.employer = self.employer_for(m)
            couples.append((w, m))
        for p in women + men:
            if p.spouses:
                continue
            other = self.outsider_for(p)
            self.marry(p, other)
            couples.append((p, other) if p.gender == "female" else (other, p))
        # a few second marriages
        for p in self.rng.sample([p for p in generation2 if len(p.spouses) == 1], 6):
            self.marry(p, self.outsider_for(p))
        # generation 3
        generation3: list[Person] = []
        for w, m in couples:
            count = self.rng.choice([0, 1, 2, 2, 2, 3])
            if count:
                surname = m.name.split(" ", 1)[1] if m.parents or self.rng.random() < 0.8 else w.name.split(" ", 1)[1]
                generation3.extend(self.children(w, m, surname, count, max(w.born, m.born) + self.rng.randint(24, 32)))
        for p in generation3:
            if 2024 - p.born >= 24 and self.rng.random() < 0.45:
                self.marry(p, self.outsider_for(p))

    def write(self, out: Path = OUT) -> tuple[int, int]:
        seen_pairs: set[frozenset[str]] = set()
        for p in self.people.values():
            self.triples.append((p.id, "gender", self.gender_ids[p.gender]))
            self.triples.append((p.id, "nationality", self.node_of_country(p.country)))
            self.triples.append((p.id, "place_of_birth", p.birth_city))
            self.triples.append((p.id, "lives_in", p.city))
            for parent in p.parents:
                self.triples.append((p.id, "parents", parent))
            for spouse in p.spouses:
                pair = frozenset((p.id, spouse))
                if pair not in seen_pairs:  # one direction per couple, as many real KGs store it
                    seen_pairs.add(pair)
                    self.triples.append((p.id, "spouse", spouse))
            if p.occupation:
                self.triples.append((p.id, "occupation", self.occupation_ids[p.occupation]))
            if p.employer:
                self.triples.append((p.id, "employer", p.employer))
        by_parents: dict[tuple[str, ...], list[str]] = {}
        for p in self.people.values():
            if p.parents:
                by_parents.setdefault(tuple(sorted(p.parents)), []).append(p.id)
        for siblings in by_parents.values():
            for i, a in enumerate(siblings):
                for b in siblings[i + 1:]:
                    self.triples.append((a, "sibling", b))
        out.mkdir(parents=True, exist_ok=True)
        (out / "train.txt").write_text("".join(f"{h}\t{r}\t{t}\n" for h, r, t in self.triples), encoding="utf-8")
        (out / "entity2text.txt").write_text("".join(f"{k}\t{v}\n" for k, v in self.names.items()), encoding="utf-8")
        return len(self.names), len(self.triples)

    def node_of_country(self, country: str) -> str:
        return next(c for c in set(self.city_country.values()) if self.names[c] == country)


def main() -> None:
    builder = Builder()
    builder.build()
    nodes, triples = builder.write()
    print(f"{OUT}: {nodes} nodes ({len(builder.people)} people), {triples} triples")


if __name__ == "__main__":
    main()
