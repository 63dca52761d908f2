"""chainrule neural networks."""
