"""Reading files: the DXF document, the context file, layer maps. No drawing conventions here."""
