"""One definition of a support ticket, and everything generated from it."""

from ticket_schema.definition import Definition, DefinitionError, load, loads

__all__ = ["Definition", "DefinitionError", "load", "loads"]
