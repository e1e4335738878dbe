#!/usr/bin/env python3
"""Tiny random-weight Qwen2 and Llama decoders with Hugging Face's parameter names and semantics
(Qwen2ForCausalLM / LlamaForCausalLM: RMSNorm, rotary embeddings with rotate_half, grouped-query attention, SiLU
gated MLP, untied lm_head; Qwen2 with q/k/v biases), exported to ONNX the way
`optimum-cli export onnx --task text-generation-with-past` names things for llama / qwen2, in the transformers.js
folder layout. Needs only Debian's python3-torch (no `transformers` / `optimum` python packages).

Writes, for FAMILY in qwen2, llama, packages/models/src/folder/fixtures/tiny-FAMILY/:
  config.json             the family's config as transformers writes it (model_type, hidden_size, ...)
  generation_config.json  bos/eos ids (eos a list, as the instruct models ship it)
  tokenizer.json          byte-level BPE with the family's Split regex pre-tokenizer (merges learned here);
                          qwen2: NFC normalizer, ChatML special tokens; llama: Llama-3 special tokens, a
                          TemplateProcessing post-processor that prepends <|begin_of_text|>, ignore_merges
  tokenizer_config.json   the family's tokenizer settings and its real chat template
  onnx/model.onnx         opset 17; inputs input_ids, attention_mask, position_ids, past_key_values.N.key/value
                          [batch, kv_heads, past, head_dim]; outputs logits, present.N.key/value; Optimum's dim names
  onnx/decoder_model.onnx (llama only) the same model without past inputs, as optimum-cli writes it with
                          --no-post-process (outputs still include present.N.*)
and fixtures/tiny-FAMILY-reference.json: torch logits for a left-padded prefill (empty past), a cached step, torch's
greedy continuation, the chat template's rendering and reference tokenizations.
Run: /usr/bin/python3 packages/models/scripts/hf_llama_export.py
"""
import json
import os
import re
import shutil
import sys
import unicodedata

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe_reference import bytes_to_unicode, learn_merges  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'src', 'folder', 'fixtures')

CORPUS = ("the cat sat on the mat. the dog sat on the log. then the cat and the dog ate the hat. "
          "hello world, hello there. once upon a time there was a little model that said hello to the world. "
          "user: hello assistant: hi there! what is 12 + 345? it is 357. in 2024, 2024 and 2025: 2024 12 123 123 12345.")

# The real pre-tokenizer regexes (Oniguruma syntax, as in the models' tokenizer.json files).
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
               r"|\s+(?!\S)|\s+")
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def python_regex(onig):
    """Python `re` has no \\p{..}: letters are [^\\W\\d_], numbers \\d, and 'not CR/LF/letter/number' is a
    lookahead over [\\W_]. Exact for the texts used here (ASCII digits, Latin letters)."""
    s = onig.replace(r'[^\r\n\p{L}\p{N}]', r'(?:(?![\r\n])[\W_])')
    s = s.replace(r'[^\s\p{L}\p{N}]', r'(?:(?!\s)[\W_])')
    s = s.replace(r'\p{L}', r'[^\W\d_]').replace(r'\p{N}', r'\d')
    assert '\\p' not in s, s
    return re.compile(s)


# Both chat templates below are the models' own (Qwen2-Instruct; Meta-Llama-3-Instruct), verbatim.
QWEN2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
LLAMA3_CHAT_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim"
    " + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
CHAT_MESSAGES = [{'role': 'user', 'content': 'hello world'}, {'role': 'assistant', 'content': ' hello '},
                 {'role': 'user', 'content': 'the cat?'}]
# Renderings derived by hand from the templates above (with add_generation_prompt); llama trims contents.
QWEN2_CHAT_TEXT = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhello world<|im_end|>\n"
                   "<|im_start|>assistant\n hello <|im_end|>\n<|im_start|>user\nthe cat?<|im_end|>\n"
                   "<|im_start|>assistant\n")
LLAMA3_CHAT_TEXT = ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhello world<|eot_id|>"
                    "<|start_header_id|>assistant<|end_header_id|>\n\nhello<|eot_id|>"
                    "<|start_header_id|>user<|end_header_id|>\n\nthe cat?<|eot_id|>"
                    "<|start_header_id|>assistant<|end_header_id|>\n\n")

FAMILIES = {
    # Qwen2: biases on q/k/v, GQA 4 heads / 2 kv heads, rope_theta 1e6, eps 1e-6.
    'qwen2': dict(hidden=32, heads=4, kv_heads=2, inter=64, layers=2, positions=128, theta=1000000.0, eps=1e-6,
                  bias=True, merges=50, seed=1234, regex=QWEN2_REGEX, nfc=True, ignore_merges=False,
                  specials=['<|endoftext|>', '<|im_start|>', '<|im_end|>'], bos=None, eos='<|im_end|>',
                  pad='<|endoftext|>', gen_eos=['<|im_end|>', '<|endoftext|>'], config_bos='<|endoftext|>',
                  chat_template=QWEN2_CHAT_TEMPLATE, chat_text=QWEN2_CHAT_TEXT, no_past=False),
    # Llama (3-style tokenizer): no biases, multi-query (1 kv head), rope_theta 5e5, eps 1e-5, BOS prepended by
    # the tokenizer's post-processor, a no-past export beside the merged one.
    'llama': dict(hidden=32, heads=4, kv_heads=1, inter=64, layers=2, positions=128, theta=500000.0, eps=1e-5,
                  bias=False, merges=50, seed=4321, regex=LLAMA3_REGEX, nfc=False, ignore_merges=True,
                  specials=['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>',
                            '<|eot_id|>'], bos='<|begin_of_text|>', eos='<|eot_id|>', pad=None,
                  gen_eos=['<|end_of_text|>', '<|eot_id|>'], config_bos='<|begin_of_text|>',
                  chat_template=LLAMA3_CHAT_TEMPLATE, chat_text=LLAMA3_CHAT_TEXT, no_past=True),
}


# ---------------------------------------------------------------- tokenizer (byte-level BPE)

B2U = bytes_to_unicode()


class BpeTokenizer:
    """Reference byte-level BPE (lowest-rank pair first), independent of @huggingface/tokenizers."""

    def __init__(self, fam):
        self.fam = fam
        self.pat = python_regex(fam['regex'])
        self.merges = learn_merges(self.words(CORPUS), fam['merges'])
        self.vocab = {B2U[b]: i for i, b in enumerate(B2U)}
        for a, b in self.merges:
            self.vocab[a + b] = len(self.vocab)
        self.special_ids = {}
        for s in fam['specials']:
            self.special_ids[s] = len(self.vocab) + len(self.special_ids)
        self.size = len(self.vocab) + len(self.special_ids)
        self.ranks = {m: i for i, m in enumerate(self.merges)}

    def words(self, text):
        if self.fam['nfc']:
            text = unicodedata.normalize('NFC', text)
        return [''.join(B2U[b] for b in w.encode('utf-8')) for w in self.pat.findall(text)]

    def encode_plain(self, text):
        ids = []
        for w in self.words(text):
            if self.fam['ignore_merges'] and w in self.vocab:  # tokenizers' ignore_merges: whole words first
                ids.append(self.vocab[w])
                continue
            parts = list(w)
            while len(parts) > 1:
                pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
                rank, i = min(pairs)
                if rank == 1 << 30:
                    break
                parts[i:i + 2] = [parts[i] + parts[i + 1]]
            ids.extend(self.vocab[p] for p in parts)
        return ids

    def encode(self, text, add_special_tokens=True):
        """Special token strings become their ids (as tokenizers' added tokens do); BOS first when the family's
        post-processor adds it."""
        out = []
        pieces = re.split('(' + '|'.join(re.escape(s) for s in self.special_ids) + ')', text)
        for piece in pieces:
            if piece in self.special_ids:
                out.append(self.special_ids[piece])
            elif piece:
                out.extend(self.encode_plain(piece))
        if add_special_tokens and self.fam['bos']:
            out.insert(0, self.special_ids[self.fam['bos']])
        return out

    def token_id(self, s):
        return None if s is None else self.special_ids[s]

    def tokenizer_json(self):
        byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False}
        split = {'type': 'Split', 'pattern': {'Regex': self.fam['regex']}, 'behavior': 'Isolated', 'invert': False}
        if self.fam['bos']:  # Llama 3: ByteLevel + TemplateProcessing adding <|begin_of_text|>
            bos = self.fam['bos']
            post = {'type': 'Sequence', 'processors': [
                {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
                {'type': 'TemplateProcessing',
                 'single': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
                 'pair': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                          {'SpecialToken': {'id': bos, 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
                 'special_tokens': {bos: {'id': bos, 'ids': [self.special_ids[bos]], 'tokens': [bos]}}}]}
            decoder = {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True}
            pre = {'type': 'Sequence', 'pretokenizers': [
                split, {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False}]}
            affixes = {'continuing_subword_prefix': None, 'end_of_word_suffix': None}
        else:  # Qwen2
            post = byte_level
            decoder = byte_level
            pre = {'type': 'Sequence', 'pretokenizers': [split, byte_level]}
            affixes = {'continuing_subword_prefix': '', 'end_of_word_suffix': ''}
        return {
            'version': '1.0',
            'truncation': None,
            'padding': None,
            'added_tokens': [{'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
                              'normalized': False, 'special': True} for s, i in self.special_ids.items()],
            'normalizer': {'type': 'NFC'} if self.fam['nfc'] else None,
            'pre_tokenizer': pre,
            'post_processor': post,
            'decoder': decoder,
            'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, **affixes, 'fuse_unk': False,
                      'byte_fallback': False, 'ignore_merges': self.fam['ignore_merges'], 'vocab': self.vocab,
                      'merges': [[a, b] for a, b in self.merges]},
        }

    def tokenizer_config(self):
        fam = self.fam
        added = {str(i): {'content': s, 'lstrip': False, 'normalized': False, 'rstrip': False,
                          'single_word': False, 'special': True} for s, i in self.special_ids.items()}
        if fam['bos']:
            return {'added_tokens_decoder': added, 'bos_token': fam['bos'], 'chat_template': fam['chat_template'],
                    'clean_up_tokenization_spaces': True, 'eos_token': fam['eos'],
                    'model_input_names': ['input_ids', 'attention_mask'], 'model_max_length': fam['positions'],
                    'tokenizer_class': 'PreTrainedTokenizerFast'}
        return {'add_prefix_space': False, 'added_tokens_decoder': added,
                'additional_special_tokens': ['<|im_start|>', '<|im_end|>'], 'bos_token': None,
                'chat_template': fam['chat_template'], 'clean_up_tokenization_spaces': False, 'eos_token': fam['eos'],
                'errors': 'replace', 'model_max_length': fam['positions'], 'pad_token': fam['pad'],
                'split_special_tokens': False, 'tokenizer_class': 'Qwen2Tokenizer', 'unk_token': None}


# ---------------------------------------------------------------- model (HF Llama / Qwen2, eager attention)

def init_params(fam, vocab):
    """HF names and [out, in] Linear layouts; larger-than-HF init so the random model's logits are far apart."""
    g = torch.Generator().manual_seed(fam['seed'])
    n = lambda *shape, std: torch.randn(*shape, generator=g) * std  # noqa: E731
    d, hd = fam['hidden'], fam['hidden'] // fam['heads']
    p = {'model.embed_tokens.weight': n(vocab, d, std=1.0)}
    for l in range(fam['layers']):
        h = f'model.layers.{l}'
        p[f'{h}.input_layernorm.weight'] = 1 + n(d, std=0.1)
        p[f'{h}.self_attn.q_proj.weight'] = n(fam['heads'] * hd, d, std=0.3)
        p[f'{h}.self_attn.k_proj.weight'] = n(fam['kv_heads'] * hd, d, std=0.3)
        p[f'{h}.self_attn.v_proj.weight'] = n(fam['kv_heads'] * hd, d, std=0.3)
        if fam['bias']:
            p[f'{h}.self_attn.q_proj.bias'] = n(fam['heads'] * hd, std=0.2)
            p[f'{h}.self_attn.k_proj.bias'] = n(fam['kv_heads'] * hd, std=0.2)
            p[f'{h}.self_attn.v_proj.bias'] = n(fam['kv_heads'] * hd, std=0.2)
        p[f'{h}.self_attn.o_proj.weight'] = n(d, fam['heads'] * hd, std=0.2)
        p[f'{h}.post_attention_layernorm.weight'] = 1 + n(d, std=0.1)
        p[f'{h}.mlp.gate_proj.weight'] = n(fam['inter'], d, std=0.3)
        p[f'{h}.mlp.up_proj.weight'] = n(fam['inter'], d, std=0.3)
        p[f'{h}.mlp.down_proj.weight'] = n(d, fam['inter'], std=0.15)
    p['model.norm.weight'] = 1 + n(d, std=0.1)
    p['lm_head.weight'] = n(vocab, d, std=0.3)  # untied (tie_word_embeddings false)
    return p


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class TinyLlama(torch.nn.Module):
    """LlamaForCausalLM / Qwen2ForCausalLM forward (eager attention, transformers 4.4x) with flat past/present.
    `past` empty (no tensors) runs without a cache, as the no-past export does."""

    def __init__(self, fam, params):
        super().__init__()
        self.fam = fam
        self.hd = fam['hidden'] // fam['heads']
        self.p = torch.nn.ParameterDict({k.replace('.', '__'): torch.nn.Parameter(v) for k, v in params.items()})
        # LlamaRotaryEmbedding's default inv_freq
        inv = 1.0 / (fam['theta'] ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))
        self.register_buffer('inv_freq', inv, persistent=False)

    def w(self, name):
        return self.p[name.replace('.', '__')]

    def linear(self, x, name):
        bias = name + '.bias'
        return F.linear(x, self.w(name + '.weight'), self.w(bias) if bias.replace('.', '__') in self.p else None)

    def rms(self, x, name):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.w(name) * (x * torch.rsqrt(var + self.fam['eps']))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        fam, hd = self.fam, self.hd
        H, KV = fam['heads'], fam['kv_heads']
        b, s = input_ids.shape
        x = self.w('model.embed_tokens.weight')[input_ids]
        past_len = past[0].shape[2] if past else 0
        kl = past_len + s
        # transformers' 4D causal mask: key j is visible to query i iff j <= past + i and attention_mask[j] == 1;
        # visible -> 0, hidden -> finfo.min, added to the scores.
        cache_position = torch.arange(s) + past_len  # as transformers' cache_position
        causal = torch.arange(kl)[None, :] <= cache_position[:, None]
        allowed = causal[None, None] & attention_mask[:, None, None, :].bool()
        mask = (~allowed).to(x.dtype) * torch.finfo(x.dtype).min
        freqs = (self.inv_freq[None, :, None] @ position_ids[:, None, :].float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # [b, 1, s, hd]
        presents = []
        for l in range(fam['layers']):
            h = f'model.layers.{l}'
            res = x
            a = self.rms(x, f'{h}.input_layernorm.weight')
            q = self.linear(a, f'{h}.self_attn.q_proj').view(b, s, H, hd).transpose(1, 2)
            k = self.linear(a, f'{h}.self_attn.k_proj').view(b, s, KV, hd).transpose(1, 2)
            v = self.linear(a, f'{h}.self_attn.v_proj').view(b, s, KV, hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if past:
                k = torch.cat((past[2 * l], k), dim=2)
                v = torch.cat((past[2 * l + 1], v), dim=2)
            presents += [k, v]  # the cache holds rotated keys, kv heads not repeated
            # repeat_kv: query head i reads kv head i // (H / KV)
            kr = k[:, :, None].expand(b, KV, H // KV, kl, hd).reshape(b, H, kl, hd)
            vr = v[:, :, None].expand(b, KV, H // KV, kl, hd).reshape(b, H, kl, hd)
            att = torch.matmul(q, kr.transpose(2, 3)) / (hd ** 0.5) + mask
            att = F.softmax(att, dim=-1, dtype=torch.float32)
            z = torch.matmul(att, vr).transpose(1, 2).reshape(b, s, H * hd)
            x = res + self.linear(z, f'{h}.self_attn.o_proj')
            m = self.rms(x, f'{h}.post_attention_layernorm.weight')
            m = F.silu(self.linear(m, f'{h}.mlp.gate_proj')) * self.linear(m, f'{h}.mlp.up_proj')
            x = x + self.linear(m, f'{h}.mlp.down_proj')
        x = self.rms(x, 'model.norm.weight')
        logits = F.linear(x, self.w('lm_head.weight'))
        return (logits, *presents)


def empty_past(fam, b):
    hd = fam['hidden'] // fam['heads']
    return [torch.zeros(b, fam['kv_heads'], 0, hd) for _ in range(2 * fam['layers'])]


def export(model, fam, vocab, path, with_past):
    L = fam['layers']
    hd = fam['hidden'] // fam['heads']
    names_past = [f'past_key_values.{l}.{kv}' for l in range(L) for kv in ('key', 'value')]
    names_present = [f'present.{l}.{kv}' for l in range(L) for kv in ('key', 'value')]
    b, s, past_len = 2, 3, 4  # traced with a non-empty past and seq > 1 so no length is baked in
    g = torch.Generator().manual_seed(9)
    ids = torch.randint(0, vocab, (b, s), generator=g)
    if with_past:
        past = [torch.randn(b, fam['kv_heads'], past_len, hd, generator=g) for _ in range(2 * L)]
        args = (ids, torch.ones(b, past_len + s, dtype=torch.int64),
                torch.arange(past_len, past_len + s).expand(b, s).clone(), *past)
        total = 'past_sequence_length + 1'
    else:
        args = (ids, torch.ones(b, s, dtype=torch.int64), torch.arange(s).expand(b, s).clone())
        total = 'sequence_length'
    # Optimum's llama/qwen2 IO: inputs in LlamaForCausalLM.forward's order (input_ids, attention_mask,
    # position_ids, past_key_values), its dim names.
    axes = {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
            'attention_mask': {0: 'batch_size', 1: total},
            'position_ids': {0: 'batch_size', 1: 'sequence_length'},
            'logits': {0: 'batch_size', 1: 'sequence_length'}}
    if with_past:
        for n in names_past:
            axes[n] = {0: 'batch_size', 2: 'past_sequence_length'}
    for n in names_present:
        axes[n] = {0: 'batch_size', 2: total}
    torch.onnx.export(model, args, path, opset_version=17, do_constant_folding=True,
                      input_names=['input_ids', 'attention_mask', 'position_ids', *(names_past if with_past else [])],
                      output_names=['logits', *names_present], dynamic_axes=axes)


def r(t, digits=6):
    """Nested lists rounded (JSON size); the tests compare at 1e-4."""
    if isinstance(t, torch.Tensor):
        t = t.tolist()
    if isinstance(t, list):
        return [r(x, digits) for x in t]
    return round(t, digits)


def build(name, fam):
    out_dir = os.path.join(FIXTURES, f'tiny-{name}')
    tok = BpeTokenizer(fam)
    V = tok.size
    model = TinyLlama(fam, init_params(fam, V)).eval()
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(os.path.join(out_dir, 'onnx'))
    with torch.no_grad():
        export(model, fam, V, os.path.join(out_dir, 'onnx', 'model.onnx'), with_past=True)
        if fam['no_past']:
            export(model, fam, V, os.path.join(out_dir, 'onnx', 'decoder_model.onnx'), with_past=False)

    bos_id, eos_id = tok.token_id(fam['config_bos']), tok.token_id(fam['eos'])
    gen_eos = [tok.token_id(e) for e in fam['gen_eos']]
    common = {
        'attention_dropout': 0.0, 'bos_token_id': bos_id, 'eos_token_id': eos_id,
        'hidden_act': 'silu', 'hidden_size': fam['hidden'], 'initializer_range': 0.02,
        'intermediate_size': fam['inter'], 'max_position_embeddings': fam['positions'], 'model_type': name,
        'num_attention_heads': fam['heads'], 'num_hidden_layers': fam['layers'], 'num_key_value_heads': fam['kv_heads'],
        'rms_norm_eps': fam['eps'], 'rope_scaling': None, 'rope_theta': fam['theta'], 'tie_word_embeddings': False,
        'torch_dtype': 'float32', 'transformers_version': '4.46.0', 'use_cache': True, 'vocab_size': V,
    }
    if name == 'qwen2':
        config = {'architectures': ['Qwen2ForCausalLM'], **common, 'max_window_layers': fam['layers'],
                  'sliding_window': None, 'use_sliding_window': False}
    else:
        config = {'architectures': ['LlamaForCausalLM'], **common, 'attention_bias': False,
                  'head_dim': fam['hidden'] // fam['heads'], 'mlp_bias': False, 'pretraining_tp': 1}
    config = dict(sorted(config.items()))  # transformers writes keys sorted
    gen_config = {'bos_token_id': bos_id, 'eos_token_id': gen_eos, 'transformers_version': '4.46.0'}
    if fam['pad']:
        gen_config['pad_token_id'] = tok.token_id(fam['pad'])
    for fname, obj in (('config.json', config), ('tokenizer_config.json', tok.tokenizer_config()),
                       ('tokenizer.json', tok.tokenizer_json()), ('generation_config.json', gen_config)):
        with open(os.path.join(out_dir, fname), 'w') as fh:
            json.dump(obj, fh, indent=2 if fname != 'tokenizer.json' else None, ensure_ascii=False)
            fh.write('\n')

    # The LM pads with the pad token, else the tokenizer's EOS (tokenizer_config eos_token).
    pad_id = tok.token_id(fam['pad']) if fam['pad'] else eos_id
    texts = ['the cat sat on the mat', 'hello world']
    ids = [tok.encode(t) for t in texts]
    width = max(len(x) for x in ids)
    in_ids = torch.tensor([[pad_id] * (width - len(x)) + x for x in ids])
    mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in ids])
    pos = torch.tensor([[0] * (width - len(x)) + list(range(len(x))) for x in ids])  # pads: 0, masked anyway
    with torch.no_grad():
        out = model(in_ids, mask, pos, *empty_past(fam, 2))
        logits, past = out[0], list(out[1:])
        # Left padding with mask + positions changes nothing for the real tokens.
        for i, x in enumerate(ids):
            alone = model(torch.tensor([x]), torch.ones(1, len(x), dtype=torch.int64),
                          torch.arange(len(x))[None], *empty_past(fam, 1))[0]
            assert torch.allclose(alone[0], logits[i, width - len(x):], atol=1e-5), 'padding changed logits'
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        step_mask = torch.cat([mask, torch.ones(2, 1, dtype=torch.int64)], 1)
        step_pos = torch.tensor([[len(x)] for x in ids])
        step = model(nxt, step_mask, step_pos, *past)
        full = model(torch.cat([in_ids, nxt], 1), step_mask, torch.cat([pos, step_pos], 1))[0]
        assert torch.allclose(full[:, -1], step[0][:, -1], atol=1e-5), 'cache step != recompute'
        # Torch's greedy continuation (batched, left-padded, KV cache), 12 new tokens; each row's list ends
        # before its first EOS (generate() stops there and does not return it).
        n_new = 12
        greedy = [[] for _ in ids]
        done = [False for _ in ids]
        cur_ids, cur_mask, cur_pos, cur_past = in_ids, mask, pos, empty_past(fam, 2)
        for _ in range(n_new):
            o = model(cur_ids, cur_mask, cur_pos, *cur_past)
            top2 = o[0][:, -1].topk(2, dim=-1).values
            tok_ids = o[0][:, -1].argmax(-1)
            for i, t in enumerate(tok_ids.tolist()):
                if done[i]:
                    continue
                # far-apart top-2 logits: ONNX Runtime's float rounding cannot flip the argmax
                assert float(top2[i, 0] - top2[i, 1]) > 1e-3, 'near-tie in greedy; change the seed'
                if t in gen_eos:
                    done[i] = True
                else:
                    greedy[i].append(t)
            cur_past = list(o[1:])
            cur_ids = tok_ids[:, None]
            cur_pos = cur_pos[:, -1:] + 1
            cur_mask = torch.cat([cur_mask, torch.ones(2, 1, dtype=torch.int64)], 1)
    cases = ['the cat sat on the mat.', 'hello there, world!', "It's 2024 -- then WHAT'S 12345?",
             '  two  spaces\nnew line', 'café naïve']
    chat_ids = tok.encode(fam['chat_text'], add_special_tokens=False)
    ref = {
        'generator': 'packages/models/scripts/hf_llama_export.py', 'torch': torch.__version__, 'family': name,
        'vocabSize': V, 'eosTokenId': eos_id, 'bosTokenId': tok.token_id(fam['bos']),
        'padTokenId': tok.token_id(fam['pad']), 'generationEosTokenIds': gen_eos,
        'kvHeads': fam['kv_heads'], 'headDim': fam['hidden'] // fam['heads'], 'maxPositions': fam['positions'],
        'texts': texts, 'ids': ids,
        'prefill': {'inputIds': in_ids.tolist(), 'attentionMask': mask.tolist(), 'positionIds': pos.tolist(),
                    'logits': [r(logits[i, width - len(x):]) for i, x in enumerate(ids)]},
        'step': {'inputIds': nxt.tolist(), 'attentionMask': step_mask.tolist(), 'positionIds': step_pos.tolist(),
                 'logits': r(step[0][:, -1])},
        'greedy': greedy, 'greedyNewTokens': n_new,
        'chat': {'messages': CHAT_MESSAGES, 'text': fam['chat_text'], 'ids': chat_ids},
        'tokenizerCases': [{'text': t, 'ids': tok.encode(t), 'plainIds': tok.encode(t, add_special_tokens=False)}
                           for t in cases],
    }
    if fam['nfc']:  # NFC normalizer: a decomposed accent encodes like the composed one
        ref['nfcCase'] = {'text': 'cafe\u0301', 'ids': tok.encode('cafe\u0301')}
        assert ref['nfcCase']['ids'] == tok.encode('café')
    with open(os.path.join(FIXTURES, f'tiny-{name}-reference.json'), 'w') as fh:
        json.dump(ref, fh, separators=(',', ':'), ensure_ascii=False)
        fh.write('\n')
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out_dir) for f in fs)
    print(f'{name}: vocab {V}, merges {len(tok.merges)}, folder {total / 1024:.0f} KB, greedy {greedy}')


def main():
    torch.manual_seed(0)
    for name, fam in FAMILIES.items():
        build(name, fam)


if __name__ == '__main__':
    main()
