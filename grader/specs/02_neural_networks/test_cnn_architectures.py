"""Spec for 02_neural_networks/cnn_architectures.py: LeNet-5, an AlexNet block and a ResNet basic block."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.testing import assert_close, assert_shape, check


def _n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _conv(c_in, c_out, k, bias=True):
    return c_out * c_in * k * k + (c_out if bias else 0)


def _linear(n_in, n_out):
    return n_out * n_in + n_out


def _lenet_count(in_ch, classes):
    return _conv(in_ch, 6, 5) + _conv(6, 16, 5) + _linear(400, 120) + _linear(120, 84) + _linear(84, classes)


def _block_count(c_in, c_out, stride):
    """Independently counted: two bias-free 3 x 3 convs, two BNs (2 C each), and the projection when needed."""
    n = _conv(c_in, c_out, 3, bias=False) + _conv(c_out, c_out, 3, bias=False) + 2 * 2 * c_out
    if stride != 1 or c_in != c_out:
        n += _conv(c_in, c_out, 1, bias=False) + 2 * c_out
    return n


def _randomise(module: nn.Module, gen: torch.Generator) -> None:
    """Random weights and BN statistics, so a layer in the wrong place cannot go unnoticed."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.3)


def _bn(x, sd, prefix, training):
    return F.batch_norm(x, sd[prefix + "running_mean"].clone(), sd[prefix + "running_var"].clone(),
                        sd[prefix + "weight"], sd[prefix + "bias"], training=training, eps=1e-5)


def _ref_block(x, sd, stride, training):
    """The basic block, written from the paper with the learner's weights (by name)."""
    out = F.relu(_bn(F.conv2d(x, sd["conv1.weight"], stride=stride, padding=1), sd, "bn1.", training))
    out = _bn(F.conv2d(out, sd["conv2.weight"], padding=1), sd, "bn2.", training)
    if "shortcut.0.weight" in sd:
        short = _bn(F.conv2d(x, sd["shortcut.0.weight"], stride=stride), sd, "shortcut.1.", training)
    else:
        short = x
    return F.relu(out + short)


def test_lenet_shapes_and_parameter_count(learner):
    """LeNet5() maps (N, 1, 32, 32) to (N, 10) logits and has exactly 61,706 parameters; in_channels=3,
    num_classes=100 gives 71,516 (conv1 and fc3 change)."""
    model = learner.LeNet5()
    out = model(torch.zeros(4, 1, 32, 32))
    assert_shape(out, (4, 10), name="LeNet5()(x (4, 1, 32, 32))", hint="the output is one logit per class")
    n = _n_params(model)
    check(n == 61_706, f"LeNet5() has {n:,} parameters; the classic LeNet-5 has 61,706 "
          "(conv1 156, conv2 2,416, fc1 48,120, fc2 10,164, fc3 850)",
          hint="conv1 = Conv2d(1, 6, 5), conv2 = Conv2d(6, 16, 5), fc1 = Linear(16*5*5, 120), fc2 = Linear(120, 84), "
               "fc3 = Linear(84, num_classes); pooling and tanh have no parameters")
    model = learner.LeNet5(in_channels=3, num_classes=100)
    assert_shape(model(torch.zeros(2, 3, 32, 32)), (2, 100), name="LeNet5(3, 100)(x (2, 3, 32, 32))")
    want = _lenet_count(3, 100)
    check(_n_params(model) == want, f"LeNet5(in_channels=3, num_classes=100) has {_n_params(model):,} parameters, "
          f"expected {want:,}", hint="in_channels sets conv1's input channels, num_classes fc3's outputs")


def test_lenet_forward_matches_reference(learner, seed):
    """With random weights, LeNet5's output equals conv/tanh/avg-pool x2, flatten, fc/tanh x2, fc computed
    functionally from its own conv1/conv2/fc1/fc2/fc3 weights (no softmax at the end)."""
    model = learner.LeNet5()
    _randomise(model, torch.Generator().manual_seed(seed))
    sd = model.state_dict()
    x = torch.randn(3, 1, 32, 32, generator=torch.Generator().manual_seed(seed + 1))
    h = F.avg_pool2d(torch.tanh(F.conv2d(x, sd["conv1.weight"], sd["conv1.bias"])), 2)
    h = F.avg_pool2d(torch.tanh(F.conv2d(h, sd["conv2.weight"], sd["conv2.bias"])), 2)
    h = torch.tanh(F.linear(h.flatten(1), sd["fc1.weight"], sd["fc1.bias"]))
    h = torch.tanh(F.linear(h, sd["fc2.weight"], sd["fc2.bias"]))
    want = F.linear(h, sd["fc3.weight"], sd["fc3.bias"])
    assert_close(model(x), want, rtol=1e-4, atol=1e-5, name="LeNet5 logits",
                 hint="conv1 -> tanh -> AvgPool2d(2) -> conv2 -> tanh -> AvgPool2d(2) -> flatten(1) -> fc1 -> tanh -> "
                      "fc2 -> tanh -> fc3; no activation or softmax after fc3")


def test_alexnet_block(learner, seed):
    """AlexNetBlock(3, 96, 11, stride=4, padding=2) has 34,944 parameters and maps 224 x 224 to 96 x 27 x 27 through
    conv -> ReLU -> LRN(5, 1e-4, 0.75, 2) -> MaxPool2d(3, 2); lrn=False / pool=False drop those layers."""
    block = learner.AlexNetBlock(3, 96, 11, stride=4, padding=2)
    n = _n_params(block)
    check(n == _conv(3, 96, 11), f"AlexNetBlock(3, 96, 11) has {n:,} parameters, expected {_conv(3, 96, 11):,}",
          hint="only the convolution has parameters (96 * 3 * 11 * 11 weights + 96 biases)")
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(seed))
    out = block(x)
    assert_shape(out, (1, 96, 27, 27), name="AlexNet's first stage on 224 x 224",
                 hint="conv: floor((224 + 4 - 11) / 4) + 1 = 55; overlapping MaxPool2d(kernel_size=3, stride=2): 27")
    w, b = block.conv.weight, block.conv.bias
    h = F.relu(F.conv2d(x, w, b, stride=4, padding=2))
    assert_close(out, F.max_pool2d(F.local_response_norm(h, 5, alpha=1e-4, beta=0.75, k=2.0), 3, 2),
                 rtol=1e-4, atol=1e-5, name="AlexNetBlock output",
                 hint="conv -> ReLU -> LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0) -> MaxPool2d(3, stride=2)")
    small = learner.AlexNetBlock(3, 8, 3, padding=1, lrn=False, pool=False)
    y = torch.randn(2, 3, 10, 10, generator=torch.Generator().manual_seed(seed + 1))
    assert_close(small(y), F.relu(F.conv2d(y, small.conv.weight, small.conv.bias, padding=1)), rtol=1e-5, atol=1e-6,
                 name="AlexNetBlock(lrn=False, pool=False)", hint="with both off the block is conv -> ReLU")
    pooled = learner.AlexNetBlock(3, 8, 3, padding=1, lrn=False, pool=True)
    assert_shape(pooled(y), (2, 8, 4, 4), name="AlexNetBlock(pool=True) on 10 x 10",
                 hint="MaxPool2d(3, stride=2): floor((10 - 3) / 2) + 1 = 4")


def test_basic_block_adds_identity(learner, seed):
    """BasicBlock(16, 16) has no projection (2 * 16*16*9 + 4 * 16 = 4,672 parameters), and with its conv weights
    zeroed it computes ReLU(0 + x) = ReLU(x): the residual path adds x itself, and the last ReLU follows the sum."""
    block = learner.BasicBlock(16, 16)
    n = _n_params(block)
    check(n == _block_count(16, 16, 1), f"BasicBlock(16, 16) has {n:,} parameters, expected {_block_count(16, 16, 1):,}",
          hint="3 x 3 convs with bias=False (BN follows), two BatchNorm2d, and nn.Identity() as the shortcut when "
               "stride == 1 and in_ch == out_ch")
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.zero_()
    block.eval()
    x = torch.randn(2, 16, 6, 6, generator=torch.Generator().manual_seed(seed))
    assert_close(block(x), F.relu(x), rtol=1e-6, atol=1e-6, name="BasicBlock with zero conv weights, eval mode",
                 hint="y = ReLU(bn2(conv2(...)) + x): add the input itself, then apply the final ReLU "
                      "(a ReLU before the addition gives ReLU(main) + x, which passes negative x through)")


def test_basic_block_projection_shortcut(learner, seed):
    """When the stride is 2 or the channels change, the shortcut is a 1 x 1 conv (bias-free) + BN with that stride:
    BasicBlock(8, 16, 2) maps (2, 8, 7, 7) to (2, 16, 4, 4); BasicBlock(8, 8, 2) and BasicBlock(8, 16, 1) project too."""
    for c_in, c_out, stride, hw in [(8, 16, 2, 4), (8, 8, 2, 4), (8, 16, 1, 7)]:
        block = learner.BasicBlock(c_in, c_out, stride)
        x = torch.randn(2, c_in, 7, 7, generator=torch.Generator().manual_seed(seed))
        try:
            out = block(x)
        except RuntimeError as exc:
            check(False, f"BasicBlock({c_in}, {c_out}, stride={stride}) failed on x (2, {c_in}, 7, 7): {exc}",
                  hint="main(x) and x must have the same shape to be added: project the shortcut whenever stride != 1 "
                       "or in_ch != out_ch")
        assert_shape(out, (2, c_out, hw, hw), name=f"BasicBlock({c_in}, {c_out}, stride={stride})(x (2, {c_in}, 7, 7))",
                     hint="conv1 carries the stride (padding 1), conv2 has stride 1; the projection has the same stride")
        n, want = _n_params(block), _block_count(c_in, c_out, stride)
        check(n == want, f"BasicBlock({c_in}, {c_out}, stride={stride}) has {n:,} parameters, expected {want:,}",
              hint="project whenever stride != 1 OR in_ch != out_ch: nn.Sequential(Conv2d(in_ch, out_ch, 1, stride, "
                   "bias=False), BatchNorm2d(out_ch)); convs before a BN have bias=False")
        ones = [m for m in block.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)]
        check(len(ones) == 1 and ones[0].stride == (stride, stride),
              f"BasicBlock({c_in}, {c_out}, stride={stride}): expected one 1 x 1 projection conv with stride {stride}, "
              f"found {[(m.kernel_size, m.stride) for m in ones]}")


@pytest.mark.parametrize("c_in,c_out,stride", [(8, 8, 1), (8, 16, 2)])
def test_basic_block_matches_reference(learner, seed, c_in, c_out, stride):
    """With random weights and BN statistics, BasicBlock equals the paper's block computed functionally from its own
    conv1/bn1/conv2/bn2/shortcut weights, in train mode (batch statistics) and in eval mode (running statistics)."""
    block = learner.BasicBlock(c_in, c_out, stride)
    _randomise(block, torch.Generator().manual_seed(seed))
    sd = {k: v.clone() for k, v in block.state_dict().items()}
    x = torch.randn(4, c_in, 6, 6, generator=torch.Generator().manual_seed(seed + 1))
    hint = ("y = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x)) with the stride in conv1 and in the projection; "
            "attribute names conv1, bn1, conv2, bn2, shortcut (shortcut.0 the 1 x 1 conv, shortcut.1 its BN)")
    for training in (True, False):
        block.load_state_dict(sd)  # train mode updates the running statistics: start each mode from the same ones
        block.train(training)
        with torch.no_grad():
            got = block(x)
        assert_close(got, _ref_block(x, sd, stride, training), rtol=1e-4, atol=1e-5,
                     name=f"BasicBlock({c_in}, {c_out}, {stride}) in {'train' if training else 'eval'} mode", hint=hint)


def test_resnet18_stage_parameter_counts(learner):
    """ResNet-18's four stages built from BasicBlock have 147,968 / 525,568 / 2,099,712 / 8,393,728 parameters, and
    with the 7 x 7 stem, its BN and the 1000-way fc, ResNet-18's 11,689,512."""
    stages = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
    total = _conv(3, 64, 7, bias=False) + 2 * 64 + _linear(512, 1000)  # stem conv, stem BN, fc
    for c_in, c_out, stride in stages:
        stage = nn.Sequential(learner.BasicBlock(c_in, c_out, stride), learner.BasicBlock(c_out, c_out, 1))
        want = _block_count(c_in, c_out, stride) + _block_count(c_out, c_out, 1)
        n = _n_params(stage)
        check(n == want, f"ResNet-18 stage {c_in} -> {c_out} (stride {stride}) has {n:,} parameters, expected {want:,}",
              hint="each 3 x 3 conv: out * in * 9, no bias; each BN: 2 * channels; projection only in a stage's first block")
        total += n
    check(total == 11_689_512, f"ResNet-18 assembled from your blocks has {total:,} parameters, expected 11,689,512")
