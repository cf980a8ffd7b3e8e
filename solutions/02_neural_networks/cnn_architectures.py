"""Classic CNN architectures as nn.Modules: LeNet-5, an AlexNet block, a ResNet basic block.

Goal
----
Write three building blocks from the papers that shaped computer vision,
with the exact layer sizes, so that their shapes and parameter counts match
the published ones:

* ``LeNet5``: LeCun et al. (1998) for 32 x 32 grey digits: two conv / tanh /
  average-pool stages and three fully connected layers (61,706 parameters for
  10 classes);
* ``AlexNetBlock``: Krizhevsky et al. (2012)'s stage: a convolution, ReLU,
  optional local response normalisation, optional *overlapping* max pooling;
* ``BasicBlock``: He et al. (2016)'s residual block of ResNet-18/34: two 3 x 3
  convolutions with batch norm, added to a shortcut that is the identity, or a
  1 x 1 convolution + batch norm when the block changes the resolution or the
  number of channels.

Why it matters
--------------
Designing a CNN is mostly bookkeeping: channels in and out, feature-map
sizes after each stride and pool, and the size of the first fully connected
layer. Counting parameters by hand is how you check that bookkeeping, and
how you see where a network's parameters live (LeNet: 78% in its first fully
connected layer; ResNet: in the convolutions). The residual connection
y = F(x) + x is the idea that made networks of 100+ layers trainable: the
block only has to learn a correction to the identity.

The maths
---------
Parameter counts. A Conv2d(C_in, C_out, k) has C_out * C_in * k * k weights
plus C_out biases (none with bias=False); a Linear(n_in, n_out) has
n_out * n_in + n_out; a BatchNorm2d(C) has 2 C (gamma and beta; its running
mean and variance are buffers, not parameters); pooling, ReLU, tanh and LRN
have none.

LeNet5 (input (N, 1, 32, 32)), attribute names in brackets:

    [conv1] Conv2d(1, 6, 5)   -> tanh -> AvgPool2d(2)   32 -> 28 -> 14
    [conv2] Conv2d(6, 16, 5)  -> tanh -> AvgPool2d(2)   14 -> 10 -> 5
    flatten (N, 16 * 5 * 5 = 400)
    [fc1] Linear(400, 120) -> tanh -> [fc2] Linear(120, 84) -> tanh -> [fc3] Linear(84, num_classes)

The output is the logits (no softmax: nn.CrossEntropyLoss applies it).
in_channels other than 1 changes conv1 only.

AlexNetBlock(in_ch, out_ch, kernel_size, stride=1, padding=0, lrn=True, pool=True):

    [conv] Conv2d(in_ch, out_ch, kernel_size, stride, padding) -> ReLU
    [lrn]  LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)   if lrn, else None
    [pool] MaxPool2d(kernel_size=3, stride=2)                        if pool, else None

AlexNet's first stage is AlexNetBlock(3, 96, 11, stride=4, padding=2):
224 -> 55 -> 27. The pool's window (3) is larger than its stride (2), so
windows overlap.

BasicBlock(in_ch, out_ch, stride=1):

    main:     [conv1] Conv2d(in_ch, out_ch, 3, stride, padding=1, bias=False) -> [bn1] -> ReLU
              [conv2] Conv2d(out_ch, out_ch, 3, 1, padding=1, bias=False) -> [bn2]
    shortcut: nn.Identity()                                          if stride == 1 and in_ch == out_ch
              nn.Sequential(Conv2d(in_ch, out_ch, 1, stride, bias=False), BatchNorm2d(out_ch))   otherwise
    y = ReLU(main(x) + shortcut(x))

The convolutions have no bias because the batch norm right after them
subtracts the mean anyway (its beta is the bias). The last ReLU comes
*after* the addition. The projection is needed whenever the shapes of
main(x) and x differ: a stride of 2 halves H and W, a new channel count
changes C.

API
---
    LeNet5(in_channels=1, num_classes=10)            forward: (N, in_channels, 32, 32) -> (N, num_classes)
    AlexNetBlock(in_ch, out_ch, kernel_size, stride=1, padding=0, lrn=True, pool=True)
                                                     forward: (N, in_ch, H, W) -> (N, out_ch, H', W')
    BasicBlock(in_ch, out_ch, stride=1)              forward: (N, in_ch, H, W) -> (N, out_ch, ceil(H/stride), ceil(W/stride))
    count_parameters(module)                         -> int (given)

Use the attribute names above (the grader loads weights by name).

Worked example
--------------
    >>> count_parameters(LeNet5())                  # 156 + 2,416 + 48,120 + 10,164 + 850
    61706
    >>> AlexNetBlock(3, 96, 11, stride=4, padding=2)(torch.zeros(1, 3, 224, 224)).shape
    torch.Size([1, 96, 27, 27])
    >>> count_parameters(BasicBlock(64, 64))         # 2 * 64*64*9 + 2 * 2*64
    73984
    >>> count_parameters(BasicBlock(64, 128, stride=2))   # + the 1 x 1 projection (8,192) and its BN (256)
    230144

Reference
---------
LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document
recognition" (1998); Krizhevsky, Sutskever & Hinton, "ImageNet classification
with deep convolutional neural networks" (2012), section 3.3-3.4; He, Zhang,
Ren & Sun, "Deep residual learning for image recognition" (2016), section 3.3
(projection shortcuts, option B) and Table 1.
"""

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
        if stride != 1 or in_ch != out_ch:  # x and main(x) differ in resolution or channels: project x
            self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_ch))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, in_ch, H, W) -> (N, out_ch, ceil(H / stride), ceil(W / stride))."""
        out = torch.relu(self.bn1(self.conv1(x)))  # (N, out_ch, H', W')
        out = self.bn2(self.conv2(out))  # no ReLU yet: the residual is added first
        return torch.relu(out + self.shortcut(x))
