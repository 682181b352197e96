"""Attribute-and-pose classifier over 64x64 frames, used only to measure generated stories:
one head per attribute (hair, skin, shirt, trousers, hat), the action and the setting."""
import torch
import torch.nn as nn

from data import CLASSES, HEADS


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        chans = [3, 32, 64, 96, 128]
        layers = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.BatchNorm2d(cout),
                       nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.SiLU()]
        self.features = nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 16, 256), nn.SiLU())
        self.heads = nn.ModuleList([nn.Linear(256, len(CLASSES[h])) for h in HEADS])

    def forward(self, image):
        """image: [B, 3, 64, 64] in [0, 1] -> one logits tensor per head, in HEADS order."""
        f = self.features(image * 2.0 - 1.0)
        return tuple(head(f) for head in self.heads)


def augment(x, g=None):
    """Makes the classifier robust to decoded samples: blur, noise, a small shift."""
    b = x.shape[0]
    blur = torch.nn.functional.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    w = torch.rand(b, 1, 1, 1, generator=g) * 0.7
    x = x * (1 - w) + blur * w
    x = x + torch.randn(x.shape, generator=g) * torch.rand(b, 1, 1, 1, generator=g) * 0.06
    dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=g))
    x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    return x.clamp(0, 1)
