"""The backend interface, one Protocol per resource family; ``base.Backend`` joins them."""
