#!/usr/bin/env python3
"""PyTorch reference for @proj's training path: a 2-layer GPT-style LM with the project's layout.

Writes to packages/models/src/decoder/fixtures/:
  gpt_init.safetensors   initial weights (float32)
  gpt_grads.safetensors  d loss / d parameter for one batch
  gpt_after3.safetensors parameters after 3 AdamW steps (lr 1e-3, betas 0.9/0.999, eps 1e-8, wd 0.01 on rank >= 2)
  gpt_reference.json     config, batch (ids, labels, mask), loss of each step
Run: /usr/bin/python3 packages/models/scripts/gpt_reference.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt import Config, forward, init_params, make_optimizer, masked_loss, save_safetensors  # noqa: E402

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'decoder', 'fixtures')
cfg = Config(vocab=64, d=32, layers=2, heads=4, max_pos=16)
params = init_params(cfg, seed=11)
save_safetensors(os.path.join(OUT, 'gpt_init.safetensors'), params)

g = torch.Generator().manual_seed(5)
ids = torch.randint(0, cfg.vocab, (3, 12), generator=g)
labels = torch.randint(0, cfg.vocab, (3, 12), generator=g)
mask = torch.ones(3, 12)
mask[1, 9:] = 0
mask[2, 4:] = 0

p = {k: v.clone().requires_grad_(True) for k, v in params.items()}
loss = masked_loss(forward(cfg, p, ids), labels, mask)
loss.backward()
save_safetensors(os.path.join(OUT, 'gpt_grads.safetensors'), {k: v.grad for k, v in p.items()})

opt = make_optimizer(p, lr=1e-3)
losses = []
for step in range(3):
    opt.zero_grad()
    loss = masked_loss(forward(cfg, p, ids), labels, mask)
    loss.backward()
    losses.append(loss.item())
    opt.step()
save_safetensors(os.path.join(OUT, 'gpt_after3.safetensors'), {k: v.detach() for k, v in p.items()})
with open(os.path.join(OUT, 'gpt_reference.json'), 'w') as fh:
    json.dump({'generator': 'packages/models/scripts/gpt_reference.py', 'torch': torch.__version__,
               'config': {'vocabSize': cfg.vocab, 'dModel': cfg.d, 'nLayers': cfg.layers, 'nHeads': cfg.heads,
                          'maxPositions': cfg.max_pos},
               'ids': ids.tolist(), 'labels': labels.tolist(), 'mask': mask.tolist(), 'losses': losses}, fh)
print('loss', losses)
