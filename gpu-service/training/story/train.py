"""Trains every part of story-ref and exports the bundle.

    /usr/bin/python3 gpu-service/training/story/train.py                # the full run (~1 h)
    /usr/bin/python3 gpu-service/training/story/train.py --quick --bundle /tmp/story-quick

Options: --run DIR (checkpoints and train.log; default gpu-service/training/runs/story/main),
--bundle DIR (default gpu-service/models/story-ref), --threads N (default from config.json),
--parts autoencoder,classifier,motion,unet,export (default all), --config FILE.
Each part trains for its wall-clock budget in config.json (minutes); --quick runs a few steps.
"""
import json
import os
import sys
import time

# Under contention for the cores, spinning OpenMP threads wait on each other for whole time
# slices: passive waiting keeps two threads at least as fast as one.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autoencoder import Autoencoder  # noqa: E402
from common import HERE, arg, load, load_config, record  # noqa: E402
from export import export_bundle  # noqa: E402
from train_autoencoder import train_autoencoder  # noqa: E402
from train_classifier import train_classifier  # noqa: E402
from train_motion import train_motion  # noqa: E402
from train_unet import train_unet  # noqa: E402

PARTS = ['autoencoder', 'classifier', 'motion', 'unet', 'export']


def main():
    quick = '--quick' in sys.argv
    cfg = load_config(arg('--config'))
    if arg('--threads'):
        cfg['threads'] = int(arg('--threads'))
    run_dir = arg('--run', os.path.join(HERE, '..', 'runs', 'story', 'quick' if quick else 'main'))
    bundle = arg('--bundle', os.path.join(HERE, '..', '..', 'models', 'story-ref'))
    parts = arg('--parts', ','.join(PARTS)).split(',')
    os.makedirs(run_dir, exist_ok=True)
    wall, cpu = time.time(), time.process_time()

    ae = None
    if 'autoencoder' in parts:
        ae = train_autoencoder(cfg, run_dir, quick)
    if 'classifier' in parts:
        train_classifier(cfg, run_dir, quick)
    if ae is None and ('motion' in parts or 'unet' in parts):
        ae = Autoencoder(cfg['autoencoder']['latent_channels'])
        ae.load_state_dict(load(run_dir, 'autoencoder'))
    if 'motion' in parts:
        train_motion(cfg, run_dir, ae, quick)
    if 'unet' in parts:
        train_unet(cfg, run_dir, ae, quick)
    trained = [p for p in parts if p != 'export']
    if trained:
        record(run_dir, f'total ({"+".join(trained)})',
               wall_minutes=round((time.time() - wall) / 60, 2),
               cpu_minutes=round((time.process_time() - cpu) / 60, 2),
               threads=cfg['threads'], torch=torch.__version__,
               load_average_at_end=[round(v, 2) for v in os.getloadavg()])
    if 'export' in parts:
        manifest = export_bundle(cfg, run_dir, bundle)
        print(json.dumps({'bundle': os.path.normpath(bundle), 'version': manifest['version']}))


if __name__ == '__main__':
    main()
