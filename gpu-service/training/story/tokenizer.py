"""Word tokenizer for prompts: lower-case words, unknown words map to <unk>.

The TypeScript pipeline mirrors this exactly (gpu-service/src/story/tokenizer.ts): split on
anything that is not a letter, add <bos> and <eos>, cut to `max_tokens`, pad with <pad>.
"""
import re

import torch

from world import vocabulary

WORD = re.compile(r'[a-z]+')


class Tokenizer:
    def __init__(self, max_tokens=24):
        self.words = vocabulary()
        self.ids = {w: i for i, w in enumerate(self.words)}
        self.max_tokens = max_tokens
        self.pad, self.bos, self.eos, self.unk = (self.ids[w] for w in
                                                  ['<pad>', '<bos>', '<eos>', '<unk>'])

    def encode(self, text):
        """Token ids of one prompt, padded to max_tokens."""
        words = WORD.findall(text.lower())
        ids = [self.bos] + [self.ids.get(w, self.unk) for w in words]
        ids = ids[:self.max_tokens - 1] + [self.eos]
        return ids + [self.pad] * (self.max_tokens - len(ids))

    def batch(self, texts):
        return torch.tensor([self.encode(t) for t in texts], dtype=torch.long)
