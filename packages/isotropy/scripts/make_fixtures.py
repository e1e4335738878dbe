#!/usr/bin/python3
"""Reference fixtures for @proj/isotropy, computed independently with numpy / scipy.

Run from anywhere:  /usr/bin/python3 packages/isotropy/scripts/make_fixtures.py
(numpy 1.24, scipy 1.10; sklearn is not needed: AUROC comes from the Mann-Whitney U statistic and OLS R^2 from
scipy.stats.linregress). Every output is deterministic (fixed numpy seeds) and written next to the tests:

  src/estimators/fixtures/estimators.json   estimator values on random / structured embedding sets and texts
  src/stats/fixtures/stats.json             OLS, Spearman, AUROC, ROC points, percentiles, bootstrap intervals
  src/evaluation/fixtures/dataset.jsonl     a small synthetic evaluation set (prompt, responses, factuality, embeddings)
  src/evaluation/fixtures/evaluation.json   per-prompt estimator scores and R^2 / Spearman / AUROC on that set
"""
import json
import math
import os
import re

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")
EPS = 1e-3  # jitter of the density matrix (spec step 3)
ECC_THRESHOLD = 0.9  # eigenvalue cut-off of Lin et al.'s reference code (default_params['eigv_threshold'])


# ---------------------------------------------------------------- estimators (the spec, written out in numpy)

def cosine_gram(E):
    E = np.asarray(E, dtype=np.float64)
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    K = U @ U.T
    np.fill_diagonal(K, 1.0)
    return np.clip(K, -1.0, 1.0)


def von_neumann(K):
    n = K.shape[0]
    rho = (K + EPS * np.eye(n)) / n
    lam = np.clip(np.linalg.eigvalsh(rho), 0.0, None)
    nz = lam[lam > 0]
    return float(-(nz * np.log(nz)).sum()), lam


def laplacian(K):
    W = np.clip(K, 0.0, 1.0)
    d = W.sum(axis=1)
    Dm = np.diag(1.0 / np.sqrt(d))
    L = np.eye(len(W)) - Dm @ W @ Dm
    return W, d, (L + L.T) / 2


def all_estimators(E):
    K = cosine_gram(E)
    n = K.shape[0]
    si, lam = von_neumann(K)
    r2 = float(K.sum() / n**2)
    iu = np.triu_indices(n, 1)
    W, d, L = laplacian(K)
    ev, evec = np.linalg.eigh(L)
    assert np.all(np.abs(ev - ECC_THRESHOLD) > 1e-6), "eigenvalue too close to the Ecc cut-off; change the case"
    V = evec[:, ev < ECC_THRESHOLD]
    ds = np.linalg.norm(V - V.mean(axis=0, keepdims=True), axis=1)
    return {
        "vonNeumannEntropy": si,
        "semanticIsotropy": float(min(1.0, max(0.0, si / math.log(n)))),
        "densityEigenvalues": sorted(lam.tolist()),
        "meanResultantLength2": r2,
        "resultantDispersion": 1.0 - r2,
        "renyi2Entropy": float(-math.log((K**2).sum() / n**2)),
        "meanPairwiseCosineDistance": float((1.0 - K[iu]).mean()),
        "laplacianEigenvalues": ev.tolist(),
        "eigV": float(np.clip(1.0 - ev, 0.0, None).sum()),
        "degree": float(1.0 - d.sum() / n**2),
        "eccentricity": float(np.linalg.norm(ds)),
        "eccentricityK": int(V.shape[1]),
        "eccentricityPerResponse": ds.tolist(),
    }


# ROUGE-L: lower-cased runs of letters/digits (Python's [^\W_] = Unicode alphanumerics), full LCS table.
def tokens(text):
    return re.findall(r"[^\W_]+", text.lower())


def lcs(a, b):
    T = np.zeros((len(a) + 1, len(b) + 1), dtype=np.int64)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            T[i, j] = T[i - 1, j - 1] + 1 if a[i - 1] == b[j - 1] else max(T[i - 1, j], T[i, j - 1])
    return int(T[len(a), len(b)])


def rouge_l(x, y):
    a, b = tokens(x), tokens(y)
    if not a or not b:
        return 0.0
    l = lcs(a, b)
    if l == 0:
        return 0.0
    p, r = l / len(a), l / len(b)
    return 2 * p * r / (p + r)


def mean_pairwise_rouge(texts):
    vals = [rouge_l(texts[i], texts[j]) for i in range(len(texts)) for j in range(i + 1, len(texts))]
    return float(np.mean(vals))


def estimator_fixtures():
    rng = np.random.default_rng(20251024)
    cases = []

    def add(name, E):
        cases.append({"name": name, "embeddings": np.asarray(E).tolist(), "expected": all_estimators(E)})

    add("gaussian-5x8", rng.standard_normal((5, 8)))
    centres = rng.standard_normal((2, 32))
    add("two-clusters-10x32", np.vstack([centres[i % 2] + 0.3 * rng.standard_normal(32) for i in range(10)]))
    base = rng.standard_normal(16)
    add("near-identical-6x16", np.vstack([base + 0.05 * rng.standard_normal(16) for _ in range(6)]))
    add("negative-cosines-4x3", np.array([[1.0, 0.2, 0.0], [-1.0, 0.1, 0.3], [0.2, -1.0, 0.1], [0.0, 0.5, -1.0]]))
    add("gaussian-20x64", rng.standard_normal((20, 64)))
    add("pair-2x4", rng.standard_normal((2, 4)))
    add("float32-rows-7x12", rng.standard_normal((7, 12)).astype(np.float32).astype(np.float64))

    # Closed forms from the Gram matrix alone: K = all ones (identical answers) and K = I (orthogonal answers).
    special = []
    for n in (2, 5, 10, 20):
        ident = {"n": n, "kind": "identical"}
        si, lam = von_neumann(np.ones((n, n)))
        ident.update(vonNeumannEntropy=si, semanticIsotropy=float(min(1, max(0, si / math.log(n)))))
        orth = {"n": n, "kind": "orthogonal"}
        si, lam = von_neumann(np.eye(n))
        orth.update(vonNeumannEntropy=si, semanticIsotropy=float(min(1, max(0, si / math.log(n)))))
        # What an implementation that forgets the division by N would report (the spec's known pitfall).
        lam_wrong = np.clip(np.linalg.eigvalsh(np.eye(n) + EPS * np.eye(n)), 0, None)
        orth["withoutDivisionByN"] = float(-(lam_wrong * np.log(lam_wrong)).sum())
        special += [ident, orth]

    texts = [
        {"a": "The cat sat on the mat.", "b": "The cat lay on the mat!"},
        {"a": "Marie Curie won the Nobel Prize in 1903 and 1911.", "b": "In 1911, Curie won a second Nobel prize."},
        {"a": "Ångström units: the café's crème brûlée", "b": "crème brûlée at the café"},
        {"a": "", "b": "anything at all"},
        {"a": "...", "b": "!!!"},
        {"a": "alpha beta gamma", "b": "delta epsilon"},
        {"a": "a b a b a b c", "b": "b a b c a"},
        {"a": "snake_case words, don't split?", "b": "snake case words don t split"},
    ]
    for t in texts:
        t["rougeL"] = rouge_l(t["a"], t["b"])
        t["tokensA"] = tokens(t["a"])
    groups = [
        ["Paris is the capital of France.", "The capital of France is Paris.", "France's capital city is Paris."],
        ["Einstein was born in Ulm in 1879.", "Albert Einstein was born in 1879 in Ulm, Germany.",
         "He was born in Munich.", "Einstein's birthplace: Ulm (Württemberg)."],
        ["one", "two", "three", "four", "one two"],
    ]
    lexical = [{"texts": g, "meanPairwiseRougeL": mean_pairwise_rouge(g)} for g in groups]
    return {"eps": EPS, "eccThreshold": ECC_THRESHOLD, "cases": cases, "special": special,
            "rouge": texts, "lexical": lexical}


# ---------------------------------------------------------------- statistics

def auroc_mwu(scores, positive):
    scores, positive = np.asarray(scores), np.asarray(positive, dtype=bool)
    pos, neg = scores[positive], scores[~positive]
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic  # U of the first sample
    return float(u / (len(pos) * len(neg)))


def roc_points(scores, positive):
    scores, positive = np.asarray(scores), np.asarray(positive, dtype=bool)
    thr = np.unique(scores)[::-1]
    fpr, tpr = [0.0], [0.0]
    for t in thr:
        called = scores >= t
        tpr.append(float((called & positive).sum() / positive.sum()))
        fpr.append(float((called & ~positive).sum() / (~positive).sum()))
    return {"fpr": fpr, "tpr": tpr, "thresholds": thr.tolist()}


def stats_fixtures():
    rng = np.random.default_rng(7)
    n = 40
    x = rng.uniform(0, 1, n)
    x[5] = x[6] = x[7]  # ties in the score
    y = np.round(np.clip(0.9 - 0.6 * x + 0.15 * rng.standard_normal(n), 0, 1), 1)  # ties in the label
    lr = stats.linregress(x, y)
    positive = (y < 0.5).tolist()
    rho = stats.spearmanr(x, y).correlation
    small = {"scores": [0.9, 0.8, 0.3, 0.1], "positive": [True, False, True, False]}
    small["auroc"] = auroc_mwu(small["scores"], small["positive"])
    tied = {"scores": [0.5, 0.5, 0.5, 0.2, 0.9, 0.2], "positive": [True, False, True, False, True, True]}
    tied["auroc"] = auroc_mwu(tied["scores"], tied["positive"])
    tied["roc"] = roc_points(tied["scores"], tied["positive"])

    # Bootstrap with resamples drawn here, so the TS interval code can be checked on the same draws.
    reps = 200
    resamples = rng.integers(0, n, size=(reps, n))
    r2s, rhos, aucs = [], [], []
    for idx in resamples:
        xs, ys = x[idx], y[idx]
        if np.ptp(xs) > 0 and np.ptp(ys) > 0:
            r2s.append(stats.linregress(xs, ys).rvalue ** 2)
            rhos.append(stats.spearmanr(xs, ys).correlation)
        pos = ys < 0.5
        if 0 < pos.sum() < n:
            aucs.append(auroc_mwu(xs, pos))
    pct = lambda v: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
    pvals = rng.standard_normal(11)
    return {
        "x": x.tolist(), "y": y.tolist(), "threshold": 0.5,
        "linregress": {"slope": lr.slope, "intercept": lr.intercept, "r": lr.rvalue, "r2": lr.rvalue**2},
        "spearman": float(rho),
        "ranksX": stats.rankdata(x).tolist(), "ranksY": stats.rankdata(y).tolist(),
        "auroc": auroc_mwu(x, positive), "roc": roc_points(x, positive),
        "small": small, "tied": tied,
        "percentile": {"values": pvals.tolist(),
                       "q": [0, 2.5, 25, 50, 97.5, 100],
                       "expected": [float(np.percentile(pvals, q)) for q in [0, 2.5, 25, 50, 97.5, 100]]},
        "bootstrap": {"resamples": resamples.tolist(), "level": 0.95,
                      "r2": pct(r2s), "spearman": pct(rhos), "auroc": pct(aucs),
                      "valid": {"r2": len(r2s), "spearman": len(rhos), "auroc": len(aucs)}},
    }


# ---------------------------------------------------------------- evaluation set

VOCAB = ("river mountain city king queen battle treaty river empire science music painter novel poet "
         "physics chemistry island harbour bridge cathedral war peace republic senate election").split()


def evaluation_fixtures():
    rng = np.random.default_rng(2510)
    prompts, rows = [], []
    d, n = 16, 6
    for p in range(24):
        noise = rng.uniform(0.05, 1.2)
        centre = rng.standard_normal(d)
        E = np.vstack([centre + noise * rng.standard_normal(d) for _ in range(n)])
        base = list(rng.choice(VOCAB, 10))
        texts = []
        for _ in range(n):
            words = [w if rng.uniform() > noise / 1.5 else str(rng.choice(VOCAB)) for w in base]
            texts.append(" ".join(words).capitalize() + ".")
        fact = float(np.round(np.clip(1.0 - 0.6 * noise + 0.1 * rng.standard_normal(), 0, 1), 2))
        prompts.append({"prompt": f"Tell me about topic {p}.", "responses": texts, "factuality": fact,
                        "embeddings": E.tolist()})
        est = all_estimators(E)
        est["lexicalDispersion"] = 1.0 - mean_pairwise_rouge(texts)
        rows.append(est)
    names = ["semanticIsotropy", "resultantDispersion", "renyi2Entropy", "meanPairwiseCosineDistance",
             "eigV", "degree", "eccentricity", "lexicalDispersion"]
    y = np.array([p["factuality"] for p in prompts])
    threshold = 0.5
    positive = y < threshold
    metrics = {}
    for name in names:
        s = np.array([r[name] for r in rows])
        metrics[name] = {"r2": stats.linregress(s, y).rvalue ** 2, "spearman": float(stats.spearmanr(s, y).correlation),
                         "auroc": auroc_mwu(s, positive)}
    scores = {name: [r[name] for r in rows] for name in names}
    return prompts, {"threshold": threshold, "scores": scores, "metrics": metrics, "factuality": y.tolist()}


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main():
    write_json(os.path.join(SRC, "estimators", "fixtures", "estimators.json"), estimator_fixtures())
    write_json(os.path.join(SRC, "stats", "fixtures", "stats.json"), stats_fixtures())
    prompts, ev = evaluation_fixtures()
    path = os.path.join(SRC, "evaluation", "fixtures", "dataset.jsonl")
    with open(path + ".tmp", "w") as f:
        for p in prompts:
            f.write(json.dumps(p) + "\n")
    os.replace(path + ".tmp", path)
    write_json(os.path.join(SRC, "evaluation", "fixtures", "evaluation.json"), ev)


if __name__ == "__main__":
    main()
