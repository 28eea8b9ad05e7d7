"""DepthwiseConv2d: the faster CPU backward gives PyTorch's gradients, and the layer stays exportable."""

import pytest
import torch
import torch.nn.functional as F

from litemedseg.models.layers import ConvNormAct, DepthwiseConv2d


@pytest.mark.parametrize(("kernel", "dilation"), [(7, 1), (5, 2), (3, 1), (3, 2), (3, 3)])
@pytest.mark.parametrize("channels_last", [False, True])
def test_gradients_equal_the_reference_convolution(kernel, dilation, channels_last):
    torch.manual_seed(0)
    conv = DepthwiseConv2d(12, 12, kernel, 1, dilation * (kernel - 1) // 2, dilation, 12, bias=False)
    x = torch.randn(3, 12, 16, 20)
    if channels_last:
        conv, x = conv.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_()
    out = conv(x)
    grad = torch.randn_like(out)
    fast = torch.autograd.grad(out, (x, conv.weight), grad)
    ref_out = F.conv2d(x, conv.weight, None, 1, conv.padding, conv.dilation, 12)
    reference = torch.autograd.grad(ref_out, (x, conv.weight), grad)
    assert torch.allclose(out, ref_out)
    for mine, theirs in zip(fast, reference):
        assert torch.allclose(mine, theirs, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(("kernel", "dilation", "grouped"), [(7, 1, True), (5, 1, True), (3, 1, False), (3, 3, False)])
def test_grouped_weight_gradient_only_for_kernels_where_it_is_faster(kernel, dilation, grouped):
    conv = DepthwiseConv2d(8, 8, kernel, 1, dilation * (kernel - 1) // 2, dilation, 8, bias=False)
    name = type(conv(torch.randn(2, 8, 12, 12)).grad_fn).__name__
    assert (name == "_DepthwiseConvFunctionBackward") is grouped, name


def test_conv_norm_act_uses_it_only_for_stride_1_depthwise_and_keeps_state_dict_keys():
    assert isinstance(ConvNormAct(8, 8, 7, groups=8)[0], DepthwiseConv2d)
    assert type(ConvNormAct(8, 8, 3, stride=2, groups=8)[0]) is torch.nn.Conv2d
    assert type(ConvNormAct(8, 16, 1)[0]) is torch.nn.Conv2d
    assert list(ConvNormAct(8, 8, 7, groups=8).state_dict()) == ["0.weight", "1.weight", "1.bias", "1.running_mean",
                                                                 "1.running_var", "1.num_batches_tracked"]


def test_eval_and_script_paths_are_the_plain_convolution():
    conv = DepthwiseConv2d(4, 4, 3, 1, 1, 1, 4, bias=False).eval()
    x = torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        assert torch.equal(torch.jit.script(conv)(x), conv(x))
