"""Renderings of report.json: terminal summary, JSON file, (HTML, figures, SARIF, JUnit...)."""
