"""The site model: typed, unit-free (metres), north-up objects built from a drawing."""
