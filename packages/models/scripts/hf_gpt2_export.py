#!/usr/bin/env python3
"""A tiny random-weight GPT-2 with Hugging Face's parameter names and layout, exported to ONNX exactly as
`optimum-cli export onnx --task text-generation-with-past` names things for gpt2, in the transformers.js folder
layout. Needs only Debian's python3-torch (no `transformers` / `optimum` python packages).

Writes packages/models/src/folder/fixtures/tiny-gpt2/:
  config.json             a real GPT-2 config (model_type gpt2, n_embd/n_head/n_layer/n_positions, ...)
  generation_config.json  bos/eos ids
  tokenizer.json          byte-level BPE, GPT-2 style (ByteLevel pre-tokenizer with GPT-2's regex, merges
                          learned here from a small corpus, <|endoftext|> special token)
  tokenizer_config.json   GPT2Tokenizer settings
  onnx/model.onnx         opset 17; inputs input_ids, past_key_values.N.key/value [batch, heads, past, head_dim],
                          attention_mask, position_ids; outputs logits, present.N.key/value; Optimum's dim names
and packages/models/src/folder/fixtures/tiny-gpt2-reference.json: torch logits for a left-padded prefill, a cached
step, the step with an empty (length-0) past, and torch's greedy continuation.
Run: /usr/bin/python3 packages/models/scripts/hf_gpt2_export.py
"""
import json
import math
import os
import re
import shutil
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe_reference import bytes_to_unicode, learn_merges  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'src', 'folder', 'fixtures')
OUT = os.path.join(FIXTURES, 'tiny-gpt2')

N_EMBD, N_HEAD, N_LAYER, N_POSITIONS, N_MERGES = 32, 4, 2, 64, 40
EPS = 1e-5
EOT = '<|endoftext|>'


# ---------------------------------------------------------------- tokenizer (GPT-2 byte-level BPE)

B2U = bytes_to_unicode()
# GPT-2's pre-tokenizer regex restricted to ASCII letters/digits (python's `re` has no \p{L}); every text used
# here is ASCII, where the two agree.
PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
CORPUS = ("the cat sat on the mat. the dog sat on the log. then the cat and the dog ate the hat. "
          "hello world, hello there. once upon a time there was a little model that said hello to the world.")


def words(text):
    return [''.join(B2U[b] for b in w.encode('utf-8')) for w in PAT.findall(text)]


MERGES = learn_merges(words(CORPUS), N_MERGES)
VOCAB = {B2U[b]: i for i, b in enumerate(B2U)}
for a, b in MERGES:
    VOCAB[a + b] = len(VOCAB)
EOT_ID = len(VOCAB)
VOCAB_SIZE = EOT_ID + 1
RANKS = {m: i for i, m in enumerate(MERGES)}


def encode(text):
    """Reference BPE encoder (lowest-rank pair first), independent of @huggingface/tokenizers."""
    ids = []
    for w in words(text):
        parts = list(w)
        while len(parts) > 1:
            pairs = [(RANKS.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        ids.extend(VOCAB[p] for p in parts)
    return ids


def encode_with_specials(text):
    """encode() of the text between <|endoftext|> markers, which become the special id (as tokenizers do)."""
    out = []
    for i, piece in enumerate(text.split(EOT)):
        if i:
            out.append(EOT_ID)
        out.extend(encode(piece))
    return out


# A small chat template (GPT-2 has none; models that do keep it in tokenizer_config.json): no text outside tags, so
# its rendering is easy to derive by hand.
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] not in ['system', 'user', 'assistant'] %}{{ raise_exception('unknown role: ' + m['role']) }}{% endif %}"
    "{% if loop.first %}{{ bos_token }}{% endif %}"
    "{{ m['role'] + ': ' + m['content'] }}"
    "{% if m['role'] == 'assistant' %}{{ eos_token }}{% endif %}"
    "{{ '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}"
)
CHAT_MESSAGES = [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'hello world'},
                 {'role': 'assistant', 'content': 'hello'}, {'role': 'user', 'content': 'the cat?'}]
# Derived by hand from the template above.
CHAT_TEXT = f"{EOT}system: Be brief.\nuser: hello world\nassistant: hello{EOT}\nuser: the cat?\nassistant:"


def tokenizer_json():
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [{'id': EOT_ID, 'content': EOT, 'single_word': False, 'lstrip': False, 'rstrip': False,
                          'normalized': True, 'special': True}],
        'normalizer': None,
        'pre_tokenizer': byte_level,
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
        'decoder': byte_level,
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': {**VOCAB, EOT: EOT_ID}, 'merges': [[a, b] for a, b in MERGES]},
    }


# ---------------------------------------------------------------- model (HF GPT2LMHeadModel, eager attention)

def init_params(seed):
    """HF names and layouts; larger-than-HF init so the random model's logits are far apart (clear argmaxes)."""
    g = torch.Generator().manual_seed(seed)
    n = lambda *shape, std: torch.randn(*shape, generator=g) * std  # noqa: E731
    p = {'transformer.wte.weight': n(VOCAB_SIZE, N_EMBD, std=0.5), 'transformer.wpe.weight': n(N_POSITIONS, N_EMBD, std=0.3)}
    for l in range(N_LAYER):
        h = f'transformer.h.{l}'
        for ln in ('ln_1', 'ln_2'):
            p[f'{h}.{ln}.weight'] = 1 + n(N_EMBD, std=0.1)
            p[f'{h}.{ln}.bias'] = n(N_EMBD, std=0.1)
        p[f'{h}.attn.c_attn.weight'] = n(N_EMBD, 3 * N_EMBD, std=0.3)  # Conv1D: [in, out]
        p[f'{h}.attn.c_attn.bias'] = n(3 * N_EMBD, std=0.1)
        p[f'{h}.attn.c_proj.weight'] = n(N_EMBD, N_EMBD, std=0.2)
        p[f'{h}.attn.c_proj.bias'] = n(N_EMBD, std=0.1)
        p[f'{h}.mlp.c_fc.weight'] = n(N_EMBD, 4 * N_EMBD, std=0.2)
        p[f'{h}.mlp.c_fc.bias'] = n(4 * N_EMBD, std=0.1)
        p[f'{h}.mlp.c_proj.weight'] = n(4 * N_EMBD, N_EMBD, std=0.1)
        p[f'{h}.mlp.c_proj.bias'] = n(N_EMBD, std=0.1)
    p['transformer.ln_f.weight'] = 1 + n(N_EMBD, std=0.1)
    p['transformer.ln_f.bias'] = n(N_EMBD, std=0.1)
    return p


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class TinyGPT2(torch.nn.Module):
    """GPT2LMHeadModel's forward (eager attention, Conv1D = x @ W + b, tied lm_head) with flat past/present."""

    def __init__(self, params):
        super().__init__()
        self.p = torch.nn.ParameterDict({k.replace('.', '__'): torch.nn.Parameter(v) for k, v in params.items()})
        self.register_buffer('bias', torch.tril(torch.ones(N_POSITIONS, N_POSITIONS, dtype=torch.bool)).view(
            1, 1, N_POSITIONS, N_POSITIONS), persistent=False)

    def w(self, name):
        return self.p[name.replace('.', '__')]

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, s = input_ids.shape
        hd = N_EMBD // N_HEAD
        x = self.w('transformer.wte.weight')[input_ids] + self.w('transformer.wpe.weight')[position_ids]
        # HF: (1 - mask) * finfo.min, broadcast over heads and query positions
        ext = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        presents = []
        for l in range(N_LAYER):
            h = f'transformer.h.{l}'
            res = x
            a = F.layer_norm(x, (N_EMBD,), self.w(f'{h}.ln_1.weight'), self.w(f'{h}.ln_1.bias'), EPS)
            qkv = torch.addmm(self.w(f'{h}.attn.c_attn.bias'), a.view(-1, N_EMBD), self.w(f'{h}.attn.c_attn.weight'))
            q, k, v = qkv.view(b, s, 3 * N_EMBD).split(N_EMBD, dim=2)
            q, k, v = (t.view(b, s, N_HEAD, hd).permute(0, 2, 1, 3) for t in (q, k, v))
            k = torch.cat((past[2 * l], k), dim=-2)
            v = torch.cat((past[2 * l + 1], v), dim=-2)
            presents += [k, v]
            att = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], v.size(-1) ** 0.5, dtype=x.dtype)
            ql, kl = q.size(-2), k.size(-2)
            causal = self.bias[:, :, kl - ql:kl, :kl]
            att = torch.where(causal, att, torch.tensor(torch.finfo(att.dtype).min, dtype=att.dtype))
            att = (att + ext).softmax(dim=-1)
            z = torch.matmul(att, v).permute(0, 2, 1, 3).contiguous().view(b, s, N_EMBD)
            z = torch.addmm(self.w(f'{h}.attn.c_proj.bias'), z.view(-1, N_EMBD), self.w(f'{h}.attn.c_proj.weight'))
            x = res + z.view(b, s, N_EMBD)
            m = F.layer_norm(x, (N_EMBD,), self.w(f'{h}.ln_2.weight'), self.w(f'{h}.ln_2.bias'), EPS)
            m = gelu_new(torch.addmm(self.w(f'{h}.mlp.c_fc.bias'), m.view(-1, N_EMBD), self.w(f'{h}.mlp.c_fc.weight')))
            m = torch.addmm(self.w(f'{h}.mlp.c_proj.bias'), m, self.w(f'{h}.mlp.c_proj.weight'))
            x = x + m.view(b, s, N_EMBD)
        x = F.layer_norm(x, (N_EMBD,), self.w('transformer.ln_f.weight'), self.w('transformer.ln_f.bias'), EPS)
        logits = torch.matmul(x, self.w('transformer.wte.weight').T)  # tied lm_head
        return (logits, *presents)


def empty_past(b, past_len=0):
    return [torch.zeros(b, N_HEAD, past_len, N_EMBD // N_HEAD) for _ in range(2 * N_LAYER)]


def export(model, path):
    names_past = [f'past_key_values.{l}.{kv}' for l in range(N_LAYER) for kv in ('key', 'value')]
    names_present = [f'present.{l}.{kv}' for l in range(N_LAYER) for kv in ('key', 'value')]
    # Optimum orders inputs by GPT2LMHeadModel.forward's signature: input_ids, past_key_values, attention_mask,
    # position_ids; the wrapper maps them back to our forward.
    class Ordered(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, *rest):
            past, attention_mask, position_ids = rest[:-2], rest[-2], rest[-1]
            return self.m(input_ids, attention_mask, position_ids, *past)

    b, s, past_len = 2, 3, 4  # traced with a non-empty past and seq > 1 so no length is baked in
    g = torch.Generator().manual_seed(9)
    dummy_past = [torch.randn(b, N_HEAD, past_len, N_EMBD // N_HEAD, generator=g) for _ in range(2 * N_LAYER)]
    args = (torch.randint(0, VOCAB_SIZE, (b, s), generator=g), *dummy_past,
            torch.ones(b, past_len + s, dtype=torch.int64), torch.arange(past_len, past_len + s).expand(b, s).clone())
    axes = {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
            'attention_mask': {0: 'batch_size', 1: 'past_sequence_length + 1'},
            'position_ids': {0: 'batch_size', 1: 'sequence_length'},
            'logits': {0: 'batch_size', 1: 'sequence_length'}}
    for n in names_past:
        axes[n] = {0: 'batch_size', 2: 'past_sequence_length'}
    for n in names_present:
        axes[n] = {0: 'batch_size', 2: 'past_sequence_length + 1'}
    torch.onnx.export(Ordered(model), args, path, opset_version=17, do_constant_folding=True,
                      input_names=['input_ids', *names_past, 'attention_mask', 'position_ids'],
                      output_names=['logits', *names_present], dynamic_axes=axes)


def r(t, digits=6):
    """Nested lists rounded (JSON size); the tests compare at 1e-4."""
    if isinstance(t, torch.Tensor):
        t = t.tolist()
    if isinstance(t, list):
        return [r(x, digits) for x in t]
    return round(t, digits)


def main():
    torch.manual_seed(0)
    params = init_params(seed=1234)
    model = TinyGPT2(params).eval()
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, 'onnx'))
    with torch.no_grad():
        export(model, os.path.join(OUT, 'onnx', 'model.onnx'))

    config = {
        'activation_function': 'gelu_new', 'architectures': ['GPT2LMHeadModel'], 'attn_pdrop': 0.1,
        'bos_token_id': EOT_ID, 'embd_pdrop': 0.1, 'eos_token_id': EOT_ID, 'initializer_range': 0.02,
        'layer_norm_epsilon': EPS, 'model_type': 'gpt2', 'n_ctx': N_POSITIONS, 'n_embd': N_EMBD, 'n_head': N_HEAD,
        'n_inner': None, 'n_layer': N_LAYER, 'n_positions': N_POSITIONS, 'reorder_and_upcast_attn': False,
        'resid_pdrop': 0.1, 'scale_attn_by_inverse_layer_idx': False, 'scale_attn_weights': True,
        'summary_activation': None, 'summary_first_dropout': 0.1, 'summary_proj_to_labels': True,
        'summary_type': 'cls_index', 'summary_use_proj': True, 'torch_dtype': 'float32', 'transformers_version': '4.46.0',
        'use_cache': True, 'vocab_size': VOCAB_SIZE,
    }
    tok_config = {
        'add_bos_token': False, 'add_prefix_space': False,
        'added_tokens_decoder': {str(EOT_ID): {'content': EOT, 'lstrip': False, 'normalized': True, 'rstrip': False,
                                               'single_word': False, 'special': True}},
        'bos_token': EOT, 'chat_template': CHAT_TEMPLATE, 'clean_up_tokenization_spaces': False, 'eos_token': EOT, 'errors': 'replace',
        'model_max_length': N_POSITIONS, 'pad_token': None, 'tokenizer_class': 'GPT2Tokenizer', 'unk_token': EOT,
    }
    for name, obj in (('config.json', config), ('tokenizer_config.json', tok_config), ('tokenizer.json', tokenizer_json()),
                      ('generation_config.json', {'bos_token_id': EOT_ID, 'eos_token_id': EOT_ID,
                                                  'transformers_version': '4.46.0'})):
        with open(os.path.join(OUT, name), 'w') as fh:
            json.dump(obj, fh, indent=2 if name != 'tokenizer.json' else None, ensure_ascii=False)
            fh.write('\n')

    texts = ['the cat sat on the mat', 'hello world']
    ids = [encode(t) for t in texts]
    width = max(len(x) for x in ids)
    # Left padding with the eos id (GPT-2 has no pad token); positions count real tokens (pads get 0).
    in_ids = torch.tensor([[EOT_ID] * (width - len(x)) + x for x in ids])
    mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in ids])
    pos = torch.tensor([[0] * (width - len(x)) + list(range(len(x))) for x in ids])
    with torch.no_grad():
        out = model(in_ids, mask, pos, *empty_past(2))
        logits, past = out[0], list(out[1:])
        # One cached step: feed each row's argmax.
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        step_mask = torch.cat([mask, torch.ones(2, 1, dtype=torch.int64)], 1)
        step_pos = torch.tensor([[len(x)] for x in ids])
        step = model(nxt, step_mask, step_pos, *past)
        # Full recompute of the same two-step sequence (what the cached step must equal).
        full = model(torch.cat([in_ids, nxt], 1), step_mask, torch.cat([pos, step_pos], 1), *empty_past(2))[0]
        assert torch.allclose(full[:, -1], step[0][:, -1], atol=1e-5), 'cache step != recompute'
        # Torch's greedy continuation (batched, left-padded, KV cache), 12 new tokens, no early stop.
        greedy = [[] for _ in ids]
        cur_ids, cur_mask, cur_pos, cur_past = in_ids, mask, pos, empty_past(2)
        for _ in range(12):
            o = model(cur_ids, cur_mask, cur_pos, *cur_past)
            tok = o[0][:, -1].argmax(-1)
            for i, t in enumerate(tok.tolist()):
                greedy[i].append(t)
            cur_past = list(o[1:])
            cur_ids = tok[:, None]
            cur_pos = cur_pos[:, -1:] + 1
            cur_mask = torch.cat([cur_mask, torch.ones(2, 1, dtype=torch.int64)], 1)
    ref = {
        'generator': 'packages/models/scripts/hf_gpt2_export.py', 'torch': torch.__version__,
        'vocabSize': VOCAB_SIZE, 'eosTokenId': EOT_ID, 'texts': texts, 'ids': ids,
        'prefill': {'inputIds': in_ids.tolist(), 'attentionMask': mask.tolist(), 'positionIds': pos.tolist(),
                    # logits at the real (unpadded) positions of each row
                    'logits': [r(logits[i, width - len(x):]) for i, x in enumerate(ids)]},
        'step': {'inputIds': nxt.tolist(), 'attentionMask': step_mask.tolist(), 'positionIds': step_pos.tolist(),
                 'logits': r(step[0][:, -1])},
        'greedy': greedy,
        'chat': {'messages': CHAT_MESSAGES, 'text': CHAT_TEXT, 'ids': encode_with_specials(CHAT_TEXT)},
        'tokenizerCases': [{'text': t, 'ids': encode(t)} for t in
                           ['the cat sat on the mat.', 'hello there, world!', "it's 2024 -- then what?", '  two  spaces']],
    }
    with open(os.path.join(FIXTURES, 'tiny-gpt2-reference.json'), 'w') as fh:
        json.dump(ref, fh, separators=(',', ':'))
        fh.write('\n')
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f'vocab {VOCAB_SIZE}, merges {len(MERGES)}, folder {total / 1024:.0f} KB, greedy {greedy}')


if __name__ == '__main__':
    main()
