"""Runs cairo-lang 0.14.0.1's `cairo-run` on Python 3.11, for the trace-generation baseline of `just bench`.

cairo-lang 0.14.0.1 declares a dataclass field whose default is another (unhashable) dataclass instance,
which Python 3.11 refuses at import. This launcher turns such defaults into an equivalent default_factory
before cairo-run is imported, and changes nothing else.
"""
import dataclasses
import sys

_get_field = dataclasses._get_field


def _tolerant_get_field(cls, name, type_, *args):
    try:
        return _get_field(cls, name, type_, *args)
    except ValueError as error:
        if "mutable default" not in str(error):
            raise
        current = cls.__dict__.get(name)
        value = current.default if isinstance(current, dataclasses.Field) else current
        setattr(cls, name, dataclasses.field(default_factory=lambda: value))
        return _get_field(cls, name, type_, *args)


dataclasses._get_field = _tolerant_get_field

from starkware.cairo.lang.vm.cairo_run import main  # noqa: E402

sys.exit(main())
