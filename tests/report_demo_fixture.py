"""A small campaign as a thesis would report it: four outlets, two coders, a lead who adjudicated.

The texts are our own invented French news sentences (no real article). Three outlets are coded
by both coders on every sentence; a fourth, "Le Courrier libre", was imported but nobody coded
it (the report must say "not coded", never 0). Labels are drawn from a seeded generator with
outlet-specific probabilities, so that one outlet clearly leans on Name_Calling-Labeling and
another on Loaded_Language; the second coder agrees with the first most of the time; the lead
adjudicates every unit of the first two outlets and only half of the third one's documents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from annotator.store import DocumentIn, Store

SCHEME = """\
name: demo-report
version: 1
language: fr
label_sets:
  - name: technique
    level: span
    multiple: true
    labels:
      - {name: Loaded_Language, key: l}
      - {name: Name_Calling-Labeling, key: m}
      - {name: Doubt, key: b}
      - {name: Exaggeration-Minimisation, key: x}
      - {name: Appeal_to_Fear-Prejudice, key: p}
      - {name: Flag_Waving, key: w}
      - {name: Causal_Oversimplification, key: i}
      - {name: Slogans, key: t}
  - name: frame
    level: sentence
    multiple: true
    labels:
      - {name: Security_and_defense, key: y}
      - {name: Economic, key: e}
      - {name: Political, key: o}
  - name: stance
    level: document
    labels:
      - {name: against, key: h}
      - {name: neutral, key: z}
      - {name: favor, key: r}
  - name: primary_frame
    level: document
    labels:
"""
FRAMES = ["Economic", "Capacity_and_resources", "Morality", "Fairness_and_equality",
          "Legality_constitutionality", "Policy_prescription", "Crime_and_punishment",
          "Security_and_defense", "Health_and_safety", "Quality_of_life", "Cultural_identity",
          "Public_opinion", "Political", "External_regulation"]
SCHEME += "".join(f"      - {{name: {n}, key: '{k}'}}\n" for n, k in zip(FRAMES, "1234567890!@#$",
                                                                         strict=True))

SUBJECTS = ["Le ministre", "La préfète", "Un porte-parole", "Le maire de la ville",
            "Une députée", "Le syndicat agricole", "Un collectif d'habitants", "Le conseil"]
VERBS = ["dénonce", "annonce", "redoute", "salue", "conteste", "promet", "évoque", "critique"]
OBJECTS = ["une réforme des transports régionaux", "la fermeture de la raffinerie du port",
           "des pénuries de carburant cet hiver", "le budget voté hier soir",
           "une hausse brutale des loyers", "les accords signés avec les voisins",
           "la sécurité des quais de la gare", "un plan de relance pour les vallées"]
TAILS = ["selon nos informations.", "devant la presse.", "sans donner de chiffres.",
         "au terme d'une longue séance.", "dans un communiqué.", "lors d'un meeting."]

OUTLETS = {  # outlet: (documents, technique probabilities per sentence, stance weights)
    "Le Quotidien du Nord": (6, {"Name_Calling-Labeling": 0.45, "Loaded_Language": 0.1,
                                 "Flag_Waving": 0.15}, (0.7, 0.2, 0.1)),
    "La Voix de l'Est": (6, {"Loaded_Language": 0.4, "Doubt": 0.15,
                             "Exaggeration-Minimisation": 0.2}, (0.2, 0.3, 0.5)),
    "Radio Horizon": (4, {"Loaded_Language": 0.12, "Appeal_to_Fear-Prejudice": 0.1,
                          "Slogans": 0.05}, (0.3, 0.6, 0.1)),
    "Le Courrier libre": (3, {}, (1.0, 0.0, 0.0)),  # nobody coded it
}
NOT_CODED = "Le Courrier libre"
SENTENCES = 8


def _doc(sentences: list[str], title: str, source: str) -> DocumentIn:
    text, offsets = "", []
    for s in sentences:
        if text:
            text += " "
        offsets.append((len(text), len(text) + len(s), 0))
        text += s
    return DocumentIn(text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                      sentences=offsets, title=title, source=source)


@dataclass
class Demo:
    store: Store
    scheme_id: int
    documents: dict[str, list[int]] = field(default_factory=dict)  # outlet -> document ids
    adjudicated: list[int] = field(default_factory=list)  # documents the lead decided


def build(path: Path, seed: int = 11) -> Demo:
    from annotator.core.scheme import parse_scheme

    rng = np.random.default_rng(seed)
    store = Store.open(path)
    scheme_id, _ = store.schemes.add(parse_scheme(SCHEME))
    demo = Demo(store, scheme_id)
    docs = []
    for outlet, (n_docs, _, _) in OUTLETS.items():
        for i in range(n_docs):
            sents = [
                f"{SUBJECTS[rng.integers(8)]} {VERBS[rng.integers(8)]} "
                f"{OBJECTS[rng.integers(8)]} {TAILS[rng.integers(6)]}"
                for _ in range(SENTENCES)
            ]
            title = (f"{OBJECTS[(i + len(outlet)) % 8].capitalize()} : les réactions se "
                     f"multiplient dans la région après une semaine de débats ({i + 1})")
            docs.append((outlet, _doc(sents, title, outlet)))
    ids = store.corpus.add_documents([d for _, d in docs])
    for (outlet, _), (doc_id, _) in zip(docs, ids, strict=True):
        demo.documents.setdefault(outlet, []).append(int(doc_id))

    coders = [store.schemes.annotator_id("camille"), store.schemes.annotator_id("yanis")]
    lead = store.schemes.annotator_id("lead")
    labels = ["against", "neutral", "favor"]
    for outlet, (_, probs, stance_w) in OUTLETS.items():
        if outlet == NOT_CODED:
            continue
        for k, doc_id in enumerate(demo.documents[outlet]):
            decide = outlet != "Radio Horizon" or k % 2 == 0
            if decide:
                demo.adjudicated.append(doc_id)
            stance = labels[int(rng.choice(3, p=stance_w))]
            for c, who in enumerate(coders):
                mine = stance if c == 0 or rng.random() < 0.8 else labels[(labels.index(stance)
                                                                            + 1) % 3]
                store.annotations.add(who, scheme_id, label_set="stance", label=mine,
                                      level="document", document_id=doc_id, replace_in_set=True)
            frame_of_doc = FRAMES[int(rng.integers(len(FRAMES)))]
            for who in coders:
                store.annotations.add(who, scheme_id, label_set="primary_frame",
                                      label=frame_of_doc, level="document", document_id=doc_id,
                                      replace_in_set=True)
            if decide:
                for name, lab in (("stance", stance), ("primary_frame", frame_of_doc)):
                    store.adjudications.adjudicate(scheme_id, lead, {
                        "label_set": name, "level": "document", "document_id": doc_id,
                        "choice": "accept:camille", "sources": ["camille", "yanis"],
                        "gold": [{"label": lab}]})
            for s in store.corpus.sentences(doc_id):
                sid, start = int(s["id"]), int(s["start"])
                words = s["text"].split(" ")
                span = (start, start + len(words[0]) + 1 + len(words[1]))
                truth = [lab for lab, p in probs.items() if rng.random() < p][:1]
                frame = ["Security_and_defense"] if rng.random() < 0.3 else []
                for c, who in enumerate(coders):
                    mine = truth if c == 0 or rng.random() < 0.85 else []
                    for lab in mine:
                        store.annotations.add(who, scheme_id, label_set="technique", label=lab,
                                              level="span", document_id=doc_id, sentence_id=sid,
                                              start=span[0], end=span[1])
                    for lab in frame:
                        store.annotations.add(who, scheme_id, label_set="frame", label=lab,
                                              level="sentence", document_id=doc_id,
                                              sentence_id=sid)
                    store.progress.mark_done(who, scheme_id, sid)
                if decide:
                    for name, gold in (
                        ("technique", [{"label": lab, "start": span[0], "end": span[1]}
                                       for lab in truth]),
                        ("frame", [{"label": lab} for lab in frame]),
                    ):
                        store.adjudications.adjudicate(scheme_id, lead, {
                            "label_set": name, "level": "span" if name == "technique"
                            else "sentence", "document_id": doc_id, "sentence_id": sid,
                            "choice": "accept:camille", "sources": ["camille", "yanis"],
                            "gold": gold})
    return demo
