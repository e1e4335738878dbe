#!/usr/bin/env python3
"""PyTorch reference for the optimisers: 3 steps of each torch.optim configuration on a fixed quadratic loss.

loss(w, b) = sum(c*w) + 0.5*sum(d*w^2) + sum(e*b) + 0.5*sum(f*b^2)   (w: [3, 4] decays, b: [4] does not)
Writes src/train/fixtures/optim.json. Run: /usr/bin/python3 packages/runtime/scripts/optim_fixtures.py
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(7)
w0, b0 = rng.normal(size=(3, 4)), rng.normal(size=4)
c, d, e, f = rng.normal(size=(3, 4)), rng.uniform(0.5, 2, size=(3, 4)), rng.normal(size=4), rng.uniform(0.5, 2, size=4)
lrs = [0.1, 0.05, 0.02]

configs = {
    'sgd': (torch.optim.SGD, dict(), None),
    'sgd_momentum': (torch.optim.SGD, dict(momentum=0.9), None),
    'sgd_nesterov_wd': (torch.optim.SGD, dict(momentum=0.9, nesterov=True, weight_decay=0.1), None),
    'adam_wd': (torch.optim.Adam, dict(betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05), None),
    'adamw': (torch.optim.AdamW, dict(betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), None),
    'adamw_clip': (torch.optim.AdamW, dict(betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), 0.5),
}
out = {'w0': w0.ravel().tolist(), 'b0': b0.tolist(), 'c': c.ravel().tolist(), 'd': d.ravel().tolist(),
       'e': e.tolist(), 'f': f.tolist(), 'lrs': lrs, 'cases': {}}
for name, (cls, kw, clip) in configs.items():
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    wd = kw.pop('weight_decay', 0.0)
    opt = cls([{'params': [w], 'weight_decay': wd}, {'params': [b], 'weight_decay': 0.0}], lr=lrs[0], **kw)
    kw['weight_decay'] = wd
    losses, norms = [], []
    for lr in lrs:
        for group in opt.param_groups:
            group['lr'] = lr
        opt.zero_grad()
        loss = (torch.tensor(c) * w).sum() + 0.5 * (torch.tensor(d) * w ** 2).sum() + (torch.tensor(e) * b).sum() \
            + 0.5 * (torch.tensor(f) * b ** 2).sum()
        loss.backward()
        total = torch.sqrt(w.grad.pow(2).sum() + b.grad.pow(2).sum()).item()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_([w, b], clip)
        opt.step()
        losses.append(loss.item())
        norms.append(total)
    out['cases'][name] = {'kind': cls.__name__, 'options': kw, 'clip': clip, 'losses': losses, 'gradNorms': norms,
                          'w': w.detach().numpy().ravel().tolist(), 'b': b.detach().numpy().tolist()}
path = os.path.join(os.path.dirname(__file__), '..', 'src', 'train', 'fixtures', 'optim.json')
with open(path, 'w') as fh:
    json.dump({'generator': 'packages/runtime/scripts/optim_fixtures.py', 'torch': torch.__version__, **out}, fh)
print('wrote', os.path.normpath(path))
