"""The attack corpus: hostile and odd inputs made by `generate.py` (tests/test_attacks.py)."""
