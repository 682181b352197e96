"""Autoencoder between 64x64x3 sprites and 16x16x4 latents (the latent space of the diffusion).

The encoder's output is normalised per channel (mean and std measured after training), so the
diffusion sees latents of unit scale; the decoder undoes it. Training adds noise to the latents
so that the decoder turns slightly-off latents from sampling into clean flat-colour sprites.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Res(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.silu(self.c1(F.silu(x))))


class Encoder(nn.Module):
    def __init__(self, zc=4, c1=32, c2=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, c1, 3, stride=2, padding=1), Res(c1),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), Res(c2), nn.SiLU(),
            nn.Conv2d(c2, zc, 1))

    def forward(self, x):
        return self.net(x * 2.0 - 1.0)


class Decoder(nn.Module):
    """Light enough for the edge: ~0.16 GFLOP a frame, pixel-shuffle upsampling."""

    def __init__(self, zc=4, c1=32, c2=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(zc, c2, 3, padding=1), Res(c2),
            nn.Conv2d(c2, c1 * 4, 3, padding=1), nn.PixelShuffle(2), Res(c1),
            nn.Conv2d(c1, 64, 3, padding=1), nn.PixelShuffle(2), nn.SiLU(),
            nn.Conv2d(16, 3, 3, padding=1))

    def forward(self, z):
        return torch.sigmoid(self.net(z))


class Autoencoder(nn.Module):
    def __init__(self, zc=4):
        super().__init__()
        self.encoder, self.decoder = Encoder(zc), Decoder(zc)
        self.register_buffer('mean', torch.zeros(1, zc, 1, 1))
        self.register_buffer('std', torch.ones(1, zc, 1, 1))

    def encode(self, x):
        """Images [B,3,64,64] in [0,1] -> normalised latents [B,4,16,16]."""
        return (self.encoder(x) - self.mean) / self.std

    def decode(self, z):
        """Normalised latents -> images in [0,1]."""
        return self.decoder(z * self.std + self.mean)


class LatentDecoder(nn.Module):
    """The exported edge graph: normalised latents -> uint8-ready RGB in [0, 1]."""

    def __init__(self, ae):
        super().__init__()
        self.ae = ae

    def forward(self, latent):
        return self.ae.decode(latent)


class LatentEncoder(nn.Module):
    def __init__(self, ae):
        super().__init__()
        self.ae = ae

    def forward(self, image):
        return self.ae.encode(image)
