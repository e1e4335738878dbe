#!/usr/bin/python3
"""PyTorch reference for @proj/models' encoder family: a tiny random-weight BERT with Hugging Face parameter names,
exported the way Optimum exports feature-extraction encoders, plus the numbers the TS tests compare against.

The `transformers` and `tokenizers` packages are not installed here, so the model is a hand-written BertModel
(same module tree and parameter names as transformers' modeling_bert.py: post-LN, exact GELU, learned absolute
positions, token types, extended attention mask with finfo.min) and the WordPiece tokenizer is a hand-written
BERT BasicTokenizer + WordpieceTokenizer (lowercase, accent stripping, punctuation splitting, greedy
longest-match-first with '##' continuations). The TS test checks that @huggingface/tokenizers, reading the
tokenizer.json written here, produces the same ids.

Writes
  packages/models/src/encoder/fixtures/tiny-bert/           an HF/Optimum-style folder:
      config.json (model_type bert), tokenizer.json (WordPiece), tokenizer_config.json, model.safetensors,
      onnx/model.onnx (opset 17; inputs input_ids, attention_mask, token_type_ids; output last_hidden_state;
      dynamic axes batch_size / sequence_length)
  packages/models/src/encoder/fixtures/tiny_bert_reference.json
      texts, their ids, torch last_hidden_state and mean-pooled L2-normalised embeddings (each text alone, no
      padding), a truncated case, and InfoNCE losses (tau 0.1, symmetric and one-directional) on anchor/positive
      pairs
  packages/models/src/encoder/fixtures/tiny_bert_infonce_grads.safetensors
      d(symmetric InfoNCE loss)/d(parameter) for every parameter

Run from the repository root: /usr/bin/python3 packages/models/scripts/encoder_reference.py
"""
import json
import math
import os
import struct
import unicodedata

import onnx
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'src', 'encoder', 'fixtures')
FOLDER = os.path.join(FIX, 'tiny-bert')

# ---------------------------------------------------------------------------------------------- tokenizer
SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
WORDS = (
    'the a an and of on in is are was to it that this with for as at by from over cat cats dog dogs sat mat '
    'park run running ran jump jumped quick quickly brown fox lazy red blue green car boat house tree big small '
    'cost costs cafe coffee price paris london city lives home owns has keeps belongs color old new'
).split()
SUFFIXES = ['s', 'es', 'ed', 'ing', 'er', 'ly', 'ra', 'ze', 'bras']
LETTERS = list('abcdefghijklmnopqrstuvwxyz0123456789')
PUNCT = list('.,!?\'-;:')
# dict.fromkeys: one id per token ('a' is both a letter and a word)
VOCAB = list(dict.fromkeys(SPECIALS + PUNCT + LETTERS + ['##' + c for c in LETTERS] + WORDS + ['##' + s for s in SUFFIXES]))
IDS = {t: i for i, t in enumerate(VOCAB)}
MAX_LEN = 32


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith('P')


def basic_tokenize(text):
    """BERT BasicTokenizer (ASCII-level clean-up, lowercase + accent strip, split on whitespace and punctuation)."""
    text = ''.join(' ' if ch.isspace() else ch for ch in text if ord(ch) != 0 and ord(ch) != 0xFFFD)
    text = unicodedata.normalize('NFD', text.lower())
    text = ''.join(ch for ch in text if unicodedata.category(ch) != 'Mn')
    words = []
    for chunk in text.split():
        cur = ''
        for ch in chunk:
            if is_punct(ch):
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ''
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


def wordpiece(word):
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            sub = word[start:end] if start == 0 else '##' + word[start:end]
            if sub in IDS:
                found = sub
                break
            end -= 1
        if found is None:
            return ['[UNK]']
        pieces.append(found)
        start = end
    return pieces


def encode(text, max_length=None):
    ids = [IDS[p] for w in basic_tokenize(text) for p in wordpiece(w)]
    if max_length is not None:
        ids = ids[: max_length - 2]
    return [IDS['[CLS]']] + ids + [IDS['[SEP]']]


def tokenizer_json():
    special = lambda t: {'id': IDS[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
                         'normalized': False, 'special': True}
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [special(t) for t in SPECIALS],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                       {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 1}},
                     {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
            'special_tokens': {t: {'id': t, 'ids': [IDS[t]], 'tokens': [t]} for t in ['[CLS]', '[SEP]']},
        },
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##',
                  'max_input_chars_per_word': 100, 'vocab': IDS},
    }


TOKENIZER_CONFIG = {
    'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'strip_accents': None, 'tokenize_chinese_chars': True,
    'cls_token': '[CLS]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'unk_token': '[UNK]', 'mask_token': '[MASK]',
    'model_max_length': MAX_LEN, 'clean_up_tokenization_spaces': True,
}

# ---------------------------------------------------------------------------------------------- model
CFG = dict(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
           max_position_embeddings=MAX_LEN, type_vocab_size=2, layer_norm_eps=1e-12)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c['vocab_size'], c['hidden_size'])
        self.position_embeddings = nn.Embedding(c['max_position_embeddings'], c['hidden_size'])
        self.token_type_embeddings = nn.Embedding(c['type_vocab_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])
        self.register_buffer('position_ids', torch.arange(c['max_position_embeddings']).unsqueeze(0), persistent=False)

    def forward(self, input_ids, token_type_ids):
        pos = self.position_ids[:, : input_ids.shape[1]]
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c['hidden_size']
        self.h = c['num_attention_heads']
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, ext_mask):
        b, s, d = x.shape
        hd = d // self.h
        split = lambda t: t.view(b, s, self.h, hd).permute(0, 2, 1, 3)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + ext_mask
        return (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, s, d)


class SelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])

    def forward(self, h, x):
        return self.LayerNorm(self.dense(h) + x)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = SelfOutput(c)

    def forward(self, x, ext_mask):
        return self.output(self.self(x, ext_mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['intermediate_size'])

    def forward(self, x):
        return F.gelu(self.dense(x))


class Output(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['intermediate_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])

    def forward(self, h, x):
        return self.LayerNorm(self.dense(h) + x)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = Output(c)

    def forward(self, x, ext_mask):
        a = self.attention(x, ext_mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c['num_hidden_layers'])])

    def forward(self, x, ext_mask):
        for layer in self.layer:
            x = layer(x, ext_mask)
        return x


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)

    def forward(self, input_ids, attention_mask, token_type_ids):
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        return self.encoder(self.embeddings(input_ids, token_type_ids), ext)


def mean_pool(hidden, mask):
    """sentence-transformers' mean pooling + F.normalize (what the project's graph computes)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return F.normalize(mean, p=2, dim=1)


def pad(rows):
    n = max(len(r) for r in rows)
    ids = torch.tensor([r + [IDS['[PAD]']] * (n - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (n - len(r)) for r in rows])
    return ids, mask


def infonce(model, a_rows, p_rows, tau, symmetric):
    ai, am = pad(a_rows)
    pi, pm = pad(p_rows)
    a = mean_pool(model(ai, am, torch.zeros_like(ai)), am)
    p = mean_pool(model(pi, pm, torch.zeros_like(pi)), pm)
    logits = a @ p.T / tau
    labels = torch.arange(len(a_rows))
    loss = F.cross_entropy(logits, labels)
    return (loss + F.cross_entropy(logits.T, labels)) / 2 if symmetric else loss


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        raw = tensors[name].detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def r(t, digits=7):
    return [round(float(x), digits) for x in t.reshape(-1).tolist()]


TEXTS = [
    'The cat sat on the mat.',
    'Dogs are running in the park!',
    'A red car, a blue boat.',
    'Zebras jumped quickly',
    'Café costs 5€',
    'x',
]
TRUNC_TEXT = 'the quick brown fox jumped over the lazy dog and the cat sat on the mat'
TRUNC_LEN = 8
ANCHORS = ['the cat sat on the mat', 'a red car', 'dogs are running in the park', 'paris is a big city']
POSITIVES = ['on the mat sat a cat', 'the car is red', 'the dogs ran in a park', 'the city of paris is big']
TAU = 0.1


def main():
    torch.manual_seed(0)
    model = BertModel(CFG)
    g = torch.Generator().manual_seed(42)
    with torch.no_grad():
        # Larger-than-BERT random weights so every part (LayerNorm scales and shifts, biases, token types) moves the
        # outputs by a clearly measurable amount.
        for name, p in model.named_parameters():
            if 'LayerNorm.weight' in name:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith('bias') or 'LayerNorm.bias' in name:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif 'embeddings' in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
    model.eval()
    os.makedirs(os.path.join(FOLDER, 'onnx'), exist_ok=True)

    with open(os.path.join(FOLDER, 'config.json'), 'w') as fh:
        json.dump({'architectures': ['BertModel'], 'model_type': 'bert', 'hidden_act': 'gelu', 'pad_token_id': 0,
                   'position_embedding_type': 'absolute', 'initializer_range': 0.02, 'torch_dtype': 'float32',
                   'hidden_dropout_prob': 0.1, 'attention_probs_dropout_prob': 0.1, **CFG}, fh, indent=2)
    with open(os.path.join(FOLDER, 'tokenizer.json'), 'w') as fh:
        json.dump(tokenizer_json(), fh, indent=1, ensure_ascii=False)
    with open(os.path.join(FOLDER, 'tokenizer_config.json'), 'w') as fh:
        json.dump(TOKENIZER_CONFIG, fh, indent=2)
    save_safetensors(os.path.join(FOLDER, 'model.safetensors'), dict(model.named_parameters()))

    ids, mask = pad([encode(t) for t in TEXTS[:2]])
    onnx_path = os.path.join(FOLDER, 'onnx', 'model.onnx')
    torch.onnx.export(
        model, (ids, mask, torch.zeros_like(ids)), onnx_path, opset_version=17, do_constant_folding=True,
        input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['last_hidden_state'],
        dynamic_axes={n: {0: 'batch_size', 1: 'sequence_length'}
                      for n in ['input_ids', 'attention_mask', 'token_type_ids', 'last_hidden_state']},
    )
    onnx.checker.check_model(onnx.load(onnx_path))

    cases = []
    with torch.no_grad():
        for t in TEXTS:
            row = encode(t)
            x = torch.tensor([row])
            hidden = model(x, torch.ones_like(x), torch.zeros_like(x))
            cases.append({'text': t, 'ids': row, 'hidden': r(hidden), 'embedding': r(mean_pool(hidden, torch.ones_like(x)))})
        trunc_ids = encode(TRUNC_TEXT, TRUNC_LEN)
        x = torch.tensor([trunc_ids])
        trunc = {'text': TRUNC_TEXT, 'maxLength': TRUNC_LEN, 'ids': trunc_ids,
                 'embedding': r(mean_pool(model(x, torch.ones_like(x), torch.zeros_like(x)), torch.ones_like(x)))}
        # Token types matter: the same ids with token_type_ids = 1 everywhere.
        row = encode(TEXTS[0])
        x = torch.tensor([row])
        typed = {'ids': row, 'tokenTypeIds': [1] * len(row),
                 'hidden': r(model(x, torch.ones_like(x), torch.ones_like(x)))}

    a_rows = [encode(t) for t in ANCHORS]
    p_rows = [encode(t) for t in POSITIVES]
    with torch.no_grad():
        one_way = infonce(model, a_rows, p_rows, TAU, False).item()
    model.zero_grad()
    sym = infonce(model, a_rows, p_rows, TAU, True)
    sym.backward()
    save_safetensors(os.path.join(FIX, 'tiny_bert_infonce_grads.safetensors'),
                     {n: p.grad for n, p in model.named_parameters()})

    with open(os.path.join(FIX, 'tiny_bert_reference.json'), 'w') as fh:
        json.dump({
            'generator': 'packages/models/scripts/encoder_reference.py', 'torch': torch.__version__,
            'config': CFG, 'cases': cases, 'truncated': trunc, 'tokenTypes': typed,
            'infonce': {'temperature': TAU, 'anchors': a_rows, 'positives': p_rows, 'anchorTexts': ANCHORS,
                        'positiveTexts': POSITIVES, 'symmetricLoss': sym.item(), 'oneWayLoss': one_way},
        }, fh, indent=1)
    total = 0
    for root, _, files in os.walk(FOLDER):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    print(f'wrote {FOLDER} ({total / 1024:.0f} KB), vocab {len(VOCAB)}')


if __name__ == '__main__':
    main()
