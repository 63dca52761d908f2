"""Datasets: IDX reader, MNIST, Fashion-MNIST, two-moons."""
