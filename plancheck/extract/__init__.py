"""Drawing conventions (PCDS-1): turn DXF entities into site-model objects and drawing findings."""
