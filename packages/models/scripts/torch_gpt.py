"""The project's GPT-2-style decoder written in PyTorch with the SAME parameter names and layouts as
@proj/models (weights stored [in, out], fused qkv, pre-norm, tied embeddings, exact GELU, -1e9 masking),
plus a minimal safetensors reader/writer (the `safetensors` python package is not installed here).

Used by gpt_reference.py (fixtures) and ../bench/torch_server.py (benchmarks).
"""
import json
import math
import struct

import torch
import torch.nn.functional as F

ST = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64', torch.int32: 'I32'}
ST_INV = {v: k for k, v in ST.items()}


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {'dtype': ST[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header['__metadata__'] = metadata
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<Q', len(h)))
        fh.write(h)
        for b in blobs:
            fh.write(b)


def load_safetensors(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        t = torch.frombuffer(bytearray(data[base + a:base + b]), dtype=ST_INV[info['dtype']])
        out[name] = t.reshape(info['shape']).clone()
    return out


class Config:
    def __init__(self, vocab, d, layers, heads, max_pos, dff=None):
        self.vocab, self.d, self.layers, self.heads, self.max_pos = vocab, d, layers, heads, max_pos
        self.dff = dff or 4 * d


def init_params(cfg, seed):
    """Same init distributions as @proj/models (normal 0.02; wpe 0.01; out-proj 0.02/sqrt(2L); zeros/ones)."""
    g = torch.Generator().manual_seed(seed)
    p = {}

    def normal(name, shape, std):
        p[name] = torch.randn(*shape, generator=g) * std

    normal('wte.weight', (cfg.vocab, cfg.d), 0.02)
    normal('wpe.weight', (cfg.max_pos, cfg.d), 0.01)
    for l in range(cfg.layers):
        pre = f'h.{l}'
        for n in ('norm_1', 'norm_2'):
            p[f'{pre}.{n}.weight'] = torch.ones(cfg.d)
            p[f'{pre}.{n}.bias'] = torch.zeros(cfg.d)
        normal(f'{pre}.attn.qkv.weight', (cfg.d, 3 * cfg.d), 0.02)
        p[f'{pre}.attn.qkv.bias'] = torch.zeros(3 * cfg.d)
        normal(f'{pre}.attn.out.weight', (cfg.d, cfg.d), 0.02 / math.sqrt(2 * cfg.layers))
        p[f'{pre}.attn.out.bias'] = torch.zeros(cfg.d)
        normal(f'{pre}.mlp.fc.weight', (cfg.d, cfg.dff), 0.02)
        p[f'{pre}.mlp.fc.bias'] = torch.zeros(cfg.dff)
        normal(f'{pre}.mlp.proj.weight', (cfg.dff, cfg.d), 0.02)
        p[f'{pre}.mlp.proj.bias'] = torch.zeros(cfg.d)
    p['norm_f.weight'] = torch.ones(cfg.d)
    p['norm_f.bias'] = torch.zeros(cfg.d)
    return p


def forward(cfg, p, ids):
    """ids [B, S] -> logits [B, S, V]."""
    b, s = ids.shape
    hd = cfg.d // cfg.heads
    x = p['wte.weight'][ids] + p['wpe.weight'][:s]
    causal = torch.ones(s, s, dtype=torch.bool).tril()
    bias = torch.where(causal, 0.0, -1e9)
    for l in range(cfg.layers):
        pre = f'h.{l}'
        h = F.layer_norm(x, (cfg.d,), p[f'{pre}.norm_1.weight'], p[f'{pre}.norm_1.bias'], 1e-5)
        qkv = h @ p[f'{pre}.attn.qkv.weight'] + p[f'{pre}.attn.qkv.bias']
        q, k, v = qkv.split(cfg.d, dim=-1)
        q = q.view(b, s, cfg.heads, hd).transpose(1, 2)
        k = k.view(b, s, cfg.heads, hd).transpose(1, 2)
        v = v.view(b, s, cfg.heads, hd).transpose(1, 2)
        att = ((q * (1 / math.sqrt(hd))) @ k.transpose(-1, -2) + bias).softmax(-1)
        z = (att @ v).transpose(1, 2).reshape(b, s, cfg.d)
        x = x + z @ p[f'{pre}.attn.out.weight'] + p[f'{pre}.attn.out.bias']
        h = F.layer_norm(x, (cfg.d,), p[f'{pre}.norm_2.weight'], p[f'{pre}.norm_2.bias'], 1e-5)
        h = F.gelu(h @ p[f'{pre}.mlp.fc.weight'] + p[f'{pre}.mlp.fc.bias'])
        x = x + h @ p[f'{pre}.mlp.proj.weight'] + p[f'{pre}.mlp.proj.bias']
    x = F.layer_norm(x, (cfg.d,), p['norm_f.weight'], p['norm_f.bias'], 1e-5)
    return x @ p['wte.weight'].T


def masked_loss(logits, labels, mask):
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction='none')
    m = mask.reshape(-1)
    return (nll * m).sum() / m.sum().clamp(min=1)


def make_optimizer(p, lr, weight_decay=0.01):
    """AdamW with decay on rank >= 2 parameters only (the @proj default)."""
    decay = [t for t in p.values() if t.dim() >= 2]
    no_decay = [t for t in p.values() if t.dim() < 2]
    return torch.optim.AdamW([{'params': decay, 'weight_decay': weight_decay}, {'params': no_decay, 'weight_decay': 0.0}],
                             lr=lr, betas=(0.9, 0.999), eps=1e-8)
