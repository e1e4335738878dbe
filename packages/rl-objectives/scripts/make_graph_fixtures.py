#!/usr/bin/env python3
"""Reference fixtures for the graph API of @proj/rl-objectives (graph losses and soft tokens).

The policy losses on log-probs and DPO reuse the fixtures of make_fixtures.py (losses.json, dpo.json): the graph
builders must give the same numbers as the numeric API, and those fixtures hold torch's values and gradients.
This script adds what only the graph API has, all in float64 PyTorch with autograd gradients:

- losses through a language model's logits: token log-probs at a temperature, PPO / dual-clip / GSPO / CISPO /
  REINFORCE on them, the entropy term, the KL estimators (with verl's clamps), and the trainer's combined loss,
  each with d loss / d logits;
- the soft-token Gaussian log-prob term (arXiv 2509.19170) with its gradients w.r.t. the mean h, the logits and
  the embedding table, in soft (tau 0.5) and fuzzy (tau 1e-4) modes.

Run from the package folder:  /usr/bin/python3 scripts/make_graph_fixtures.py
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import agg_loss, lengths_mask, per_token_losses, tolist, write  # noqa: E402

torch.set_default_dtype(torch.float64)


def k_estimate(logp, ref, kind, clamp_ratio=None, clamp_value=None):
    d = logp - ref
    if kind == "k1":
        return d
    if kind == "k2":
        return 0.5 * d * d
    x = ref - logp
    if clamp_ratio is not None:
        x = torch.clamp(x, min=-clamp_ratio, max=clamp_ratio)
    v = torch.exp(x) - x - 1
    if clamp_value is not None:
        v = torch.clamp(v, min=-clamp_value, max=clamp_value)
    return v


def entropy(logits, temperature):
    lp = torch.log_softmax(logits / temperature, dim=-1)
    return -(lp.exp() * lp).sum(dim=-1)


def logits_fixtures():
    rng = np.random.default_rng(31)
    B, L, V = 4, 5, 7
    T = 0.7
    lengths = [5, 2, 0, 4]  # row 2 is empty
    mask = lengths_mask(lengths, L)
    logits = rng.normal(0, 1.5, size=(B, L, V))
    labels = rng.integers(0, V, size=(B, L))
    lp0 = torch.log_softmax(torch.tensor(logits) / T, dim=-1).gather(-1, torch.tensor(labels).unsqueeze(-1)).squeeze(-1)
    old = lp0.numpy() + rng.normal(0, 0.3, size=(B, L))
    old[3, :] = lp0.numpy()[3, :] - 1.2  # large ratios on a negative-advantage row: the dual clip binds
    ref = lp0.numpy() + rng.normal(0, 0.8, size=(B, L))
    seq_adv = rng.normal(0, 1, size=B)
    seq_adv[3] = -1.3
    adv = torch.tensor(seq_adv).unsqueeze(-1).expand(B, L)

    def through_logits(fn):
        x = torch.tensor(logits, requires_grad=True)
        lp = torch.log_softmax(x / T, dim=-1).gather(-1, torch.tensor(labels).unsqueeze(-1)).squeeze(-1)
        loss = fn(x, lp)
        (g,) = torch.autograd.grad(loss, x)
        return {"loss": float(loss), "grad": tolist(g)}

    cases = []
    policy = [
        ("reinforce", {}, "seq-mean-token-mean"),
        ("ppo", {"clip_low": 0.2, "clip_high": 0.28}, "token-mean"),
        ("ppo", {"dual": 3.0}, "seq-mean-token-sum"),
        ("gspo", {"clip_low": 3e-4, "clip_high": 4e-4}, "seq-mean-token-mean"),
        ("cispo", {"clip_low": 1.0, "clip_high": 0.3}, "seq-mean-token-sum-norm"),
    ]
    for kind, kw, mode in policy:
        def fn(x, lp, kind=kind, kw=kw, mode=mode):
            per, _ = per_token_losses(kind, lp, torch.tensor(old), adv, mask, **kw)
            return agg_loss(per, mask, mode)

        r = through_logits(fn)
        cases.append(
            {
                "term": "policy",
                "kind": kind,
                "options": {
                    "clipLow": kw.get("clip_low", 0.2),
                    "clipHigh": kw.get("clip_high", 0.2),
                    **({"dualClip": kw["dual"]} if "dual" in kw else {}),
                    "aggregation": mode,
                },
                **r,
            }
        )
    for mode in ("token-mean", "seq-mean-token-mean"):
        r = through_logits(lambda x, lp, mode=mode: agg_loss(entropy(x, T), mask, mode))
        cases.append({"term": "entropy", "options": {"aggregation": mode}, **r})
    for kind, cr, cv in (("k1", None, None), ("k2", None, None), ("k3", None, None), ("k3", 1.0, 0.3)):
        r = through_logits(lambda x, lp, kind=kind, cr=cr, cv=cv: agg_loss(k_estimate(lp, torch.tensor(ref), kind, cr, cv), mask, "token-mean"))
        opts = {"estimator": kind, **({"clampLogRatio": cr} if cr is not None else {}), **({"clampValue": cv} if cv is not None else {})}
        cases.append({"term": "kl", "options": {**opts, "aggregation": "token-mean"}, **r})

    # The trainer's loss: PPO (asymmetric clip) + beta * k3 per token, aggregated, minus c * mean entropy.
    def combined(x, lp):
        per, _ = per_token_losses("ppo", lp, torch.tensor(old), adv, mask, clip_low=0.2, clip_high=0.28)
        per = per + 0.05 * k_estimate(lp, torch.tensor(ref), "k3")
        return agg_loss(per, mask, "token-mean") - 0.01 * agg_loss(entropy(x, T), mask, "token-mean")

    cases.append({"term": "combined", "options": {"clipLow": 0.2, "clipHigh": 0.28, "klCoef": 0.05, "entropyCoef": 0.01}, **through_logits(combined)})
    write(
        "graph-losses",
        "logits.json",
        {
            "batch": B,
            "seqLen": L,
            "vocab": V,
            "temperature": T,
            "mask": tolist(mask),
            "logits": tolist(logits),
            "labels": [int(v) for v in labels.reshape(-1)],
            "tokenLogprobs": tolist(lp0),
            "entropy": tolist(entropy(torch.tensor(logits), T)),
            "oldLogprobs": tolist(old),
            "refLogprobs": tolist(ref),
            "seqAdvantages": tolist(seq_adv),
            "cases": cases,
        },
    )


def soft_token_fixtures():
    rng = np.random.default_rng(37)
    B, L, V, D = 2, 4, 6, 5
    sigma = 0.4
    mask = lengths_mask([4, 3], L)
    logits = rng.normal(0, 1.2, size=(B, L, V))
    table = rng.normal(0, 0.5, size=(V, D))
    noise = rng.normal(0, 1, size=(B, L, D))
    adv = rng.normal(0, 1, size=B)
    cases = []
    for tau in (0.5, 1e-4):
        p = torch.softmax(torch.tensor(logits) / tau, dim=-1)
        mean0 = (p @ torch.tensor(table)).numpy()
        noisy = mean0 + sigma * noise
        noisy += rng.normal(0, 0.05, size=noisy.shape)  # policy moved since the rollout: h~ - h != sigma * noise
        # Gradient w.r.t. the mean h directly.
        h = torch.tensor(mean0, requires_grad=True)
        per = -((torch.tensor(noisy) - h) ** 2).sum(-1) / (2 * sigma**2) * mask
        seq = per.sum(-1)
        loss_h = -(seq * torch.tensor(adv)).mean()
        (gh,) = torch.autograd.grad(loss_h, h)
        # Through the logits and the table.
        x = torch.tensor(logits, requires_grad=True)
        e = torch.tensor(table, requires_grad=True)
        mean = torch.softmax(x / tau, dim=-1) @ e
        per2 = -((torch.tensor(noisy) - mean) ** 2).sum(-1) / (2 * sigma**2) * mask
        loss = -(per2.sum(-1) * torch.tensor(adv)).mean()
        gx, ge = torch.autograd.grad(loss, [x, e])
        cases.append(
            {
                "temperature": tau,
                "noisy": tolist(noisy),
                "mean": tolist(mean0),
                "perToken": tolist(per),
                "perSequence": tolist(seq),
                "loss": float(loss),
                "gradMean": tolist(gh),
                "gradLogits": tolist(gx),
                "gradTable": tolist(ge),
            }
        )
    write(
        "soft-tokens",
        "logprob.json",
        {
            "batch": B,
            "seqLen": L,
            "vocab": V,
            "dModel": D,
            "sigma": sigma,
            "mask": tolist(mask),
            "logits": tolist(logits),
            "table": tolist(table),
            "advantages": tolist(adv),
            "cases": cases,
        },
    )


if __name__ == "__main__":
    logits_fixtures()
    soft_token_fixtures()
