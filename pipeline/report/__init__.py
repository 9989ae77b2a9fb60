"""Report rendering: a prepared context, Jinja templates, and one WeasyPrint call."""
