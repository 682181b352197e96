"""ONNX helpers for the export: fp16 weight storage, tensor specs, parity files."""
import hashlib
import json
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

DTYPES = {np.dtype('float32'): 'float32', np.dtype('int64'): 'int64'}


def round_to_half(module):
    """Rounds every float parameter and buffer to fp16 precision (kept as fp32), so that
    storing the weights as fp16 in the graph file loses nothing against the reference."""
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.dtype == torch.float32:
                t.copy_(t.half().float())


def store_weights_fp16(path, min_size=256):
    """Rewrites large fp32 initializers as fp16 plus a Cast back to fp32 (folded by the
    runtime at load): half the file size, the same values after `round_to_half`."""
    model = onnx.load(path)
    graph = model.graph
    casts, keep = [], []
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or arr.size < min_size:
            keep.append(init)
            continue
        half = numpy_helper.from_array(arr.astype(np.float16), init.name + '_fp16')
        keep.append(half)
        casts.append(helper.make_node('Cast', [half.name], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + '_cast'))
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def spec(name, dtype, shape):
    return {'name': name, 'dtype': dtype, 'shape': shape}


def write_parity(out_dir, graph, inputs, outputs):
    """Writes reference inputs and outputs of one graph: parity/<graph>.json indexes the
    tensors, parity/<graph>.bin holds their little-endian bytes."""
    os.makedirs(os.path.join(out_dir, 'parity'), exist_ok=True)
    index, blobs, offset = [], [], 0
    for role, tensors in (('input', inputs), ('output', outputs)):
        for name, value in tensors.items():
            arr = np.ascontiguousarray(value.detach().numpy() if torch.is_tensor(value) else value)
            raw = arr.astype(arr.dtype.newbyteorder('<')).tobytes()
            index.append({'name': name, 'role': role, 'dtype': DTYPES[arr.dtype],
                          'dims': list(arr.shape), 'offset': offset, 'bytes': len(raw)})
            blobs.append(raw)
            offset += len(raw)
    with open(os.path.join(out_dir, 'parity', f'{graph}.bin'), 'wb') as f:
        f.write(b''.join(blobs))
    with open(os.path.join(out_dir, 'parity', f'{graph}.json'), 'w') as f:
        json.dump({'graph': graph, 'file': f'{graph}.bin', 'tensors': index}, f, indent=1)
