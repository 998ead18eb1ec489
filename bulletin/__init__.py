"""Automated quarterly bulletin of regional hi-tech exports."""
__version__ = "0.1.0"
