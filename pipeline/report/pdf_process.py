"""The PDF laid out in a second Python process while this one builds the workbook and the web page.

WeasyPrint's layout and PDF writing are most of a report build and hold the interpreter lock
throughout, so threads cannot overlap them with anything. A fresh interpreter can: started
before the HTML exists, it imports WeasyPrint and pikepdf while this process renders the
HTML, then lays it out, writes and finishes the PDF (`render.render_pdf`, then
`tagged_pdf.finish_pdf`), exactly the calls this process would make, so the bytes are the
same. It is a new interpreter (started by exec, not a fork of this one, whose Arrow and BLAS
threads a fork would not carry over safely), and it is given only the HTML and the build's
moment, on its standard input; the PDF comes back on its standard output.

If the interpreter cannot be started, or stops with an error, the error is raised here with
what it printed: a report without its PDF is never written. What it prints otherwise
(WeasyPrint's warnings) is printed here.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `pipeline`, for the new interpreter's path
START = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from pipeline.report.pdf_process import serve; serve()")


class PdfFailed(RuntimeError):
    """The PDF process stopped with an error (its output is in the message)."""


class PdfProcess:
    """A PDF being made in another process: start it early, `send` the HTML, collect the PDF with `result`."""

    def __init__(self) -> None:
        # a file, not a pipe, so that a talkative process never blocks; closed by `result` or `close`
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen([sys.executable, "-c", START, str(PACKAGE_ROOT)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors)
        self._sent = False

    def send(self, html: str, moment: dt.datetime) -> None:
        """Give the process the report's HTML and the build's moment; it starts laying out at once."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(moment.astimezone(dt.UTC).isoformat().encode("ascii") + b"\n" + html.encode("utf-8"))
            stdin.close()
        except BrokenPipeError:  # it stopped before reading: `result` reports why
            pass
        self._sent = True

    def result(self) -> bytes:
        """The finished PDF's bytes, once the process has written them."""
        if not self._sent:
            raise RuntimeError("the HTML was never sent to the PDF process")
        stdout = self._process.stdout
        assert stdout is not None
        pdf = stdout.read()
        stdout.close()
        status = self._process.wait()
        self._errors.seek(0)
        errors = self._errors.read().decode("utf-8", "replace")
        self._errors.close()
        if status != 0:
            raise PdfFailed(f"the PDF could not be made (exit status {status}):\n{errors}")
        sys.stderr.write(errors)  # WeasyPrint's warnings, as they would have been printed here
        return pdf

    def close(self) -> None:
        """Stop the process if it is still running (when the build failed before collecting the PDF)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        if not self._errors.closed:
            self._errors.close()

    def __enter__(self) -> PdfProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def serve() -> None:
    """In the PDF process: import the PDF stack, read the moment and the HTML, write the finished PDF."""
    import weasyprint  # noqa: F401  (imported now, while the other process is still making the HTML)

    from pipeline.report.render import render_pdf
    from pipeline.report.tagged_pdf import finish_pdf

    moment, html = sys.stdin.buffer.read().split(b"\n", 1)
    pdf = finish_pdf(render_pdf(html.decode("utf-8")), dt.datetime.fromisoformat(moment.decode("ascii")))
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
