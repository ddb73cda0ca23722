"""Evaluating rulesets against a site model: the rule engine and its generic check kinds."""
