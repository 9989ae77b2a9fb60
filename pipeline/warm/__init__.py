"""A warm process: the pipeline kept loaded, so that each command of a checkout starts at once.

Most of a small survey's `estimate`, and a third of its `report`, is Python importing pandas,
SciPy, Arrow and WeasyPrint. `python -m pipeline serve` imports them once and waits on a
socket; `python -m pipeline ...` in the same checkout, interpreter and settings hands its
command line, folder, environment and terminal to that process, which runs it in a fork of
itself, a fresh copy for each command. Without a server, or with any difference that could
change a result (code, packages, interpreter, settings read at import), the command runs in
its own process as always: same bytes, same messages, same exit status either way.

Only the standard library is imported on the command line's side (`client`, `fingerprint`),
so a command that finds no server pays a few milliseconds for looking.
"""
