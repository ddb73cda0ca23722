"""plancheck: check site-plan drawings against municipal planning regulations.

The package is laid out as the pipeline it runs:
read (files) -> extract (drawing conventions) -> model (site, indicators)
-> evaluate (rules) -> results (the report) -> render (terminal, json, html...).
Imports only go downhill along that line.
"""

__version__ = "0.1.0"
