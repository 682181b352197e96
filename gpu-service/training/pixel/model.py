"""PixelLM at a small width: image encoder, causal LM with a codebook, pixel decoder, losses."""
import torch
from torch import nn
from torch.nn import functional as F

from data import DENSE_GROUPS, OBJECT_CLASSES
from encoder import ImageEncoder
from lm import PixelLanguageModel
from pixel_decoder import PixelDecoder


def dice_loss(logits, target):
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    return (1 - (2 * (p * t).sum(1) + 1) / (p.sum(1) + t.sum(1) + 1)).mean()


def soft_ce(logits, semantic):
    """Soft cross-entropy per group of logits [B, sum(groups), h, w] against class maps
    [B, 3, S, S] averaged over each h×w cell."""
    total, start = 0.0, 0
    for g, n in enumerate(DENSE_GROUPS):
        onehot = F.one_hot(semantic[:, g], n).permute(0, 3, 1, 2).float()
        target = F.adaptive_avg_pool2d(onehot, logits.shape[-2:])
        logp = F.log_softmax(logits[:, start:start + n], 1)
        total = total - (target * logp).sum(1).mean()
        start += n
    return total


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
        # Training only: dense colour / kind / size maps from both feature levels and from the
        # image tokens (each token predicts its pool×pool cells of the deep level).
        c, n = cfg['decoder_channels'], sum(DENSE_GROUPS)
        self.pool = cfg['image_token_pool']
        self.dense_f0 = nn.Conv2d(c, n, 1)
        self.dense_f1 = nn.Conv2d(c, n, 1)
        self.dense_tokens = nn.Linear(cfg['hidden'], n * self.pool ** 2)

    def load_trained(self, state):
        """Loads a checkpoint; heads used only as training losses may be absent."""
        result = self.load_state_dict(state, strict=False)
        bad = [k for k in result.missing_keys if not k.startswith(('dense_', 'object_head'))]
        if bad or result.unexpected_keys:
            raise RuntimeError(f'checkpoint does not fit: missing {bad}, '
                               f'unexpected {result.unexpected_keys}')
        return self

    def dense_loss(self, image_tokens, f0, f1, semantic):
        b, t, _ = image_tokens.shape
        g, k = int(round(t ** 0.5)), self.pool
        tok = self.dense_tokens(image_tokens).reshape(b, g, g, k, k, -1)
        tok = tok.permute(0, 5, 1, 3, 2, 4).reshape(b, -1, g * k, g * k)
        return (soft_ce(self.dense_f0(f0), semantic) + soft_ce(self.dense_f1(f1), semantic)
                + soft_ce(tok, semantic)) / 3

    def forward(self, batch):
        image_tokens, f0, f1 = self.encoder(batch['pixel_values'])
        objects = F.binary_cross_entropy_with_logits(self.object_head(image_tokens),
                                                     batch['object_grid'])
        dense = self.dense_loss(image_tokens, f0, f1, batch['semantic'])
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
        out = {'ce': ce, 'objects': objects, 'dense': dense}
        extra = w.get('objects', 0) * objects + w.get('dense', 0) * dense
        owners = batch['owners']
        if len(owners) == 0:
            out['loss'] = ce + extra
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
                       + w['score'] * score_loss + extra)
        return out
