"""cliff command plugins: one module per resource, one class per verb."""
