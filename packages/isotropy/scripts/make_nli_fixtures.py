#!/usr/bin/python3
"""Reference values for the NLI baselines of @proj/isotropy, computed independently in numpy.

Run from anywhere:  /usr/bin/python3 packages/isotropy/scripts/make_nli_fixtures.py

Each case is a set of responses whose sentences are known, and a table of entailment probabilities
P(premise entails hypothesis) drawn with a fixed numpy seed. The tests feed the same table to the TypeScript
code through a fake Entailment, so both sides see the same model. Written next to the tests:

  src/nli/fixtures/nli.json
    luq:      responses, their sentences, the table of P(entail | premise = other response, hypothesis = sentence),
              per-sample confidence C(r_i) and the LUQ uncertainty (Zhang et al. 2024, Eq. as in their code:
              1 - mean over samples of mean over (other sample, sentence) of P).
    semantic: responses (with repeats), the table of P for every ordered pair, the cluster ids of Farquhar et al.'s
              get_semantic_ids (strict_entailment=True; the loop below is theirs, with check_implication = 2 when
              P > threshold else 0) and cluster_assignment_entropy.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "nli", "fixtures", "nli.json")


def luq_case(rng, n, max_sentences, name):
    sentences = []
    for i in range(n):
        m = int(rng.integers(1, max_sentences + 1))
        sentences.append([f"Claim {i}-{j} holds." for j in range(m)])
    responses = [" ".join(s) for s in sentences]
    table = []
    S = {}
    for i in range(n):
        for k in range(n):
            if k == i:
                continue
            for s in sentences[i]:
                p = float(np.round(rng.random(), 6))
                S[(k, s)] = p
                table.append([responses[k], s, p])
    conf = []
    for i in range(n):
        per_other = [np.mean([S[(k, s)] for s in sentences[i]]) for k in range(n) if k != i]
        conf.append(float(np.mean(per_other)))
    return {
        "name": name,
        "responses": responses,
        "sentences": sentences,
        "table": table,
        "confidence": conf,
        "uncertainty": float(1.0 - np.mean(conf)),
    }


def get_semantic_ids(strings_list, check_implication):
    """Farquhar et al.'s greedy clustering (strict entailment), transcribed from their reference code."""

    def are_equivalent(text1, text2):
        implication_1 = check_implication(text1, text2)
        implication_2 = check_implication(text2, text1)
        return (implication_1 == 2) and (implication_2 == 2)

    semantic_set_ids = [-1] * len(strings_list)
    next_id = 0
    for i, string1 in enumerate(strings_list):
        if semantic_set_ids[i] == -1:
            semantic_set_ids[i] = next_id
            for j in range(i + 1, len(strings_list)):
                if are_equivalent(string1, strings_list[j]):
                    semantic_set_ids[j] = next_id
            next_id += 1
    assert -1 not in semantic_set_ids
    return semantic_set_ids


def cluster_assignment_entropy(semantic_ids):
    n_generations = len(semantic_ids)
    counts = np.bincount(semantic_ids)
    probabilities = counts / n_generations
    probabilities = probabilities[probabilities > 0]
    assert np.isclose(probabilities.sum(), 1)
    return float(-(probabilities * np.log(probabilities)).sum())


def semantic_case(rng, n, distinct, threshold, name):
    pool = [f"Answer {c}." for c in range(distinct)]
    responses = [pool[int(rng.integers(0, distinct))] for _ in range(n)]
    texts = sorted(set(responses))
    table = {}
    for a in texts:
        for b in texts:
            # mostly entailing within a random "meaning" grouping, with noise, so clusters are non-trivial
            table[(a, b)] = float(np.round(rng.random(), 6))
    ids = get_semantic_ids(responses, lambda a, b: 2 if table[(a, b)] > threshold else 0)
    return {
        "name": name,
        "threshold": threshold,
        "responses": responses,
        "table": [[a, b, p] for (a, b), p in table.items()],
        "clusterIds": ids,
        "entropy": cluster_assignment_entropy(ids),
    }


def explicit_semantic_case(responses, pairs, threshold, name):
    """A hand-written table (P of unlisted ordered pairs of distinct texts = 0, of a text with itself = 1)."""
    texts = sorted(set(responses))
    table = {(a, b): (1.0 if a == b else 0.0) for a in texts for b in texts}
    table.update({(a, b): p for a, b, p in pairs})
    ids = get_semantic_ids(responses, lambda a, b: 2 if table[(a, b)] > threshold else 0)
    return {
        "name": name,
        "threshold": threshold,
        "responses": responses,
        "table": [[a, b, p] for (a, b), p in table.items()],
        "clusterIds": ids,
        "entropy": cluster_assignment_entropy(ids),
    }


def main():
    rng = np.random.default_rng(20240531)
    fixture = {
        "luq": [
            luq_case(rng, 3, 3, "n3"),
            luq_case(rng, 5, 4, "n5"),
            luq_case(rng, 10, 3, "n10"),
        ],
        "semantic": [
            semantic_case(rng, 6, 3, 0.5, "n6-threshold0.5"),
            semantic_case(rng, 10, 4, 0.3, "n10-threshold0.3"),
            semantic_case(rng, 10, 10, 0.2, "n10-many"),
            semantic_case(rng, 8, 2, 0.7, "n8-threshold0.7"),
            # c is equivalent to both a and b, which are not equivalent to each other: the reference loop moves c
            # from a's cluster to b's when it visits b (a later cluster overwrites an earlier assignment).
            explicit_semantic_case(
                ["a", "b", "c"],
                [("a", "c", 0.9), ("c", "a", 0.9), ("b", "c", 0.9), ("c", "b", 0.9), ("a", "b", 0.1), ("b", "a", 0.9)],
                0.5,
                "reassignment",
            ),
        ],
    }
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump(fixture, f, indent=1)
    os.replace(tmp, OUT)
    print(f"wrote {OUT}")
    for c in fixture["semantic"]:
        print(c["name"], c["clusterIds"], round(c["entropy"], 4))
    for c in fixture["luq"]:
        print(c["name"], round(c["uncertainty"], 4))


if __name__ == "__main__":
    main()
