"""Exports a training run as the story-ref bundle: ONNX graphs (opset 17), manifest.json,
vocabulary, config, training facts, the held-out evaluation set and parity references."""
import hashlib
import json
import os
import shutil

import torch
from PIL import Image

from autoencoder import Autoencoder, LatentDecoder, LatentEncoder
from classifier import Classifier
from common import HERE, load
from data import CLASSES, HEADS
from eval_set import clips_grid, eval_stories, motion_clips
from motion_predictor import MotionPredictor
from onnx_utils import round_to_half, sha256, spec, store_weights_fp16, write_parity
from schedule import alphas_cumprod
from tokenizer import Tokenizer
from train_unet import StoryModel
from world import ACTIONS, ATTRIBUTE_VALUES, SETTINGS

OPSET = 17


class UNetGraph(torch.nn.Module):
    """The UNet with its Consistent Self-Attention inputs and hidden-state outputs."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, latent, timestep, context, csa_mask, csa_switch, *refs):
        out, hidden = self.unet(latent, timestep, context, (list(refs), csa_mask, csa_switch))
        return (out, *hidden)


class ClassifierGraph(torch.nn.Module):
    def __init__(self, clf):
        super().__init__()
        self.clf = clf

    def forward(self, image):
        return self.clf(image)


def load_models(cfg, run_dir):
    tok = Tokenizer(cfg['text_encoder']['max_tokens'])
    story = StoryModel(cfg, len(tok.words))
    story.load_state_dict(load(run_dir, 'story_model'))
    ae = Autoencoder(cfg['autoencoder']['latent_channels'])
    ae.load_state_dict(load(run_dir, 'autoencoder'))
    motion = MotionPredictor(cfg['autoencoder']['latent_channels'])
    motion.load_state_dict(load(run_dir, 'motion_predictor'))
    clf = Classifier()
    clf.load_state_dict(load(run_dir, 'classifier'))
    for m in (story, ae, motion, clf):
        m.eval()
        round_to_half(m)
    return tok, story, ae, motion, clf


def graph_io(cfg, layers):
    """Inputs and outputs of every graph, with symbolic axes, in export order."""
    zc, side = cfg['unet']['latent_channels'], cfg['unet']['latent_size']
    dim = cfg['text_encoder']['dim']
    lat = ['batch', zc, side, side]
    img = ['batch', 3, 64, 64]
    refs = [spec(f'ref_{i}', 'float32', ['refs', t, c]) for i, (t, c) in enumerate(layers)]
    hidden = [spec(f'hidden_{i}', 'float32', ['batch', t, c]) for i, (t, c) in enumerate(layers)]
    return {
        'text_encoder': ([spec('ids', 'int64', ['batch', 'tokens'])],
                         [spec('context', 'float32', ['batch', 'tokens', dim])]),
        'unet': ([spec('latent', 'float32', lat), spec('timestep', 'float32', ['batch']),
                  spec('context', 'float32', ['batch', 'tokens', dim]),
                  spec('csa_mask', 'float32', ['batch', 'frames', 256]),
                  spec('csa_switch', 'float32', [len(layers)])] + refs,
                 [spec('v', 'float32', lat)] + hidden),
        'latent_decoder': ([spec('latent', 'float32', lat)], [spec('image', 'float32', img)]),
        'latent_encoder': ([spec('image', 'float32', img)], [spec('latent', 'float32', lat)]),
        'motion_predictor': ([spec('first', 'float32', lat), spec('last', 'float32', lat),
                              spec('fraction', 'float32', ['batch'])],
                             [spec('latent', 'float32', lat)]),
        'classifier': ([spec('image', 'float32', img)],
                       [spec(h, 'float32', ['batch', len(CLASSES[h])]) for h in HEADS]),
    }


def sample_inputs(cfg, tok, layers):
    """Fixed example inputs per graph (also the parity references' inputs)."""
    g = torch.Generator().manual_seed(cfg['seed'] + 11)
    ids = tok.batch(['a kid in a red shirt, waving in the park', ''])
    n_ref = 2
    mask = (torch.rand(2, 2 + n_ref, 256, generator=g) < 0.5).float()
    mask[0, 0] = 0
    mask[1, 1] = 0
    lat = torch.randn(2, 4, 16, 16, generator=g)
    return {
        'text_encoder': (ids,),
        'unet': (lat, torch.tensor([999.0, 500.0]), torch.randn(2, ids.shape[1], 128, generator=g),
                 mask, torch.ones(len(layers)),
                 *[torch.randn(n_ref, t, c, generator=g) for t, c in layers]),
        'latent_decoder': (lat,),
        'latent_encoder': (torch.rand(2, 3, 64, 64, generator=g),),
        'motion_predictor': (lat, torch.randn(2, 4, 16, 16, generator=g),
                             torch.tensor([0.25, 0.6])),
        'classifier': (torch.rand(2, 3, 64, 64, generator=g),),
    }


def export_graph(module, args, inputs, outputs, path):
    axes = {t['name']: {i: d for i, d in enumerate(t['shape']) if isinstance(d, str)}
            for t in inputs + outputs}
    torch.onnx.export(module, args, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=[t['name'] for t in inputs],
                      output_names=[t['name'] for t in outputs], dynamic_axes=axes)
    store_weights_fp16(path)


def sha256_of(parts):
    return hashlib.sha256(''.join(parts).encode()).hexdigest()


def write_eval_set(out_dir, frames):
    os.makedirs(os.path.join(out_dir, 'eval'), exist_ok=True)
    with open(os.path.join(out_dir, 'eval', 'stories.json'), 'w') as f:
        json.dump(eval_stories(), f, indent=1)
    Image.fromarray(clips_grid(motion_clips(frames=frames))).save(
        os.path.join(out_dir, 'eval', 'motion-clips.png'))


def export_bundle(cfg, run_dir, out_dir, name='story-ref'):
    os.makedirs(out_dir, exist_ok=True)
    tok, story, ae, motion, clf = load_models(cfg, run_dir)
    layers = story.unet.csa_layers
    modules = {'text_encoder': story.text, 'unet': UNetGraph(story.unet),
               'latent_decoder': LatentDecoder(ae), 'latent_encoder': LatentEncoder(ae),
               'motion_predictor': motion, 'classifier': ClassifierGraph(clf)}
    io, examples = graph_io(cfg, layers), sample_inputs(cfg, tok, layers)
    graphs = {}
    for key, module in modules.items():
        module.eval()
        inputs, outputs = io[key]
        path = os.path.join(out_dir, f'{key}.onnx')
        export_graph(module, examples[key], inputs, outputs, path)
        module.eval()  # the exporter restores the mode it found
        with torch.no_grad():
            result = module(*examples[key])
        result = result if isinstance(result, tuple) else (result,)
        write_parity(out_dir, key, dict(zip([t['name'] for t in inputs], examples[key])),
                     dict(zip([t['name'] for t in outputs], result)))
        graphs[key] = {'file': f'{key}.onnx', 'sha256': sha256(path),
                       'edge': key == 'latent_decoder', 'inputs': inputs, 'outputs': outputs}

    with open(os.path.join(out_dir, 'vocab.json'), 'w') as f:
        json.dump({'words': tok.words, 'maxTokens': tok.max_tokens}, f, indent=0)
    shutil.copy(os.path.join(HERE, 'config.json'), os.path.join(out_dir, 'config.json'))
    facts_path = os.path.join(run_dir, 'training.json')
    training = json.load(open(facts_path)) if os.path.exists(facts_path) else {}
    with open(os.path.join(out_dir, 'training.json'), 'w') as f:
        json.dump(training, f, indent=2)
    write_eval_set(out_dir, cfg['motion']['frames'])

    digest = sha256_of([g['sha256'] for g in graphs.values()] + [sha256(
        os.path.join(out_dir, 'vocab.json'))])
    s = cfg['schedule']
    manifest = {
        'name': name, 'kind': 'story', 'version': f'{name}-{digest[:12]}', 'graphs': graphs,
        'vocabulary': {'file': 'vocab.json', 'sha256': sha256(os.path.join(out_dir, 'vocab.json')),
                       'special': {'pad': tok.pad, 'bos': tok.bos, 'eos': tok.eos,
                                   'unk': tok.unk}},
        'image': {'size': 64, 'resize': 'longest-side', 'mean': [0, 0, 0], 'std': [1, 1, 1]},
        'latent': {'channels': cfg['unet']['latent_channels'],
                   'height': cfg['unet']['latent_size'], 'width': cfg['unet']['latent_size']},
        'scheduler': {'kind': 'cosine', 'timesteps': s['timesteps'], 'offset': 0.008,
                      'maxBeta': 0.999, 'prediction': 'v', 'spacing': 'trailing',
                      'steps': s['steps'], 'guidance': s['guidance'],
                      'alphasCumprod': [float(a) for a in alphas_cumprod(s['timesteps'])]},
        'text': {'maxTokens': tok.max_tokens, 'dim': cfg['text_encoder']['dim']},
        'consistentAttention': {
            'maskTokens': 256, 'defaultRate': 0.5,
            'layers': [{'ref': f'ref_{i}', 'hidden': f'hidden_{i}', 'tokens': t, 'channels': c}
                       for i, (t, c) in enumerate(layers)]},
        'classifier': {'heads': [{'name': h, 'output': h, 'classes': CLASSES[h]}
                                 for h in HEADS]},
        'world': {'attributes': ATTRIBUTE_VALUES, 'actions': ACTIONS, 'settings': SETTINGS},
        'eval': {'stories': 'eval/stories.json', 'motionClips': 'eval/motion-clips.png',
                 'clipFrames': cfg['motion']['frames']},
        'parity': {k: f'parity/{k}.json' for k in graphs},
        'training': training,
    }
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    return manifest
