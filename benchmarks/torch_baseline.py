"""Plain PyTorch InfoGAN on MNIST: the hand-written yardstick for keras-infogan.

What it is: the training loop a competent PyTorch user would write by hand for
the InfoGAN paper's MNIST setup (Chen et al. 2016, arXiv 1606.03657): torch.nn
modules in channels-first layout, torch.optim.Adam, data held in memory as one
float32 NCHW tensor and batched by a per-epoch index permutation, the fake
batch generated once per iteration and detached for the D step,
``zero_grad(set_to_none=True)`` and no per-step ``.item()`` host syncs.

What it is not: no torch.compile, no channels_last, no CUDA graphs, no
DataLoader workers, no fused/foreach tuning beyond torch defaults, and no
mixed precision unless ``--bf16`` (bfloat16 autocast of the forward passes,
the losses and the optimizer in float32). It runs on the CPU with torch's
default thread count unless ``--threads`` is set.

Usage:
    python benchmarks/torch_baseline.py --data mnist.npz --batch-size 128 [--bf16]
    python benchmarks/torch_baseline.py --data mnist.npz --sanity-iters 1500
Importable: ``measure(batch_size, steps, warmup, data, bf16) -> images/s``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import resource
import statistics
import time
from typing import Iterator

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

NOISE, N_CAT, N_CONT = 62, 10, 2
BN = dict(momentum=0.01, eps=1e-3)  # == Keras BatchNormalization defaults


def lrelu() -> nn.Module:
    return nn.LeakyReLU(0.1)


def make_models() -> tuple[nn.Module, nn.Module, nn.Module, nn.Module]:
    """Return (G, D trunk, D head, Q head) with the paper's MNIST layers."""
    g = nn.Sequential(
        nn.Linear(NOISE + N_CAT + N_CONT, 1024), nn.BatchNorm1d(1024, **BN), nn.ReLU(),
        nn.Linear(1024, 7 * 7 * 128), nn.BatchNorm1d(7 * 7 * 128, **BN), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64, **BN), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid())
    trunk = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), lrelu(),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128, **BN), lrelu(),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1024), nn.BatchNorm1d(1024, **BN), lrelu())
    d_head = nn.Linear(1024, 1)
    q_head = nn.Sequential(nn.Linear(1024, 128), nn.BatchNorm1d(128, **BN), lrelu(),
                           nn.Linear(128, N_CAT + 2 * N_CONT))
    return g, trunk, d_head, q_head


def load_mnist(path: str, split: str = "train") -> tuple[torch.Tensor, np.ndarray]:
    """Load a Keras-layout mnist.npz split as float32 [0,1] NCHW plus labels."""
    with np.load(path) as f:
        x, y = f[f"x_{split}"], f[f"y_{split}"]
    x = x.astype(np.float32)
    x /= 255.0  # in place: avoid a second 188 MB float copy
    return torch.from_numpy(x).unsqueeze(1), y


def batches(x: torch.Tensor, batch_size: int) -> Iterator[torch.Tensor]:
    """Endless random batches, a fresh permutation per epoch (last partial dropped)."""
    while True:
        perm = torch.randperm(x.shape[0])
        for i in range(0, x.shape[0] - batch_size + 1, batch_size):
            yield x[perm[i:i + batch_size]]


def sample_latent(b: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (G input [b,74], categorical index [b], continuous codes [b,2])."""
    idx = torch.randint(0, N_CAT, (b,))
    cont = torch.rand(b, N_CONT) * 2 - 1
    z = torch.cat([torch.randn(b, NOISE), F.one_hot(idx, N_CAT).float(), cont], 1)
    return z, idx, cont


class InfoGAN:
    """Models, optimizers and one training iteration."""

    def __init__(self, bf16: bool = False) -> None:
        self.g, self.trunk, self.d_head, self.q_head = make_models()
        # bfloat16 autocast for the forward passes; weights, grads and Adam stay float32.
        device = torch.get_default_device().type
        self.precision = (lambda: torch.autocast(device, dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
        adam = dict(betas=(0.5, 0.999), eps=1e-7)
        self.d_opt = torch.optim.Adam([*self.trunk.parameters(), *self.d_head.parameters()],
                                      lr=2e-4, **adam)
        self.g_opt = torch.optim.Adam([*self.g.parameters(), *self.q_head.parameters()],
                                      lr=1e-3, **adam)

    def step(self, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One D step then one G+Q step; returns (d_loss, g_loss) without syncing."""
        b = real.shape[0]
        z, idx, cont = sample_latent(b)
        with self.precision():
            fake = self.g(z)  # forward G once; detached for D
        ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)

        self.d_opt.zero_grad(set_to_none=True)
        with self.precision():
            real_logits, fake_logits = self.d_head(self.trunk(real)), self.d_head(self.trunk(fake.detach()))
        d_loss = (F.binary_cross_entropy_with_logits(real_logits.float(), ones)
                  + F.binary_cross_entropy_with_logits(fake_logits.float(), zeros))
        d_loss.backward()
        self.d_opt.step()

        self.g_opt.zero_grad(set_to_none=True)
        with self.precision():
            h = self.trunk(fake)
            q, g_logits = self.q_head(h).float(), self.d_head(h).float()
        cat_logits, mu, log_std = q[:, :N_CAT], q[:, N_CAT:N_CAT + N_CONT], q[:, N_CAT + N_CONT:]
        cat_loss = F.cross_entropy(cat_logits, idx)
        # Gaussian NLL, summed over the continuous codes, averaged over the batch.
        nll = log_std + 0.5 * ((cont - mu) * torch.exp(-log_std)) ** 2 + 0.5 * math.log(2 * math.pi)
        g_loss = (F.binary_cross_entropy_with_logits(g_logits, ones)
                  + 1.0 * cat_loss + 0.1 * nll.sum(1).mean())
        g_loss.backward()  # also fills trunk/D-head grads; cleared by next D zero_grad
        self.g_opt.step()
        return d_loss, g_loss


def measure(batch_size: int, steps: int, warmup: int, data: str | torch.Tensor, bf16: bool = False) -> float:
    """Train fresh models for warmup + steps iterations; return timed images/s."""
    x = load_mnist(data)[0] if isinstance(data, str) else data
    model, it = InfoGAN(bf16), batches(x, batch_size)
    for _ in range(warmup):
        loss = model.step(next(it))[1]
    if warmup:
        loss.item()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = model.step(next(it))[1]
    loss.item()  # host sync once, at the end of the timed block
    return steps * batch_size / (time.perf_counter() - t0)


def sanity(data: str, iters: int, batch_size: int) -> tuple[float, float]:
    """Train `iters` iterations; return (Hungarian-matched test accuracy of Q's code, seconds)."""
    from scipy.optimize import linear_sum_assignment
    device = torch.get_default_device()
    (x, _), (xt, yt) = load_mnist(data), load_mnist(data, "test")
    x, xt = x.to(device), xt.to(device)
    model, it = InfoGAN(), batches(x, batch_size)
    t0 = time.perf_counter()
    for i in range(1, iters + 1):
        d_loss, g_loss = model.step(next(it))
        if i % 250 == 0 or i == iters:
            print(f"iter {i}: d_loss {d_loss.item():.3f} g_loss {g_loss.item():.3f}", flush=True)
    wall = time.perf_counter() - t0
    model.trunk.eval(), model.q_head.eval()
    with torch.no_grad():
        pred = torch.cat([model.q_head(model.trunk(xt[i:i + 1000]))[:, :N_CAT].argmax(1)
                          for i in range(0, 10000, 1000)]).cpu().numpy()
    counts = np.zeros((N_CAT, 10), dtype=np.int64)
    np.add.at(counts, (pred, yt[:10000]), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return counts[rows, cols].sum() / 10000, wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--sanity-iters", type=int, default=0)
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast of the forward passes")
    p.add_argument("--device", default="cpu", help="torch device: cpu, cuda, ...; the data is moved there once")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.set_default_device(a.device)
    out: dict = {"impl": "torch", "torch": torch.__version__, "batch_size": a.batch_size,
                 "threads": torch.get_num_threads(), "bf16": a.bf16, "device": a.device}
    if a.sanity_iters:
        acc, wall = sanity(a.data, a.sanity_iters, a.batch_size)
        out.update(sanity_iters=a.sanity_iters, sanity_accuracy=acc, sanity_wall_s=wall)
        if not a.json:
            print(f"sanity: {a.sanity_iters} iters in {wall:.1f}s, "
                  f"categorical-code accuracy on 10000 test images: {acc:.4f}")
    else:
        x = load_mnist(a.data)[0].to(a.device)
        rates = []
        for r in range(a.repeats):
            rates.append(measure(a.batch_size, a.steps, a.warmup, x, a.bf16))
            if not a.json:
                print(f"repeat {r}: {rates[-1]:.1f} images/s")
        out.update(steps=a.steps, warmup=a.warmup, images_per_s=rates,
                   median_images_per_s=statistics.median(rates))
        if not a.json:
            print(f"median: {out['median_images_per_s']:.1f} images/s "
                  f"(batch {a.batch_size}, {out['threads']} threads)")
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out) if a.json else f"peak RSS: {out['peak_rss_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
