"""Byte-level BPE pieces shared by the reference exporters (hf_gpt2_export.py, hf_llama_export.py): GPT-2's byte
table and plain BPE training, written from the algorithm, independent of @huggingface/tokenizers."""


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (same order GPT-2 gives the byte tokens their ids; Qwen2 and
    Llama 3's byte-level BPE share it)."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def learn_merges(words, n):
    """Plain BPE training on pre-tokenised words: repeatedly merge the most frequent adjacent pair (ties: first
    seen)."""
    seqs = [list(w) for w in words]
    merges = []
    for _ in range(n):
        counts = {}
        for s in seqs:
            for a, b in zip(s, s[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        best = max(counts.items(), key=lambda kv: kv[1])[0]
        merges.append(best)
        for s in seqs:
            i = 0
            while i < len(s) - 1:
                if (s[i], s[i + 1]) == best:
                    s[i:i + 2] = [s[i] + s[i + 1]]
                i += 1
    return merges
