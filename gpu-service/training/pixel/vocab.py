"""Word-level vocabulary of the synthetic world, its special tokens and the codebook tokens.

The tokenizer lower-cases the text and splits it into runs of letters, digits and hyphens, and
single punctuation marks; the TypeScript pipeline applies the same rule (`tokenizer.ts`).
"""
import json
import re

from questions import all_texts

SPECIAL = ('<pad>', '<bos>', '<eos>', '<sep>', '<unk>')
WORD = re.compile(r"[a-z0-9\-]+|[^\sa-z0-9\-]")


def split_words(text: str):
    return WORD.findall(text.lower())


def codebook_tokens(scales: int, tokens_per_scale: int):
    if scales == 1 and tokens_per_scale == 1:
        return [['[SEG]']]
    return [[f'<seg_{l}_{n}>' for n in range(tokens_per_scale)] for l in range(scales)]


class Vocabulary:
    def __init__(self, scales: int, tokens_per_scale: int):
        words = sorted({w for t in all_texts() for w in split_words(t)})
        self.codebook = codebook_tokens(scales, tokens_per_scale)
        flat = [t for row in self.codebook for t in row]
        self.tokens = list(SPECIAL) + flat + words
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.pad, self.bos, self.eos, self.sep, self.unk = (self.ids[t] for t in SPECIAL)
        self.codebook_ids = [[self.ids[t] for t in row] for row in self.codebook]
        self.group = [i for row in self.codebook_ids for i in row]

    def __len__(self):
        return len(self.tokens)

    def encode_question(self, question: str):
        return [self.bos] + [self.ids.get(w, self.unk) for w in split_words(question)] + [self.sep]

    def encode_answer(self, answer: str, per_target: bool):
        """Answer text with `{seg}` placeholders → ids ending in eos. With per_target the whole
        codebook group follows each target; otherwise one [SEG] follows the whole answer."""
        ids = []
        parts = answer.split('{seg}')
        for k, part in enumerate(parts):
            ids += [self.ids.get(w, self.unk) for w in split_words(part)]
            if k < len(parts) - 1 and per_target:
                ids += self.group
        if not per_target and len(parts) > 1:
            ids += self.group
        return ids + [self.eos]

    def to_json(self):
        special = dict(zip(('pad', 'bos', 'eos', 'sep', 'unk'),
                           (self.pad, self.bos, self.eos, self.sep, self.unk)))
        return {
            'tokens': self.tokens,
            'special': special,
            'codebook': self.codebook_ids,
            'lowercase': True,
            'wordPattern': WORD.pattern,
        }

    def write(self, path):
        with open(path, 'w') as f:
            json.dump(self.to_json(), f, indent=0, separators=(',', ':'))
            f.write('\n')
