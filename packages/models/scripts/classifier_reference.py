#!/usr/bin/python3
"""PyTorch reference for @proj/models' sequence classifier: a tiny random-weight BertForSequenceClassification
(3 NLI labels) exported the way Optimum exports text-classification models, plus the pair encodings and logits
the TS tests compare against.

It reuses encoder_reference.py's hand-written BertModel and WordPiece tokenizer (transformers is not installed
here) and adds what BertForSequenceClassification puts on top: the pooler (dense + tanh on the [CLS] state) and
the classifier (dense to the labels). Pairs are encoded [CLS] A [SEP] B [SEP] with token types 0 ... 0 1 ... 1,
and truncated the way the Rust tokenizers library's `longest_first` strategy does.

Writes
  packages/models/src/encoder/fixtures/tiny-bert-nli/   config.json (BertForSequenceClassification, id2label),
      tokenizer.json, tokenizer_config.json, model.safetensors (bert.* + classifier.* names),
      onnx/model.onnx (opset 17; input_ids, attention_mask, token_type_ids -> logits; dynamic batch / sequence)
  packages/models/src/encoder/fixtures/tiny_bert_nli_reference.json   pairs, ids, type ids, logits

Run from the repository root: /usr/bin/python3 packages/models/scripts/classifier_reference.py
"""
import json
import os
import sys

import onnx
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from encoder_reference import CFG, FIX, IDS, TOKENIZER_CONFIG, BertModel, basic_tokenize, save_safetensors, \
    tokenizer_json, wordpiece  # noqa: E402

FOLDER = os.path.join(FIX, 'tiny-bert-nli')
LABELS = ['contradiction', 'entailment', 'neutral']


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['hidden_size'])

    def forward(self, hidden):
        return torch.tanh(self.dense(hidden[:, 0]))


class Bert(BertModel):
    def __init__(self, c):
        super().__init__(c)
        self.pooler = Pooler(c)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c, num_labels):
        super().__init__()
        self.bert = Bert(c)
        self.classifier = nn.Linear(c['hidden_size'], num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.bert.pooler(hidden))


def pieces(text):
    return [IDS[p] for w in basic_tokenize(text) for p in wordpiece(w)]


def longest_first(n1, n2, budget):
    """tokenizers' (Rust) longest_first: the shorter side keeps what it can, the longer takes the rest; when both
    are too long each gets half (the longer one the odd token)."""
    if n1 + n2 <= budget:
        return n1, n2
    swap = n1 > n2
    if swap:
        n1, n2 = n2, n1
    n2 = n1 if n1 > budget else max(n1, budget - n1)
    if n1 + n2 > budget:
        n1 = budget // 2
        n2 = n1 + budget % 2
    return (n2, n1) if swap else (n1, n2)


def encode_pair(a, b, max_length=None):
    pa, pb = pieces(a), pieces(b)
    if max_length is not None:
        k1, k2 = longest_first(len(pa), len(pb), max_length - 3)
        pa, pb = pa[:k1], pb[:k2]
    ids = [IDS['[CLS]']] + pa + [IDS['[SEP]']] + pb + [IDS['[SEP]']]
    types = [0] * (len(pa) + 2) + [1] * (len(pb) + 1)
    return ids, types


PAIRS = [
    ('The cat sat on the mat.', 'A cat sat on a mat.'),
    ('Dogs are running in the park!', 'The dogs sat at home.'),
    ('Paris is a big city.', 'The red car costs a lot'),
    ('x', 'Zebras jumped quickly over the lazy dog'),
]
TRUNC = [
    # one long side: the short side is kept whole
    ('the cat sat', 'the quick brown fox jumped over the lazy dog and the cat sat on the mat', 14),
    # both long: half each, the longer side takes the odd token
    ('the quick brown fox jumped over the lazy dog', 'a red car and a blue boat and a green tree', 12),
    # the first side is the long one
    ('the quick brown fox jumped over the lazy dog in the park', 'a cat', 11),
]


def main():
    torch.manual_seed(0)
    model = BertForSequenceClassification(CFG, len(LABELS))
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'LayerNorm.weight' in name:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith('bias'):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif 'embeddings' in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    model.eval()
    os.makedirs(os.path.join(FOLDER, 'onnx'), exist_ok=True)
    with open(os.path.join(FOLDER, 'config.json'), 'w') as fh:
        json.dump({'architectures': ['BertForSequenceClassification'], 'model_type': 'bert', 'hidden_act': 'gelu',
                   'pad_token_id': 0, 'position_embedding_type': 'absolute', 'initializer_range': 0.02,
                   'torch_dtype': 'float32', 'hidden_dropout_prob': 0.1, 'attention_probs_dropout_prob': 0.1,
                   'id2label': {str(i): l for i, l in enumerate(LABELS)},
                   'label2id': {l: i for i, l in enumerate(LABELS)}, **CFG}, fh, indent=2)
    with open(os.path.join(FOLDER, 'tokenizer.json'), 'w') as fh:
        json.dump(tokenizer_json(), fh, indent=1, ensure_ascii=False)
    with open(os.path.join(FOLDER, 'tokenizer_config.json'), 'w') as fh:
        json.dump(TOKENIZER_CONFIG, fh, indent=2)
    save_safetensors(os.path.join(FOLDER, 'model.safetensors'), dict(model.named_parameters()))

    rows = [encode_pair(a, b) for a, b in PAIRS[:2]]
    n = max(len(r[0]) for r in rows)
    ids = torch.tensor([r[0] + [0] * (n - len(r[0])) for r in rows])
    types = torch.tensor([r[1] + [0] * (n - len(r[1])) for r in rows])
    mask = torch.tensor([[1] * len(r[0]) + [0] * (n - len(r[0])) for r in rows])
    onnx_path = os.path.join(FOLDER, 'onnx', 'model.onnx')
    torch.onnx.export(
        model, (ids, mask, types), onnx_path, opset_version=17, do_constant_folding=True,
        input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['logits'],
        dynamic_axes={**{k: {0: 'batch_size', 1: 'sequence_length'}
                         for k in ['input_ids', 'attention_mask', 'token_type_ids']}, 'logits': {0: 'batch_size'}},
    )
    onnx.checker.check_model(onnx.load(onnx_path))

    cases = []
    with torch.no_grad():
        for a, b in PAIRS:
            i, t = encode_pair(a, b)
            x = torch.tensor([i])
            logits = model(x, torch.ones_like(x), torch.tensor([t]))[0]
            cases.append({'premise': a, 'hypothesis': b, 'ids': i, 'tokenTypeIds': t,
                          'logits': [round(float(v), 7) for v in logits]})
        for a in ['The cat sat on the mat.', 'Zebras jumped quickly']:
            i = [IDS['[CLS]']] + pieces(a) + [IDS['[SEP]']]
            x = torch.tensor([i])
            logits = model(x, torch.ones_like(x), torch.zeros_like(x))[0]
            cases.append({'text': a, 'ids': i, 'tokenTypeIds': [0] * len(i),
                          'logits': [round(float(v), 7) for v in logits]})
    trunc = [{'first': a, 'second': b, 'maxLength': m, 'ids': encode_pair(a, b, m)[0],
              'tokenTypeIds': encode_pair(a, b, m)[1]} for a, b, m in TRUNC]
    with open(os.path.join(FIX, 'tiny_bert_nli_reference.json'), 'w') as fh:
        json.dump({'generator': 'packages/models/scripts/classifier_reference.py', 'torch': torch.__version__,
                   'labels': LABELS, 'cases': cases, 'truncated': trunc}, fh, indent=1)
    print(f'wrote {FOLDER}')


if __name__ == '__main__':
    main()
