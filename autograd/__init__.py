"""chainrule: reverse-mode automatic differentiation (placeholder, filled by the core)."""
