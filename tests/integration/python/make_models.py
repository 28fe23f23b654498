"""Scripts the TorchScript models the model-interop test trains (python3-torch
1.13, the same TorchScript format as LibTorch 1.13).

Usage: make_models.py OUT_DIR CHANNELS SIDE CLASSES [SEED]
Writes OUT_DIR/{mlp,cnn_bn,no_features,wrong_classes,throws,no_forward}.pt, initialised
by PyTorch's default rules from torch.manual_seed(SEED) (default 0).
"""
import sys

import torch
from torch import nn


class Mlp(nn.Module):
    """784-100-100-classes like mnemo's built-in MLP, with a features method."""

    def __init__(self, inputs: int, classes: int):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(inputs, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU())
        self.head = nn.Linear(100, classes)

    @torch.jit.export
    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.features(x))


class CnnBn(nn.Module):
    """Conv-BatchNorm-ReLU twice, pooled, then a linear head: buffers that must survive a resume."""

    def __init__(self, channels: int, classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.head = nn.Linear(16, classes)

    @torch.jit.export
    def features(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        return torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)

    def forward(self, x):
        return self.head(self.features(x))


class NoFeatures(nn.Module):
    def __init__(self, inputs: int, classes: int):
        super().__init__()
        self.fc = nn.Linear(inputs, classes)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


class Throws(nn.Module):
    """Expects 3-channel 32x32 images: fails on any other input."""

    def __init__(self, classes: int):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, classes)

    def forward(self, x):
        return self.fc(x.view(-1, 3 * 32 * 32))


class NoForward(nn.Module):
    """A module whose only method is not forward."""

    def __init__(self, inputs: int, classes: int):
        super().__init__()
        self.fc = nn.Linear(inputs, classes)

    @torch.jit.export
    def predict(self, x):
        return self.fc(torch.flatten(x, 1))


def main():
    out, channels, side, classes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    inputs = channels * side * side
    torch.manual_seed(int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    models = {
        "mlp": Mlp(inputs, classes),
        "cnn_bn": CnnBn(channels, classes),
        "no_features": NoFeatures(inputs, classes),
        "wrong_classes": NoFeatures(inputs, classes + 1),
        "throws": Throws(classes),
        "no_forward": NoForward(inputs, classes),
    }
    for name, model in models.items():
        torch.jit.save(torch.jit.script(model), f"{out}/{name}.pt")


if __name__ == "__main__":
    main()
