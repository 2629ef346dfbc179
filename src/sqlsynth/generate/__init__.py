"""Query generators (walk, templates, LLM), the complexity spec and exact measurement."""
