"""Greedy answering with a KV cache and batched mask decoding, mirroring the TypeScript pipeline
(`gpu-service/src/pixel/pipeline.ts`): once the LM emits any codebook token, the whole group is
fed at once, and the hidden states where the group's tokens are the input become the target's
seg embeddings. A target's label is the answer words since the last punctuation mark."""
import numpy as np
import torch

from preprocess import logits_to_mask, preprocess

PUNCTUATION = {',', '.', ':', '?', ';', '!'}


@torch.no_grad()
def encode(model, image, size):
    pv, content = preprocess(image, size)
    tokens, f0, f1 = model.encoder(torch.from_numpy(pv)[None])
    return tokens, f0, f1, content


@torch.no_grad()
def answer(model, vocab, tokens, question, max_answer_tokens):
    """→ (answer words with '{seg}' per group, labels, seg hidden [T, L*N, d])."""
    lm = model.lm
    keys, values = lm.empty_past(1, tokens)
    ids = torch.tensor([vocab.encode_question(question)])
    logits, hidden, keys, values = lm(tokens, ids, keys, values)
    nxt = int(logits[0, -1].argmax())
    codebook = set(vocab.group)
    words, labels, segs, produced = [], [], [], 0
    no_image = tokens[:, :0]
    while nxt != vocab.eos and produced < max_answer_tokens:
        if nxt in codebook:
            feed = vocab.group
            since = [w for w in reversed(words)]
            label = []
            for w in since:
                if w in PUNCTUATION or w == '{seg}':
                    break
                label.insert(0, w)
            labels.append(' '.join(label))
            words.append('{seg}')
        else:
            feed = [nxt]
            words.append(vocab.tokens[nxt])
        logits, hidden, keys, values = lm(no_image, torch.tensor([feed]), keys, values)
        if nxt in codebook:
            segs.append(hidden[0])
        produced += len(feed)
        nxt = int(logits[0, -1].argmax())
    seg = torch.stack(segs) if segs else torch.zeros(0, len(vocab.group), tokens.shape[-1])
    return words, labels, seg


@torch.no_grad()
def decode_masks(model, seg, f0, f1, content, width, height):
    if seg.shape[0] == 0:
        return [], np.zeros(0, np.float32)
    logits, scores, _ = model.decoder(seg, f0, f1)
    masks = [logits_to_mask(l.numpy().astype(np.float64), content, width, height)
             for l in logits]
    return masks, scores.numpy()
