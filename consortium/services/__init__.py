"""Use cases, one module per area. Functions take `session=` and commit once at their boundary."""
