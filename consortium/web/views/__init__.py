"""Blueprints, one module per user group or area; views stay thin and call services."""
