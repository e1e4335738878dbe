#!/usr/bin/env python3
"""Reference fixtures for @proj/rl-objectives.

Re-implements, in float64 numpy / PyTorch, the semantics of the peers the TypeScript code follows
(TRL GRPOTrainer / RLOOTrainer / DPOTrainer, verl core_algos) and the papers' formulas (LENS, AsymRE,
outcome-based exploration, Chen et al. pass@k), and writes small JSON fixtures next to the tests.
Gradients come from torch autograd, pass@k from scipy.special.comb (exact integers) and the HumanEval
numpy estimator.

Run from the package folder:  /usr/bin/python3 scripts/make_fixtures.py
Needs numpy, scipy and torch (CPU). Deterministic: every random draw uses a fixed seed.
"""

import json
import math
import os
import re
from collections import defaultdict
from fractions import Fraction

import numpy as np
import torch
from scipy.special import comb

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")


def write(feature, name, obj):
    folder = os.path.join(SRC, feature, "fixtures")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    print("wrote", os.path.relpath(path, os.path.join(HERE, "..")))


def tolist(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().numpy()
    return [float(v) for v in np.asarray(x).reshape(-1)]


# ----------------------------------------------------------------------------------------------------------
# Group advantages
# ----------------------------------------------------------------------------------------------------------


def trl_grpo(rewards, G, scale_rewards="group", eps=1e-4):
    """TRL GRPOTrainer._generate_and_score_completions: group mean, torch.std (unbiased), + 1e-4."""
    r = torch.tensor(rewards)
    mean = r.view(-1, G).mean(dim=1).repeat_interleave(G)
    adv = r - mean
    if scale_rewards == "group":
        std = r.view(-1, G).std(dim=1).repeat_interleave(G)
    elif scale_rewards == "batch":
        std = r.std().expand_as(r)
    if scale_rewards != "none":
        adv = adv / (std + eps)
    return tolist(adv)


def verl_grpo(rewards, index, eps=1e-6, norm_adv_by_std=True):
    """verl compute_grpo_outcome_advantage: per-uid mean/std; a lone sample gets mean 0, std 1."""
    scores = torch.tensor(rewards).clone()
    id2score = defaultdict(list)
    for i, idx in enumerate(index):
        id2score[idx].append(scores[i])
    id2mean, id2std = {}, {}
    for idx, vals in id2score.items():
        if len(vals) == 1:
            id2mean[idx], id2std[idx] = torch.tensor(0.0), torch.tensor(1.0)
        else:
            t = torch.stack(vals)
            id2mean[idx], id2std[idx] = torch.mean(t), torch.std(t)
    out = torch.empty_like(scores)
    for i, idx in enumerate(index):
        if norm_adv_by_std:
            out[i] = (scores[i] - id2mean[idx]) / (id2std[idx] + eps)
        else:
            out[i] = scores[i] - id2mean[idx]
    return tolist(out)


def verl_rloo(rewards, index):
    """verl compute_rloo_outcome_advantage: n/(n-1) * (r - mean); lone samples keep r."""
    scores = torch.tensor(rewards).clone()
    id2score = defaultdict(list)
    for i, idx in enumerate(index):
        id2score[idx].append(scores[i])
    id2mean = {k: (torch.tensor(0.0) if len(v) == 1 else torch.mean(torch.stack(v))) for k, v in id2score.items()}
    out = scores.clone()
    for i, idx in enumerate(index):
        n = len(id2score[idx])
        if n > 1:
            out[i] = scores[i] * n / (n - 1) - id2mean[idx] * n / (n - 1)
    return tolist(out)


def trl_rloo(rewards, G):
    """TRL RLOOTrainer: baseline = (group sum - r) / (G - 1)."""
    r = torch.tensor(rewards).view(-1, G)
    baseline = (r.sum(dim=1, keepdim=True) - r) / (G - 1)
    return tolist((r - baseline).view(-1))


def verl_passk(rewards, index, eps=1e-6, norm=True):
    """verl compute_grpo_passk_outcome_advantage: only the best sample gets r_max - r_second."""
    scores = torch.tensor(rewards)
    adv = torch.zeros_like(scores)
    id2scores, id2indices = defaultdict(list), defaultdict(list)
    for i, idx in enumerate(index):
        id2scores[idx].append(scores[i])
        id2indices[idx].append(i)
    for idx, vals in id2scores.items():
        t = torch.stack(vals)
        top, top_idx = torch.topk(t, 2)
        a = top[0] - top[1]
        if norm:
            a = a / (torch.std(t) + eps)
        adv[id2indices[idx][top_idx[0].item()]] = a
    return tolist(adv)


def masked_mean(values, mask, axis=None):
    if axis is None:
        return (values * mask).sum() / mask.sum()
    return (values * mask).sum(dim=axis) / mask.sum(dim=axis)


def masked_var(values, mask):
    mean = masked_mean(values, mask)
    var = masked_mean((values - mean) ** 2, mask)
    s = mask.sum()
    return var * (s / (s - 1))


def masked_whiten(values, mask, shift_mean=True):
    """verl masked_whiten (Bessel over the mask count, rsqrt(var + 1e-8))."""
    mean, var = masked_mean(values, mask), masked_var(values, mask)
    w = (values - mean) * torch.rsqrt(var + 1e-8)
    if not shift_mean:
        w = w + mean
    return w


def lengths_mask(lengths, L):
    return torch.tensor([[1.0 if t < n else 0.0 for t in range(L)] for n in lengths])


def verl_rfpp(rewards, lengths, L, gamma=1.0):
    """verl compute_reinforce_plus_plus_outcome_advantage with the reward on the last valid token."""
    mask = lengths_mask(lengths, L)
    tok = torch.zeros(len(rewards), L)
    for b, (r, n) in enumerate(zip(rewards, lengths)):
        tok[b, n - 1] = r
    returns = torch.zeros_like(tok)
    running = torch.zeros(len(rewards))
    for t in reversed(range(L)):
        running = tok[:, t] + gamma * running
        returns[:, t] = running
        running = running * mask[:, t]
    adv = masked_whiten(returns, mask) * mask
    return per_sample(adv, mask)


def verl_rfpp_baseline(rewards, index, lengths, L):
    """verl compute_reinforce_plus_plus_baseline_outcome_advantage."""
    mask = lengths_mask(lengths, L)
    scores = torch.tensor(rewards).clone()
    id2score = defaultdict(list)
    for i, idx in enumerate(index):
        id2score[idx].append(scores[i])
    id2mean = {k: (torch.tensor(0.0) if len(v) == 1 else torch.mean(torch.stack(v))) for k, v in id2score.items()}
    for i, idx in enumerate(index):
        scores[i] = scores[i] - id2mean[idx]
    tok = scores.unsqueeze(-1).tile([1, L]) * mask
    adv = masked_whiten(tok, mask) * mask
    return per_sample(adv, mask)


def per_sample(adv, mask):
    out = []
    for b in range(adv.shape[0]):
        vals = adv[b][mask[b] > 0]
        assert torch.allclose(vals, vals[0].expand_as(vals), rtol=0, atol=1e-12), "token advantages differ"
        out.append(float(vals[0]))
    return out


def advantages_fixtures():
    rng = np.random.default_rng(7)
    cases = []
    for G in (2, 4, 8, 16):
        for kind in ("binary", "gauss"):
            B = 6
            r = rng.integers(0, 2, size=B * G).astype(float) if kind == "binary" else rng.normal(0.3, 1.2, size=B * G)
            if kind == "binary":
                r[:G] = 1.0  # an all-correct group (std 0)
                r[G : 2 * G] = 0.0  # an all-wrong group
            rewards = [float(x) for x in r]
            cases.append(
                {
                    "name": f"uniform G={G} {kind}",
                    "rewards": rewards,
                    "groupSize": G,
                    "trl_grpo_group": trl_grpo(rewards, G, "group"),
                    "trl_grpo_batch": trl_grpo(rewards, G, "batch"),
                    "trl_grpo_none": trl_grpo(rewards, G, "none"),
                    "verl_grpo": verl_grpo(rewards, [i // G for i in range(len(rewards))]),
                    "trl_rloo": trl_rloo(rewards, G),
                    "verl_passk": verl_passk(rewards, [i // G for i in range(len(rewards))], norm=True),
                    "verl_passk_nonorm": verl_passk(rewards, [i // G for i in range(len(rewards))], norm=False),
                    "population_grpo": [
                        float(x)
                        for x in (
                            (r.reshape(-1, G) - r.reshape(-1, G).mean(1, keepdims=True))
                            / (r.reshape(-1, G).std(1, ddof=0, keepdims=True) + 1e-6)
                        ).reshape(-1)
                    ],
                }
            )
    # Uneven, interleaved groups with string ids, including lone samples (verl's mean 0 / std 1 rule).
    ids = ["p0"] * 5 + ["p1"] * 3 + ["p2"] * 1 + ["p3"] * 4 + ["p4"] * 1 + ["p5"] * 2
    perm = rng.permutation(len(ids))
    ids = [ids[i] for i in perm]
    r = rng.normal(0.5, 1.0, size=len(ids))
    rewards = [float(x) for x in r]
    lengths = [int(x) for x in rng.integers(1, 9, size=len(ids))]
    uneven = {
        "name": "interleaved string ids with singletons",
        "rewards": rewards,
        "ids": ids,
        "lengths": lengths,
        "verl_grpo": verl_grpo(rewards, ids),
        "verl_grpo_eps_trl": verl_grpo(rewards, ids, eps=1e-4),
        "verl_drgrpo": verl_grpo(rewards, ids, norm_adv_by_std=False),
        "verl_rloo": verl_rloo(rewards, ids),
        "verl_rfpp_baseline": verl_rfpp_baseline(rewards, ids, lengths, 8),
    }
    # REINFORCE++ (token-weighted batch whitening) on a uniform batch.
    r2 = rng.normal(0.0, 1.0, size=24)
    len2 = [int(x) for x in rng.integers(1, 12, size=24)]
    rfpp = {
        "rewards": [float(x) for x in r2],
        "lengths": len2,
        "verl_rfpp": verl_rfpp([float(x) for x in r2], len2, 12),
        "verl_rfpp_equal_lengths": verl_rfpp([float(x) for x in r2], [5] * 24, 5),
        "verl_rfpp_baseline_g4": verl_rfpp_baseline([float(x) for x in r2], [i // 4 for i in range(24)], len2, 12),
    }
    write("advantages", "advantages.json", {"uniform": cases, "uneven": uneven, "reinforcepp": rfpp})


# ----------------------------------------------------------------------------------------------------------
# LENS (arXiv 2510.08696), from the formulas in methods/rl-objectives.md
# ----------------------------------------------------------------------------------------------------------


def lens_reference(rewards, conf, G, alpha=0.25, eps=1e-6, estimator="paper"):
    rewards, conf = np.asarray(rewards, float), np.asarray(conf, float)
    out_r, out_a, Ds, neg = [], [], [], []
    for s in range(0, len(rewards), G):
        r, p = rewards[s : s + G], conf[s : s + G]
        pmax = p.max()
        negative = bool(np.all(r == 0))
        if negative or estimator == "max-confidence":
            D = 2 * pmax
        else:
            D_imp = 1.0 / np.mean(r / p)
            D = max(D_imp, 2 * pmax)
        rt = r - (1 - r) * (1.0 / G) * p / (D - p)
        if negative:
            a = alpha * (rt - rt.mean())
        else:
            a = (rt - rt.mean()) / (rt.std(ddof=1) + eps)
        out_r += list(rt)
        out_a += list(a)
        Ds.append(float(D))
        neg.append(1 if negative else 0)
    return [float(x) for x in out_r], [float(x) for x in out_a], Ds, neg


def lens_fixtures():
    rng = np.random.default_rng(11)
    G = 8
    groups = []
    for g in range(10):
        if g == 0:
            r = np.zeros(G)  # all wrong
        elif g == 1:
            r = np.ones(G)  # all right
        elif g == 2:
            r = np.zeros(G)
            r[0] = 1  # one right: D_imp = G * p_0 can beat 2 max p
        elif g == 3:
            r = np.array([1, 0.5, 0, 0, 1, 0, 0, 0], float)  # partial credit
        else:
            r = rng.integers(0, 2, size=G).astype(float)
        groups.append(r)
    rewards = np.concatenate(groups)
    logprobs = []
    for i in range(len(rewards)):
        L = int(rng.integers(3, 12))
        scale = rng.uniform(0.05, 1.5)
        logprobs.append([float(-abs(x)) for x in rng.normal(0, scale, size=L)])
    conf = np.array([math.exp(np.mean(lp)) for lp in logprobs])
    conf_seq = np.array([math.exp(np.sum(lp)) for lp in logprobs])
    rt, adv, D, neg = lens_reference(rewards, conf, G)
    rt_mc, adv_mc, D_mc, _ = lens_reference(rewards, conf, G, estimator="max-confidence")
    rt_seq, adv_seq, D_seq, _ = lens_reference(rewards, conf_seq, G, alpha=0.5)
    d_imp_wins = []
    for gi in range(len(groups)):
        r, p = rewards[gi * G : (gi + 1) * G], conf[gi * G : (gi + 1) * G]
        if not np.all(r == 0):
            d_imp_wins.append(bool(1.0 / np.mean(r / p) > 2 * p.max()))
        else:
            d_imp_wins.append(False)
    assert any(d_imp_wins) and not all(d_imp_wins), "fixture should exercise both branches of max(D_imp, 2 max p)"
    write(
        "lens",
        "lens.json",
        {
            "groupSize": G,
            "rewards": [float(x) for x in rewards],
            "logprobs": logprobs,
            "confidence": [float(x) for x in conf],
            "paper": {"calibrated": rt, "advantages": adv, "D": D, "negative": neg},
            "maxConfidence": {"calibrated": rt_mc, "advantages": adv_mc, "D": D_mc},
            "sequenceProbability": {"confidence": [float(x) for x in conf_seq], "alpha": 0.5, "calibrated": rt_seq, "advantages": adv_seq, "D": D_seq},
            "dImpWins": d_imp_wins,
        },
    )


# ----------------------------------------------------------------------------------------------------------
# AsymRE (arXiv 2506.20520)
# ----------------------------------------------------------------------------------------------------------


def asymre_fixtures():
    rng = np.random.default_rng(5)
    r = rng.choice([-1.0, 1.0], size=32)
    G = 8
    mean = r.reshape(-1, G).mean(1).repeat(G)
    out = {"rewards": [float(x) for x in r], "groupSize": G}
    for dv in (-0.1, 0.0, 0.2):
        out[f"deltaV={dv}"] = [float(x) for x in r - (mean + dv)]
    V = rng.uniform(-0.5, 0.5, size=32)
    out["values"] = [float(x) for x in V]
    out["fixedValue"] = [float(x) for x in r - V]
    write("asymre", "asymre.json", out)


# ----------------------------------------------------------------------------------------------------------
# Outcome-based exploration (arXiv 2509.06941)
# ----------------------------------------------------------------------------------------------------------


def norm_answer(a):
    a = a.strip().lower()
    a = re.sub(r"\s+", " ", a)
    a = re.sub(r"\.+$", "", a).rstrip()
    return a


def exploration_fixtures():
    rng = np.random.default_rng(3)
    pool = ["1", "2", " 2.", "TWO", "two", "3", "4  ", None]
    counts = defaultdict(int)  # (question, class) -> N, kept across steps
    steps = []
    G = 8
    for step in range(4):
        qs = [f"q{int(x)}" for x in rng.choice(5, size=3, replace=False)]
        question_ids = [q for q in qs for _ in range(G)]
        answers = [pool[int(i)] for i in rng.integers(0, len(pool), size=len(question_ids))]
        rewards = rng.integers(0, 2, size=len(question_ids)).astype(float)
        if step == 1:
            rewards[:G] = 1.0  # an all-correct group: bonus zeroed
        keys = [None if a is None or norm_answer(a) == "" else norm_answer(a) for a in answers]
        in_batch = defaultdict(int)
        for q, k in zip(question_ids, keys):
            if k is not None:
                in_batch[(q, k)] += 1
        variant = ["naive", "mean", "con", "naive"][step]
        counts_from = ["after-batch", "after-batch", "after-batch", "before-batch"][step]
        b = np.zeros(len(keys))
        has = np.zeros(len(keys), bool)
        for i, (q, k) in enumerate(zip(question_ids, keys)):
            if k is None:
                continue
            has[i] = True
            N = counts[(q, k)] + (in_batch[(q, k)] if counts_from == "after-batch" else 0)
            b[i] = 1.0 if N <= 0 else min(1.0, 1.0 / math.sqrt(N))
        for key, c in in_batch.items():
            counts[key] += c
        if variant == "con":
            b = np.where(has, b - 0.5, 0.0)
        elif variant == "mean":
            nb = b.copy()
            for i in range(len(b)):
                if not has[i]:
                    continue
                others = [b[j] for j in range(len(b)) if j != i and has[j] and question_ids[j] == question_ids[i]]
                nb[i] = b[i] - np.mean(others) if others else 0.0
            b = nb
        # zero all-correct groups
        zb = b.copy()
        for s in range(0, len(b), G):
            if np.all(rewards[s : s + G] > 0):
                zb[s : s + G] = 0.0
        rr = rewards.reshape(-1, G)
        base = ((rr - rr.mean(1, keepdims=True)) / (rr.std(1, ddof=1, keepdims=True) + 1e-6)).reshape(-1)
        # batch repetition penalty
        pen = np.zeros(len(keys))
        for i in range(len(keys)):
            if keys[i] is None:
                continue
            same = sum(1 for j in range(len(keys)) if j != i and question_ids[j] == question_ids[i] and keys[j] == keys[i])
            pen[i] = -same / G
        steps.append(
            {
                "questionIds": question_ids,
                "answers": answers,
                "rewards": [float(x) for x in rewards],
                "variant": variant,
                "countsFrom": counts_from,
                "bonuses": [float(x) for x in b],
                "zeroedBonuses": [float(x) for x in zb],
                "baseAdvantages": [float(x) for x in base],
                "advantages": [float(x) for x in base + 0.2 * zb],
                "batchPenalty": [float(x) for x in pen],
                "countsAfter": {f"{q}\u0000{k}": c for (q, k), c in sorted(counts.items())},
            }
        )
    write("exploration", "exploration.json", {"groupSize": G, "c": 0.2, "b0": 0.5, "steps": steps})


# ----------------------------------------------------------------------------------------------------------
# KL estimators
# ----------------------------------------------------------------------------------------------------------


def kl_fixtures():
    rng = np.random.default_rng(13)
    lp = rng.uniform(-4, -0.01, size=40)
    ref = lp + rng.normal(0, 0.8, size=40)
    lp[0], ref[0] = -1.0, -25.0  # ref - logp = -24: verl's +-20 clamp on the log-ratio
    lp[1], ref[1] = -14.0, -1.0  # ref - logp = 13: e^13 - 14 > 10, verl's clamp on the value
    out = {"logprobs": [float(x) for x in lp], "ref": [float(x) for x in ref]}
    for name in ("k1", "k2", "k3", "k3_verl"):
        x = torch.tensor(lp, requires_grad=True)
        r = torch.tensor(ref)
        if name == "k1":
            v = x - r
        elif name == "k2":
            v = 0.5 * (x - r).square()
        elif name == "k3":
            v = torch.exp(r - x) - (r - x) - 1
        else:
            kl = torch.clamp(r - x, min=-20, max=20)
            v = torch.clamp(torch.exp(kl) - kl - 1, min=-10, max=10)
        v.sum().backward()
        out[name] = {"values": tolist(v), "grad": tolist(x.grad)}
    write("kl", "kl.json", out)


# ----------------------------------------------------------------------------------------------------------
# pass@k
# ----------------------------------------------------------------------------------------------------------


def humaneval_estimator(n, c, k):
    """The HumanEval reference (human-eval/execution.py estimate_pass_at_k, per problem)."""
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


def passk_fixtures():
    cases = []
    grid = [(1, 0, 1), (1, 1, 1), (5, 0, 1), (5, 5, 5), (5, 2, 5), (10, 3, 1), (10, 3, 7), (10, 3, 8), (16, 1, 16)]
    grid += [(20, c, k) for c in (0, 1, 5, 19, 20) for k in (1, 2, 5, 10, 16, 20)]
    grid += [(200, c, k) for c in (0, 1, 3, 50, 150, 199) for k in (1, 10, 50, 100)]
    grid += [(1000, 7, 100), (1000, 1, 1000), (64, 9, 32)]
    for n, c, k in grid:
        exact = 1 - Fraction(int(comb(n - c, k, exact=True)), int(comb(n, k, exact=True)))
        cases.append({"n": n, "c": c, "k": k, "exact": float(exact), "humaneval": float(humaneval_estimator(n, c, k))})
    # n < k: pass@k is undefined; the HumanEval reference still returns 1.0 (the bug the TS code refuses).
    undefined = [{"n": n, "c": c, "k": k, "humaneval": float(humaneval_estimator(n, c, k))} for n, c, k in [(4, 1, 8), (1, 0, 2), (3, 3, 4)]]
    rng = np.random.default_rng(2)
    ns = [int(x) for x in rng.integers(32, 64, size=12)]
    cs = [int(rng.integers(0, n + 1)) for n in ns]
    curve = {"ns": ns, "cs": cs, "ks": list(range(1, 33)), "mean": [float(np.mean([humaneval_estimator(n, c, k) for n, c in zip(ns, cs)])) for k in range(1, 33)]}
    write("passk", "passk.json", {"cases": cases, "undefined": undefined, "curve": curve})


# ----------------------------------------------------------------------------------------------------------
# Policy losses and aggregation (verl core_algos semantics; TRL where noted)
# ----------------------------------------------------------------------------------------------------------


def agg_loss(loss_mat, mask, mode, max_length=None, count_empty=False):
    """verl agg_loss (dp_size 1, no global batch info) with exact token counts; TRL dr_grpo for -norm."""
    if mode == "token-mean":
        return (loss_mat * mask).sum() / mask.sum()
    tokens = mask.sum(dim=-1)
    rows = torch.tensor(float(mask.shape[0])) if count_empty else (tokens > 0).double().sum()
    if mode == "seq-mean-token-sum":
        return (loss_mat * mask).sum(dim=-1).sum() / rows
    if mode == "seq-mean-token-mean":
        seq = (loss_mat * mask).sum(dim=-1) / tokens.clamp(min=1)
        return seq.sum() / rows
    if mode == "seq-mean-token-sum-norm":
        L = max_length if max_length is not None else mask.shape[-1]
        return (loss_mat * mask).sum() / (mask.shape[0] * L)
    raise ValueError(mode)


def k3(logp, ref):
    return torch.exp(ref - logp) - (ref - logp) - 1


def per_token_losses(kind, logp, old, adv, mask, clip_low=0.2, clip_high=0.2, dual=None):
    if kind == "reinforce":
        return -adv * logp, {}
    if kind == "gspo":
        neg_kl = logp - old
        seq_len = mask.sum(dim=-1).clamp(min=1)
        seq_kl = (neg_kl * mask).sum(dim=-1) / seq_len
        log_s = logp - logp.detach() + seq_kl.detach().unsqueeze(-1)
        log_s = torch.clamp(log_s, max=10.0)
        s = torch.exp(log_s)
        l1 = -adv * s
        l2 = -adv * torch.clamp(s, 1 - clip_low, 1 + clip_high)
        loss = torch.maximum(l1, l2)
        return loss, {"clipFraction": masked_mean(torch.gt(l2, l1).double(), mask), "approxKl": masked_mean(-neg_kl, mask)}
    neg_kl = torch.clamp(logp - old, min=-20.0, max=20.0)
    ratio = torch.exp(neg_kl)
    approx_kl = masked_mean(-neg_kl, mask)
    if kind == "cispo":
        clipped = torch.clamp(ratio, 1 - clip_low, 1 + clip_high)
        loss = -clipped.detach() * adv * logp
        return loss, {"clipFraction": masked_mean((ratio != clipped).double(), mask), "approxKl": approx_kl}
    l1 = -adv * ratio
    l2 = -adv * torch.clamp(ratio, 1 - clip_low, 1 + clip_high)
    c1 = torch.maximum(l1, l2)
    metrics = {"clipFraction": masked_mean(torch.gt(l2, l1).double(), mask), "approxKl": approx_kl}
    if dual is None:
        return c1, metrics
    l3 = -adv * dual
    c2 = torch.min(l3, c1)
    metrics["clipFractionLower"] = masked_mean(torch.gt(c1, l3).double() * (adv < 0).double(), mask)
    return torch.where(adv < 0, c2, c1), metrics


def losses_fixtures():
    rng = np.random.default_rng(17)
    B, L = 6, 7
    lengths = [7, 3, 0, 5, 1, 6]  # row 2 is empty (all padding)
    mask = lengths_mask(lengths, L)
    logp = rng.uniform(-3.0, -0.05, size=(B, L))
    old = logp + rng.normal(0, 0.25, size=(B, L))
    old[0, 2] = logp[0, 2] - 24.0  # log-ratio 24: PPO/CISPO clamp at 20
    seq_adv = rng.normal(0, 1, size=B)
    seq_adv[3] = -1.7
    old[3, :] = logp[3, :] - 1.4  # big ratios on a negative-advantage row: the dual clip binds
    tok_adv = rng.normal(0, 1, size=(B, L))
    ref = logp + rng.normal(0, 0.3, size=(B, L))
    weights = rng.uniform(0.5, 1.5, size=(B, L))
    modes = ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm"]
    cases = []
    configs = [
        ("reinforce", {}, "seq"),
        ("ppo", {}, "seq"),
        ("ppo", {"clip_low": 0.2, "clip_high": 0.28}, "token"),
        ("ppo", {"dual": 3.0}, "seq"),
        ("cispo", {"clip_low": 1.0, "clip_high": 0.3}, "seq"),
        ("gspo", {"clip_low": 3e-4, "clip_high": 4e-4}, "seq"),
        ("gspo", {"clip_low": 0.2, "clip_high": 0.2}, "token"),
    ]
    for kind, kw, adv_kind in configs:
        for extra in ("plain", "kl+weights"):
            if extra == "kl+weights" and kind not in ("ppo", "gspo"):
                continue
            x = torch.tensor(logp, requires_grad=True)
            adv = torch.tensor(seq_adv).unsqueeze(-1).expand(B, L) if adv_kind == "seq" else torch.tensor(tok_adv)
            loss_mat, metrics = per_token_losses(kind, x, torch.tensor(old), adv, mask, **kw)
            if extra == "kl+weights":
                loss_mat = loss_mat * torch.tensor(weights) + 0.04 * k3(x, torch.tensor(ref))
            per_tok = (loss_mat * mask).detach()
            g_tok = torch.autograd.grad((loss_mat * mask).sum(), x, retain_graph=True)[0] * mask
            agg = {}
            for mode in modes:
                for count_empty in (False, True):
                    val = agg_loss(loss_mat, mask, mode, count_empty=count_empty)
                    g = torch.autograd.grad(val, x, retain_graph=True)[0]
                    agg[f"{mode}{'|countEmpty' if count_empty else ''}"] = {"loss": float(val), "grad": tolist(g)}
            val = agg_loss(loss_mat, mask, "seq-mean-token-sum-norm", max_length=16)
            g = torch.autograd.grad(val, x, retain_graph=True)[0]
            agg["seq-mean-token-sum-norm|maxLength16"] = {"loss": float(val), "grad": tolist(g)}
            cases.append(
                {
                    "kind": kind,
                    "options": {
                        "clipLow": kw.get("clip_low", 0.2),
                        "clipHigh": kw.get("clip_high", 0.2),
                        **({"dualClip": kw["dual"]} if "dual" in kw else {}),
                        **({"klCoef": 0.04, "tokenWeights": True} if extra == "kl+weights" else {}),
                    },
                    "advantages": "sequence" if adv_kind == "seq" else "token",
                    "perTokenLoss": tolist(per_tok),
                    "perTokenGrad": tolist(g_tok),
                    "metrics": {k: float(v) for k, v in metrics.items()},
                    "aggregated": agg,
                }
            )
    # GSPO's log-ratio clamp at 10: a row whose tokens all have log-ratio 11.
    gl = np.full((1, 3), -2.0)
    go = gl - 11.0
    x = torch.tensor(gl, requires_grad=True)
    m1 = torch.ones(1, 3)
    lm, _ = per_token_losses("gspo", x, torch.tensor(go), torch.tensor([[-0.5] * 3]), m1, 0.2, 0.2)
    gg = torch.autograd.grad(lm.sum(), x)[0]
    gspo_cap = {"logprobs": tolist(gl), "old": tolist(go), "advantage": -0.5, "loss": tolist(lm), "grad": tolist(gg)}
    write(
        "losses",
        "losses.json",
        {
            "batch": B,
            "seqLen": L,
            "mask": tolist(mask),
            "logprobs": tolist(logp),
            "oldLogprobs": tolist(old),
            "refLogprobs": tolist(ref),
            "tokenWeights": tolist(weights),
            "seqAdvantages": tolist(seq_adv),
            "tokenAdvantages": tolist(tok_adv),
            "cases": cases,
            "gspoCap": gspo_cap,
            "maskedWhiten": {
                "values": tolist(logp),
                "whitened": tolist(masked_whiten(torch.tensor(logp), mask) * mask),
                "unshifted": tolist(masked_whiten(torch.tensor(logp), mask, shift_mean=False) * mask),
            },
        },
    )


# ----------------------------------------------------------------------------------------------------------
# DPO (TRL DPOTrainer.dpo_loss)
# ----------------------------------------------------------------------------------------------------------


def dpo_fixtures():
    rng = np.random.default_rng(23)
    n = 10
    pc = rng.uniform(-60, -5, size=n)
    pr = rng.uniform(-60, -5, size=n)
    rc = pc + rng.normal(0, 3, size=n)
    rr = pr + rng.normal(0, 3, size=n)
    pc[0], pr[0], rc[0], rr[0] = -500.0, -100.0, -100.0, -500.0  # |beta h| large: stable logsigmoid
    cases = []
    for loss_type, beta, ls in [("sigmoid", 0.1, 0.0), ("sigmoid", 0.5, 0.0), ("sigmoid", 0.1, 0.2), ("ipo", 0.1, 0.0), ("ipo", 0.5, 0.0), ("hinge", 0.1, 0.0), ("hinge", 1.0, 0.0)]:
        c = torch.tensor(pc, requires_grad=True)
        r = torch.tensor(pr, requires_grad=True)
        logits = (c - r) - (torch.tensor(rc) - torch.tensor(rr))
        if loss_type == "sigmoid":
            losses = -torch.nn.functional.logsigmoid(beta * logits) * (1 - ls) - torch.nn.functional.logsigmoid(-beta * logits) * ls
        elif loss_type == "hinge":
            losses = torch.relu(1 - beta * logits)
        else:
            losses = (logits - 1 / (2 * beta)) ** 2
        gc, gr = torch.autograd.grad(losses.sum(), [c, r])
        chosen_rewards = beta * (c - torch.tensor(rc)).detach()
        rejected_rewards = beta * (r - torch.tensor(rr)).detach()
        cases.append(
            {
                "loss": loss_type,
                "beta": beta,
                "labelSmoothing": ls,
                "losses": tolist(losses),
                "mean": float(losses.mean()),
                "gradChosen": tolist(gc),
                "gradRejected": tolist(gr),
                "chosenRewards": tolist(chosen_rewards),
                "rejectedRewards": tolist(rejected_rewards),
                "metrics": {
                    "rewardChosen": float(chosen_rewards.mean()),
                    "rewardRejected": float(rejected_rewards.mean()),
                    "rewardAccuracy": float((chosen_rewards > rejected_rewards).double().mean()),
                    "rewardMargin": float((chosen_rewards - rejected_rewards).mean()),
                },
            }
        )
    write("dpo", "dpo.json", {"chosen": tolist(pc), "rejected": tolist(pr), "refChosen": tolist(rc), "refRejected": tolist(rr), "cases": cases})


if __name__ == "__main__":
    advantages_fixtures()
    lens_fixtures()
    asymre_fixtures()
    exploration_fixtures()
    kl_fixtures()
    passk_fixtures()
    losses_fixtures()
    dpo_fixtures()
