"""Sunlight hours (日照): sun positions on the standard day, the shading kernel, the sunlight check."""
