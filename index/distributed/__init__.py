"""Builds spread over several processes or machines; each backend imports its engine lazily."""
