"""Exports a trained model as a bundle: three ONNX graphs, vocab.json, manifest.json, the
training config, and small parity files (PyTorch inputs and outputs per graph) that the
TypeScript tests replay through onnxruntime-node.

    /usr/bin/python3 gpu-service/training/pixel/export.py --checkpoint runs/pixel-ref/model.pt \
        --out gpu-service/models/pixel-ref
"""
import argparse
import base64
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from preprocess import MEAN, STD, preprocess  # noqa: E402
from world import make_scene  # noqa: E402

OPSET = 17


class EncoderGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, pixel_values):
        return self.encoder(pixel_values)


class LMStepGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.lm = model.lm
        self.layers = model.lm.layers

    def forward(self, image_tokens, input_ids, *past):
        keys, values = list(past[0::2]), list(past[1::2])
        logits, hidden, keys, values = self.lm(image_tokens, input_ids, keys, values)
        presents = [t for kv in zip(keys, values) for t in kv]
        return (logits, hidden, *presents)


class DecoderGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, seg_hidden, features_0, features_1):
        logits, scores, _ = self.decoder(seg_hidden, features_0, features_1)
        return logits, scores


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        h.update(f.read())
    return h.hexdigest()


def spec(name, dtype, shape):
    return {'name': name, 'dtype': dtype, 'shape': shape}


def graph_specs(cfg, vocab_size):
    s, c, d = cfg['image_size'], cfg['decoder_channels'], cfg['hidden']
    ti = (s // 8 // cfg['image_token_pool']) ** 2
    heads, hd = cfg['lm_heads'], cfg['hidden'] // cfg['lm_heads']
    group = cfg['scales'] * cfg['tokens_per_scale']
    past = [spec(f'past_{kv}_{i}', 'float32', ['batch', heads, 'past', hd])
            for i in range(cfg['lm_layers']) for kv in ('key', 'value')]
    present = [spec(f'present_{kv}_{i}', 'float32', ['batch', heads, 'total', hd])
               for i in range(cfg['lm_layers']) for kv in ('key', 'value')]
    return {
        'image_encoder': {
            'file': 'image_encoder.onnx', 'edge': False,
            'inputs': [spec('pixel_values', 'float32', ['batch', 3, s, s])],
            'outputs': [spec('image_tokens', 'float32', ['batch', ti, d]),
                        spec('features_0', 'float32', ['batch', c, s // 8, s // 8]),
                        spec('features_1', 'float32', ['batch', c, s // 4, s // 4])],
        },
        'lm_step': {
            'file': 'lm_step.onnx', 'edge': False,
            'inputs': [spec('image_tokens', 'float32', ['batch', 'image_len', d]),
                       spec('input_ids', 'int64', ['batch', 'seq'])] + past,
            'outputs': [spec('logits', 'float32', ['batch', 'length', vocab_size]),
                        spec('hidden_states', 'float32', ['batch', 'length', d])] + present,
        },
        'pixel_decoder': {
            'file': 'pixel_decoder.onnx', 'edge': True,
            'inputs': [spec('seg_hidden', 'float32', ['targets', group, d]),
                       spec('features_0', 'float32', [1, c, s // 8, s // 8]),
                       spec('features_1', 'float32', [1, c, s // 4, s // 4])],
            'outputs': [spec('mask_logits', 'float32', ['targets', s, s]),
                        spec('scores', 'float32', ['targets'])],
        },
    }


def _dynamic_axes(g):
    axes = {}
    for t in g['inputs'] + g['outputs']:
        named = {i: d for i, d in enumerate(t['shape']) if isinstance(d, str)}
        if named:
            axes[t['name']] = named
    return axes


def _export(module, args, g, path):
    names_in = [t['name'] for t in g['inputs']]
    names_out = [t['name'] for t in g['outputs']]
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=names_in,
                      output_names=names_out, dynamic_axes=_dynamic_axes(g),
                      do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    got_in = [i.name for i in model.graph.input]
    got_out = [o.name for o in model.graph.output]
    if got_in != names_in or got_out != names_out:
        raise RuntimeError(f'{path}: graph names {got_in} {got_out} differ from the manifest')


def _b64(t: torch.Tensor):
    a = t.detach().cpu().numpy()
    dtype = {np.float32: 'float32', np.int64: 'int64'}[a.dtype.type]
    return {'dtype': dtype, 'dims': list(a.shape),
            'data': base64.b64encode(np.ascontiguousarray(a).astype('<' + a.dtype.str[1:])
                                     .tobytes()).decode()}


def _parity(path, graph, names_in, inputs, names_out, outputs):
    record = {'graph': graph,
              'inputs': [dict(name=n, **_b64(t)) for n, t in zip(names_in, inputs)],
              'outputs': [dict(name=n, **_b64(t)) for n, t in zip(names_out, outputs)]}
    with open(path, 'w') as f:
        json.dump(record, f)


def export_bundle(model, vocab, cfg, out_dir, checkpoint=None, log=print, training=None):
    """Writes the bundle into out_dir; returns the manifest."""
    model = model.eval()
    os.makedirs(os.path.join(out_dir, 'parity'), exist_ok=True)
    specs = graph_specs(cfg, len(vocab))
    scene = make_scene(4242, cfg['image_size'])
    pv = torch.from_numpy(preprocess(scene.image, cfg['image_size'])[0])[None]
    layers = cfg['lm_layers']

    with torch.no_grad():
        enc = EncoderGraph(model)
        _export(enc, (pv,), specs['image_encoder'], os.path.join(out_dir, 'image_encoder.onnx'))
        tokens, f0, f1 = enc(pv)
        _parity(os.path.join(out_dir, 'parity', 'image_encoder.json'), 'image_encoder',
                ['pixel_values'], [pv], ['image_tokens', 'features_0', 'features_1'],
                [tokens, f0, f1])

        lm = LMStepGraph(model)
        past_names = [t['name'] for t in specs['lm_step']['inputs'][2:]]
        out_names = [t['name'] for t in specs['lm_step']['outputs']]
        q = torch.tensor([vocab.encode_question('where are the red shapes ?')])
        empty = [torch.zeros(1, model.lm.heads, 0, model.lm.head_dim)] * (2 * layers)
        # Trace with a non-empty past so no axis is specialised to zero.
        trace_past = [torch.randn(1, model.lm.heads, 3, model.lm.head_dim)] * (2 * layers)
        _export(lm, (tokens[:, :2], q[:, :4], *trace_past), specs['lm_step'],
                os.path.join(out_dir, 'lm_step.onnx'))
        prefill = lm(tokens, q, *empty)
        _parity(os.path.join(out_dir, 'parity', 'lm_step_prefill.json'), 'lm_step',
                ['image_tokens', 'input_ids'] + past_names, [tokens, q, *empty],
                out_names, list(prefill))
        step_ids = torch.tensor([vocab.group])
        no_image = tokens[:, :0]
        decode = lm(no_image, step_ids, *prefill[2:])
        _parity(os.path.join(out_dir, 'parity', 'lm_step_decode.json'), 'lm_step',
                ['image_tokens', 'input_ids'] + past_names, [no_image, step_ids, *prefill[2:]],
                out_names, list(decode))

        dec = DecoderGraph(model)
        seg = decode[1][0, :, :][None].repeat(2, 1, 1)
        seg[1] = seg[1] * 0.5
        _export(dec, (seg, f0, f1), specs['pixel_decoder'],
                os.path.join(out_dir, 'pixel_decoder.onnx'))
        logits, scores = dec(seg, f0, f1)
        _parity(os.path.join(out_dir, 'parity', 'pixel_decoder.json'), 'pixel_decoder',
                ['seg_hidden', 'features_0', 'features_1'], [seg, f0, f1],
                ['mask_logits', 'scores'], [logits, scores])

    vocab.write(os.path.join(out_dir, 'vocab.json'))
    ck = torch.load(checkpoint, map_location='cpu') if checkpoint else {}
    stages = ck.get('stages') or [{'config': cfg, 'steps': ck.get('steps')}]
    stage_files = []
    for n, stage in enumerate(stages):
        name = 'config.json' if n == 0 else f'config-stage{n + 1}.json'
        stage_files.append({'config': name, 'steps': stage['steps']})
        with open(os.path.join(out_dir, name), 'w') as f:
            json.dump(stage['config'], f, indent=2)
            f.write('\n')
    for g in specs.values():
        g['sha256'] = sha256(os.path.join(out_dir, g['file']))
    vocab_sha = sha256(os.path.join(out_dir, 'vocab.json'))
    digest = hashlib.sha256(''.join(g['sha256'] for g in specs.values()).encode() + vocab_sha
                            .encode()).hexdigest()
    training = dict(training or {})
    if len(stage_files) > 1:
        training['stages'] = stage_files
    if ck:
        training.setdefault('steps', ck.get('steps'))
        training.setdefault('minutes', ck.get('minutes'))
        training.setdefault('parameters', ck.get('parameters'))
        if ck.get('cpu_minutes') is not None:
            training.setdefault('cpuMinutes', ck['cpu_minutes'])
    manifest = {
        'name': cfg['name'],
        'kind': 'pixel',
        'version': f'{cfg["name"]}-{digest[:12]}',
        'graphs': specs,
        'vocabulary': {'file': 'vocab.json', 'sha256': vocab_sha,
                       'special': {'pad': vocab.pad, 'bos': vocab.bos, 'eos': vocab.eos,
                                   'sep': vocab.sep, 'unk': vocab.unk}},
        'image': {'size': cfg['image_size'], 'resize': 'longest-side', 'mean': list(MEAN),
                  'std': list(STD)},
        'codebook': {'scales': cfg['scales'], 'tokensPerScale': cfg['tokens_per_scale'],
                     'tokenIds': vocab.codebook_ids, 'answer': cfg['answer']},
        'lm': {'layers': layers, 'heads': cfg['lm_heads'],
               'headDim': cfg['hidden'] // cfg['lm_heads'], 'hidden': cfg['hidden'],
               'imageTokens': (cfg['image_size'] // 8 // cfg['image_token_pool']) ** 2,
               'maxAnswerTokens': cfg['max_answer_tokens'],
               'maxPositions': cfg['max_positions']},
        'decoder': {'maskSize': cfg['image_size'], 'levels': 2, 'threshold': 0},
        'training': {'config': 'config.json', 'seed': stages[0]['config']['seed'], **training},
    }
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    log(f'bundle {manifest["version"]} written to {out_dir}')
    return manifest


def main():
    from model import PixelLM
    from vocab import Vocabulary
    ap = argparse.ArgumentParser(description='Export a pixel-ref checkpoint as a bundle.')
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--cpu-minutes', type=float,
                    help='CPU time of the training process, when the checkpoint lacks it')
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.checkpoint, map_location='cpu')
    cfg = ck['config']
    vocab = Vocabulary(cfg['scales'], cfg['tokens_per_scale'])
    model = PixelLM(cfg, len(vocab))
    model.load_trained(ck['model'])
    training = {'cpuMinutes': args.cpu_minutes} if args.cpu_minutes else None
    export_bundle(model, vocab, cfg, args.out, args.checkpoint, training=training)


if __name__ == '__main__':
    main()
