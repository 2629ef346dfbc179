"""Questions for queries: the rule-based SQL -> English realiser (`realise`)."""

from sqlsynth.nl.realise import parse_query, realise

__all__ = ["parse_query", "realise"]
