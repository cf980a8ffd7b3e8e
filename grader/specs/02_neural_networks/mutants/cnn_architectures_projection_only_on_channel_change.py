"""Mutant: the projection shortcut is used only when the channel count changes, not when the stride does."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def count_parameters(module: nn.Module) -> int:
    """The number of trainable scalars in `module` (buffers such as BN running stats excluded)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class LeNet5(nn.Module):
    """LeNet-5 for (N, in_channels, 32, 32) inputs: logits (N, num_classes)."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
        """Layers conv1, conv2 (5 x 5), fc1, fc2, fc3, with tanh and 2 x 2 average pooling between them."""
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5)  # 32 -> 28
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)  # 14 -> 10
        self.pool = nn.AvgPool2d(2)  # LeNet's "subsampling": 28 -> 14, 10 -> 5
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, in_channels, 32, 32) -> logits (N, num_classes)."""
        x = self.pool(torch.tanh(self.conv1(x)))  # (N, 6, 14, 14)
        x = self.pool(torch.tanh(self.conv2(x)))  # (N, 16, 5, 5)
        x = x.flatten(1)  # (N, 400), keeping the batch dimension
        x = torch.tanh(self.fc1(x))  # (N, 120)
        x = torch.tanh(self.fc2(x))  # (N, 84)
        return self.fc3(x)  # (N, num_classes) logits


class AlexNetBlock(nn.Module):
    """Conv -> ReLU -> optional LRN -> optional overlapping MaxPool2d(3, stride 2)."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 lrn: bool = True, pool: bool = True) -> None:
        """Layers conv, lrn (LocalResponseNorm or None) and pool (MaxPool2d(3, 2) or None)."""
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding)
        self.lrn = nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0) if lrn else None
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2) if pool else None  # window 3 > stride 2: overlapping

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, in_ch, H, W) -> (N, out_ch, H', W')."""
        x = torch.relu(self.conv(x))
        if self.lrn is not None:
            x = self.lrn(x)  # normalise across neighbouring channels, after the ReLU as in the paper
        if self.pool is not None:
            x = self.pool(x)
        return x


class BasicBlock(nn.Module):
    """ResNet's basic block: ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        """Layers conv1, bn1, conv2, bn2 and shortcut (nn.Identity, or a 1 x 1 conv + BN projection)."""
        super().__init__()
        # no conv bias: the batch norm after each conv removes the mean, and its beta plays the bias
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        if in_ch != out_ch:  # project x when the channels change
            self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_ch))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, in_ch, H, W) -> (N, out_ch, ceil(H / stride), ceil(W / stride))."""
        out = torch.relu(self.bn1(self.conv1(x)))  # (N, out_ch, H', W')
        out = self.bn2(self.conv2(out))  # no ReLU yet: the residual is added first
        return torch.relu(out + self.shortcut(x))
