"""The results model: findings and the one report every output is rendered from."""
