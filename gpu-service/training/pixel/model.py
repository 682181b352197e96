"""PixelLM at a small width: image encoder, causal LM with a codebook, pixel decoder, losses."""
import torch
from torch import nn
from torch.nn import functional as F

from data import OBJECT_CLASSES
from encoder import ImageEncoder
from lm import PixelLanguageModel
from pixel_decoder import PixelDecoder


def dice_loss(logits, target):
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    return (1 - (2 * (p * t).sum(1) + 1) / (p.sum(1) + t.sum(1) + 1)).mean()


class PixelLM(nn.Module):
    def __init__(self, cfg, vocab_size):
        super().__init__()
        self.cfg = cfg
        self.encoder = ImageEncoder(cfg)
        self.lm = PixelLanguageModel(cfg, vocab_size)
        self.decoder = PixelDecoder(cfg)
        # Training only (not exported): image tokens predict which objects sit in their cell,
        # standing in for the pretrained vision tower a full-size PixelLM starts from.
        self.object_head = nn.Linear(cfg['hidden'], OBJECT_CLASSES)

    def forward(self, batch):
        image_tokens, f0, f1 = self.encoder(batch['pixel_values'])
        objects = F.binary_cross_entropy_with_logits(self.object_head(image_tokens),
                                                     batch['object_grid'])
        image_index = batch['image_index']
        image_tokens = image_tokens[image_index]
        b = image_tokens.shape[0]
        keys, values = self.lm.empty_past(b, image_tokens)
        logits, hidden, _, _ = self.lm(image_tokens, batch['input_ids'], keys, values)
        ti = image_tokens.shape[1]
        text_logits = logits[:, ti:]
        ce = F.cross_entropy(text_logits.reshape(-1, text_logits.shape[-1]),
                             batch['labels'].reshape(-1), ignore_index=-100)
        w = self.cfg['loss_weights']
        out = {'ce': ce, 'objects': objects}
        owners = batch['owners']
        if len(owners) == 0:
            out['loss'] = ce + w.get('objects', 0) * objects
            return out
        seg_hidden = hidden[owners[:, None], ti + batch['seg_positions']]     # [T, L*N, d]
        images = image_index[owners]
        mask_logits, scores, mask0 = self.decoder(seg_hidden, f0[images], f1[images])
        target = batch['masks']
        bce = F.binary_cross_entropy_with_logits(mask_logits, target)
        dice = dice_loss(mask_logits, target)
        coarse_t = F.avg_pool2d(target[:, None], target.shape[-1] // mask0.shape[-1])[:, 0]
        aux = F.binary_cross_entropy_with_logits(mask0, coarse_t)
        with torch.no_grad():
            pred = mask_logits > 0
            inter = (pred & (target > 0.5)).flatten(1).sum(1).float()
            union = (pred | (target > 0.5)).flatten(1).sum(1).float()
            iou = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
        score_loss = F.mse_loss(scores, iou)
        out.update(bce=bce, dice=dice, aux=aux, iou=iou.mean())
        out['loss'] = (w['ce'] * ce + w['bce'] * bce + w['dice'] * dice + w['aux'] * aux
                       + w['score'] * score_loss + w.get('objects', 0) * objects)
        return out
