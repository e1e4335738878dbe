#!/usr/bin/env python3
"""PyTorch side of the @proj/models benchmarks: a long-lived process driven over stdin/stdout (one JSON
command per line, one JSON reply per line), so the TypeScript bench can alternate engines round by round.

Commands:
  {"cmd": "info"}                                     -> torch version, threads, matmul GFLOP/s (1024^3)
  {"cmd": "setup", "model": {...}, "batch": B, "seq": S, "seed": n}
  {"cmd": "train", "steps": n}                        -> ms per fwd+bwd+AdamW step (list)
  {"cmd": "forward", "steps": n}                      -> ms per forward (no grad)
  {"cmd": "decode", "batch": B, "prompt": P, "new": N} -> ms for prompt prefill + N cached decode steps
  {"cmd": "load", "dir": folder}                      -> the weights of a saveDecoderFolder folder (model.safetensors)
  {"cmd": "generate", "ids": [[...]], "new": N, "reps": r} -> greedy KV-cache generation of N tokens for the
                                                         (equal-length) prompts: ms per call and the tokens
Run through bench/torch-peer.ts, which sets the fair-baseline environment (OpenBLAS openmp, 2 threads).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from torch_gpt import Config, forward, init_params, load_safetensors, make_optimizer, masked_loss  # noqa: E402

torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '2')))
state = {}


def gflops():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ b
    best = 1e9
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(5):
            a @ b
        best = min(best, (time.perf_counter() - t) / 5)
    return 2 * 1024 ** 3 / best / 1e9


def decode_step(cfg, p, ids, past, pos):
    """One cached forward: ids [B, s] at positions pos.. -> logits of the last position, new past."""
    b, s = ids.shape
    hd = cfg.d // cfg.heads
    x = p['wte.weight'][ids] + p['wpe.weight'][pos:pos + s]
    total = pos + s
    causal = torch.ones(s, total, dtype=torch.bool).tril(diagonal=pos)
    bias = torch.where(causal, 0.0, -1e9)
    new_past = []
    for l in range(cfg.layers):
        pre = f'h.{l}'
        h = F.layer_norm(x, (cfg.d,), p[f'{pre}.norm_1.weight'], p[f'{pre}.norm_1.bias'], 1e-5)
        q, k, v = (h @ p[f'{pre}.attn.qkv.weight'] + p[f'{pre}.attn.qkv.bias']).split(cfg.d, dim=-1)
        q = q.view(b, s, cfg.heads, hd).transpose(1, 2)
        k = k.view(b, s, cfg.heads, hd).transpose(1, 2)
        v = v.view(b, s, cfg.heads, hd).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[l][0], k], 2)
            v = torch.cat([past[l][1], v], 2)
        new_past.append((k, v))
        att = ((q * (1 / math.sqrt(hd))) @ k.transpose(-1, -2) + bias).softmax(-1)
        z = (att @ v).transpose(1, 2).reshape(b, s, cfg.d)
        x = x + z @ p[f'{pre}.attn.out.weight'] + p[f'{pre}.attn.out.bias']
        h = F.layer_norm(x, (cfg.d,), p[f'{pre}.norm_2.weight'], p[f'{pre}.norm_2.bias'], 1e-5)
        x = x + F.gelu(h @ p[f'{pre}.mlp.fc.weight'] + p[f'{pre}.mlp.fc.bias']) @ p[f'{pre}.mlp.proj.weight'] \
            + p[f'{pre}.mlp.proj.bias']
    x = F.layer_norm(x[:, -1:], (cfg.d,), p['norm_f.weight'], p['norm_f.bias'], 1e-5)
    return x @ p['wte.weight'].T, new_past


def handle(cmd):
    c = cmd['cmd']
    if c == 'info':
        return {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'matmulGflops': gflops()}
    if c == 'setup':
        m = cmd['model']
        cfg = Config(m['vocabSize'], m['dModel'], m['nLayers'], m['nHeads'], m['maxPositions'])
        p = {k: v.requires_grad_(True) for k, v in init_params(cfg, cmd.get('seed', 0)).items()}
        g = torch.Generator().manual_seed(1)
        b, s = cmd['batch'], cmd['seq']
        state.update(cfg=cfg, p=p, opt=make_optimizer(p, lr=1e-4),
                     ids=torch.randint(0, cfg.vocab, (b, s), generator=g),
                     labels=torch.randint(0, cfg.vocab, (b, s), generator=g), mask=torch.ones(b, s))
        return {'ok': True, 'params': sum(t.numel() for t in p.values())}
    if c == 'load':
        with open(os.path.join(cmd['dir'], 'config.json')) as fh:
            m = json.load(fh)['proj']['config']
        if m['family'] != 'gpt2' or m['dFF'] != 4 * m['dModel'] or not m['tieEmbeddings']:
            raise ValueError('the torch peer implements the gpt2 family with dFF = 4 d and tied embeddings only')
        cfg = Config(m['vocabSize'], m['dModel'], m['nLayers'], m['nHeads'], m['maxPositions'])
        p = load_safetensors(os.path.join(cmd['dir'], 'model.safetensors'))
        state.update(cfg=cfg, p=p)
        return {'ok': True, 'params': sum(t.numel() for t in p.values())}
    cfg, p = state['cfg'], state['p']
    times = []
    if c == 'generate':
        prompt = torch.tensor(cmd['ids'], dtype=torch.int64)
        new = cmd['new']
        with torch.no_grad():
            for _ in range(cmd.get('reps', 1)):
                t = time.perf_counter()
                logits, past = decode_step(cfg, p, prompt, None, 0)
                out = []
                for i in range(new):
                    nxt = logits[:, -1].argmax(-1, keepdim=True)
                    out.append(nxt)
                    if i + 1 < new:
                        logits, past = decode_step(cfg, p, nxt, past, prompt.shape[1] + i)
                tokens = torch.cat(out, 1)
                times.append((time.perf_counter() - t) * 1e3)
        return {'ms': times, 'tokens': tokens.tolist()}
    if c == 'train':
        for _ in range(cmd['steps']):
            t = time.perf_counter()
            state['opt'].zero_grad(set_to_none=True)
            loss = masked_loss(forward(cfg, p, state['ids']), state['labels'], state['mask'])
            loss.backward()
            state['opt'].step()
            times.append((time.perf_counter() - t) * 1e3)
        return {'ms': times, 'loss': loss.item()}
    if c == 'forward':
        with torch.no_grad():
            for _ in range(cmd['steps']):
                t = time.perf_counter()
                forward(cfg, p, state['ids'])
                times.append((time.perf_counter() - t) * 1e3)
        return {'ms': times}
    if c == 'decode':
        g = torch.Generator().manual_seed(2)
        b, prompt, new = cmd['batch'], cmd['prompt'], cmd['new']
        with torch.no_grad():
            for _ in range(cmd.get('reps', 1)):
                ids = torch.randint(0, cfg.vocab, (b, prompt), generator=g)
                t = time.perf_counter()
                logits, past = decode_step(cfg, p, ids, None, 0)
                for i in range(new):
                    nxt = logits[:, -1].argmax(-1, keepdim=True)
                    logits, past = decode_step(cfg, p, nxt, past, prompt + i)
                times.append((time.perf_counter() - t) * 1e3)
        return {'ms': times}
    raise ValueError(f'unknown command {c}')


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        reply = handle(json.loads(line))
    except Exception as e:  # reply with the error so the bench can report it
        reply = {'error': f'{type(e).__name__}: {e}'}
    sys.stdout.write(json.dumps(reply) + '\n')
    sys.stdout.flush()
