"""chainrule neural networks: modules, layers, losses and optimizers on ``autograd.Value``.

>>> from nn import MLP, SGD, hinge
>>> model = MLP(2, [16, 16, 1])            # tanh hidden layers, linear output, seed 0
>>> opt = SGD(model.parameters(), lr=0.1)
"""

from .layers import ACTIVATIONS, MLP, Layer, Neuron
from .linear import Linear, ReLU, Sequential, Sigmoid, Tanh, TensorMLP
from .losses import (argmax, argmax_accuracy, bce, bce_with_logits, cross_entropy, hinge, l2,
                     log_softmax, logsumexp, mse, sign_accuracy, softmax, threshold_accuracy)
from .model_file import load_model, save_model
from .module import Module, ModelFileError
from .optim import SGD, Adam, Optimizer
from .registry import register_module
from .rng import manual_seed
from .train import fit

__all__ = [
    "register_module",
    "Module", "ModelFileError", "Neuron", "Layer", "MLP", "ACTIVATIONS",
    "mse", "hinge", "l2", "bce", "bce_with_logits", "cross_entropy", "softmax", "log_softmax",
    "logsumexp", "sign_accuracy", "threshold_accuracy", "argmax", "argmax_accuracy",
    "Optimizer", "SGD", "Adam",
    "Linear", "Sequential", "Tanh", "ReLU", "Sigmoid", "TensorMLP", "fit", "manual_seed",
    "save_model", "load_model",
]
