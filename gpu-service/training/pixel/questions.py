"""MUSE-like questions about a scene, by family, with answers that name every target.

Every answer lists its targets left to right (by centre x). Each target is named in words and
followed by a `{seg}` placeholder, where the model writes the target's group of codebook tokens.
"""
import numpy as np

from world import COLOURS, KINDS, SIZE_NAMES

FAMILIES = ('attribute', 'kind', 'object', 'comparative', 'spatial', 'counting', 'none')
NUMBERS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight')
NONE_ANSWER = 'there is none .'
SEG = '{seg}'

PLURAL = {k: k + 's' for k in KINDS}
SIZE_WORDS = {0: ('small', 'little', 'tiny'), 1: ('medium',), 2: ('large', 'big')}

T_COLOUR = (
    'every {c} shape', 'segment every {c} shape', 'find all the {c} shapes',
    'where are the {c} objects ?', 'show me everything that is {c}', 'which shapes are {c} ?',
    'highlight all {c} things', 'mask each {c} object', 'all {c} shapes please',
)
T_SIZE = (
    'every {s} shape', 'find all the {s} shapes', 'where are the {s} objects ?',
    'segment each {s} shape', 'which shapes are {s} ?', 'show me the {s} things',
)
T_KIND = (
    'find the {ks}', 'segment all {ks}', 'where are the {ks} ?', 'show every {k}',
    'highlight each {k} in the image', 'which objects are {ks} ?', 'mask all the {ks}',
    'every {k} please',
)
T_OBJECT = (
    'the {c} {k}', 'segment the {c} {k}', 'where is the {c} {k} ?', 'find the {c} {k}',
    'show me the {c} {k}', 'is there a {c} {k} ?', 'can you find the {c} {k} ?',
    'mask the {c} {k}',
)
T_BIGGER = (
    'shapes bigger than the {c} {k}', 'which shapes are larger than the {c} {k} ?',
    'find everything bigger than the {c} {k}', 'segment the objects larger than the {c} {k}',
    'what is bigger than the {c} {k} ?', 'show all shapes that are larger than the {c} {k}',
)
T_SMALLER = (
    'shapes smaller than the {c} {k}', 'which shapes are smaller than the {c} {k} ?',
    'find everything smaller than the {c} {k}', 'segment the objects smaller than the {c} {k}',
    'what is smaller than the {c} {k} ?', 'show all shapes that are smaller than the {c} {k}',
)
T_SPATIAL = {
    'left': ('the shapes left of the {c} {k}', 'what is to the left of the {c} {k} ?',
             'find everything left of the {c} {k}',
             'segment the objects to the left of the {c} {k}',
             'which shapes are left of the {c} {k} ?'),
    'right': ('the shapes right of the {c} {k}', 'what is to the right of the {c} {k} ?',
              'find everything right of the {c} {k}',
              'segment the objects to the right of the {c} {k}',
              'which shapes are right of the {c} {k} ?'),
    'above': ('the shapes above the {c} {k}', 'what is above the {c} {k} ?',
              'find everything above the {c} {k}', 'segment the objects above the {c} {k}',
              'which shapes are above the {c} {k} ?'),
    'below': ('the shapes below the {c} {k}', 'what is below the {c} {k} ?',
              'find everything below the {c} {k}', 'segment the objects below the {c} {k}',
              'which shapes are below the {c} {k} ?'),
}
T_COUNT_KIND = ('how many {ks} are there ?', 'count the {ks}', 'how many {ks} can you see ?',
                'count every {k} in the image')
T_COUNT_COLOUR = ('how many {c} shapes are there ?', 'count the {c} objects',
                  'how many {c} things can you see ?')


def answer_text(shapes, targets, count: bool = False) -> str:
    """`colour kind {seg} , colour kind {seg} .` with targets sorted left to right; counting
    answers end with the number (`, two in all .`), said after the targets are listed."""
    if not targets:
        return NONE_ANSWER
    order = sorted(targets, key=lambda i: shapes[i].cx)
    body = ' , '.join(f'{shapes[i].label} {SEG}' for i in order)
    if count:
        return f'{body} , {NUMBERS[len(targets)]} in all .'
    return f'{body} .'


def ordered(shapes, targets):
    return sorted(targets, key=lambda i: shapes[i].cx)


def _pick(rng, options):
    return options[int(rng.integers(0, len(options)))]


def _pick_weighted(rng, options, shapes, key):
    """Prefers values that many shapes share, so that answers often have several targets."""
    w = np.array([sum(key(s) == o for s in shapes) for o in options], float) ** 1.5
    return options[int(rng.choice(len(options), p=w / w.sum()))]


def _relate(shapes, ref, relation):
    r = shapes[ref]
    test = {
        'left': lambda s: s.cx < r.cx, 'right': lambda s: s.cx > r.cx,
        'above': lambda s: s.cy < r.cy, 'below': lambda s: s.cy > r.cy,
        'bigger': lambda s: s.size > r.size, 'smaller': lambda s: s.size < r.size,
    }[relation]
    return [i for i, s in enumerate(shapes) if i != ref and test(s)]


def _reference_question(rng, shapes, relation, want_empty):
    refs = [i for i in range(len(shapes))
            if (len(_relate(shapes, i, relation)) == 0) == want_empty]
    if not refs:
        return None
    ref = _pick(rng, refs)
    s = shapes[ref]
    if relation in T_SPATIAL:
        tmpl = _pick(rng, T_SPATIAL[relation])
    else:
        tmpl = _pick(rng, T_BIGGER if relation == 'bigger' else T_SMALLER)
    return tmpl.format(c=s.colour, k=s.kind), _relate(shapes, ref, relation)


def make_question(rng: np.random.Generator, shapes, family: str):
    """Returns (question, answer text, target indices in answer order) or None if the scene
    cannot host this family."""
    colours = sorted({s.colour for s in shapes})
    kinds = sorted({s.kind for s in shapes})
    n = len(shapes)
    if family == 'attribute':
        if rng.random() < 0.7:
            c = _pick_weighted(rng, colours, shapes, lambda s: s.colour)
            q = _pick(rng, T_COLOUR).format(c=c)
            targets = [i for i in range(n) if shapes[i].colour == c]
        else:
            size = _pick_weighted(rng, sorted({s.size for s in shapes}), shapes, lambda s: s.size)
            q = _pick(rng, T_SIZE).format(s=_pick(rng, SIZE_WORDS[size]))
            targets = [i for i in range(n) if shapes[i].size == size]
    elif family == 'kind':
        k = _pick_weighted(rng, kinds, shapes, lambda s: s.kind)
        q = _pick(rng, T_KIND).format(k=k, ks=PLURAL[k])
        targets = [i for i in range(n) if shapes[i].kind == k]
    elif family == 'object':
        i = int(rng.integers(0, n))
        q = _pick(rng, T_OBJECT).format(c=shapes[i].colour, k=shapes[i].kind)
        targets = [i]
    elif family in ('comparative', 'spatial'):
        rels = ('bigger', 'smaller') if family == 'comparative' else tuple(T_SPATIAL)
        made = _reference_question(rng, shapes, _pick(rng, rels), want_empty=False)
        if made is None:
            return None
        q, targets = made
    elif family == 'counting':
        if rng.random() < 0.6:
            k = _pick_weighted(rng, kinds, shapes, lambda s: s.kind)
            q = _pick(rng, T_COUNT_KIND).format(k=k, ks=PLURAL[k])
            targets = [i for i in range(n) if shapes[i].kind == k]
        else:
            c = _pick_weighted(rng, colours, shapes, lambda s: s.colour)
            q = _pick(rng, T_COUNT_COLOUR).format(c=c)
            targets = [i for i in range(n) if shapes[i].colour == c]
        targets = ordered(shapes, targets)
        return q, answer_text(shapes, targets, count=True), targets
    elif family == 'none':
        return _none_question(rng, shapes)
    else:
        raise ValueError(f'unknown family {family}')
    targets = ordered(shapes, targets)
    return q, answer_text(shapes, targets), targets


def _none_question(rng, shapes):
    present = {(s.colour, s.kind) for s in shapes}
    colours = {s.colour for s in shapes}
    kinds = {s.kind for s in shapes}
    way = rng.random()
    if way < 0.2:
        made = _reference_question(rng, shapes, _pick(rng, ('bigger', 'smaller', 'left', 'right',
                                                           'above', 'below')), want_empty=True)
        if made is not None:
            return made[0], NONE_ANSWER, []
    if way < 0.35:
        absent = [c for c in COLOURS if c not in colours]
        if absent:
            return _pick(rng, T_COLOUR).format(c=_pick(rng, absent)), NONE_ANSWER, []
    if way < 0.5:
        absent = [k for k in KINDS if k not in kinds]
        if absent:
            k = _pick(rng, absent)
            tmpl = _pick(rng, T_KIND + T_COUNT_KIND)
            return tmpl.format(k=k, ks=PLURAL[k]), NONE_ANSWER, []
    # Absent colour-kind pairs, preferring near misses (the colour or the kind is present).
    absent = [(c, k) for c in COLOURS for k in KINDS if (c, k) not in present]
    near = [(c, k) for c, k in absent if c in colours or k in kinds]
    c, k = _pick(rng, near or absent)
    return _pick(rng, T_OBJECT).format(c=c, k=k), NONE_ANSWER, []


def all_texts():
    """Every question template and answer word, for building the vocabulary."""
    texts = list(T_COLOUR + T_SIZE + T_KIND + T_OBJECT + T_BIGGER + T_SMALLER
                 + T_COUNT_KIND + T_COUNT_COLOUR)
    for v in T_SPATIAL.values():
        texts += v
    fill = {'c': ' '.join(COLOURS), 'k': ' '.join(KINDS),
            'ks': ' '.join(PLURAL.values()),
            's': ' '.join(w for ws in SIZE_WORDS.values() for w in ws)}
    texts = [t.format(**fill) for t in texts]
    texts += [NONE_ANSWER, ' '.join(NUMBERS), 'in all , .', ' '.join(SIZE_NAMES)]
    return texts
