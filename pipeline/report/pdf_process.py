"""The PDF laid out in a second Python process while this one builds the workbook and the web page.

WeasyPrint's layout and PDF writing are most of a report build and hold the interpreter lock
throughout, so threads cannot overlap them with anything. A fresh interpreter can: started
before the HTML exists, it imports WeasyPrint and pikepdf while this process analyses the
answers and renders the HTML, then lays it out, writes and finishes the PDF (`make_pdf`),
exactly the calls this process would make, so the bytes are the same. It is a new
interpreter (started by exec, not a fork of this one, whose Arrow and BLAS threads a fork
would not carry over safely), and it is given only the HTML and the build's moment, on its
standard input; the PDF comes back on its standard output. What it prints (WeasyPrint's
warnings) is printed here.

If the interpreter cannot be started, or stops without a PDF, this process says so on stderr
and makes the PDF itself: slower, the same bytes, and an error in the HTML is then raised
here with its traceback. A report is never written with a PDF cut short.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import os
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import suppress
from pathlib import Path
from typing import IO

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `pipeline`, for the new interpreter's path
# Set in a warm process's command (`fork_pdf_processes`): the PDF process is a fork of this one.
_FORKED = False
START = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from pipeline.report.pdf_process import serve; serve()")


def make_pdf(html: str, moment: dt.datetime) -> bytes:
    """The finished PDF of the report's HTML, dated `moment`: laid out, written, tagged and dated."""
    from pipeline.report.render import render_pdf
    from pipeline.report.tagged_pdf import finish_pdf

    return finish_pdf(render_pdf(html), moment)


class PdfProcess:
    """A PDF being made in another process: start it early, `send` the HTML, collect the PDF with `result`."""

    def __init__(self) -> None:
        self._html: str | None = None
        self._moment = dt.datetime.fromtimestamp(0, dt.UTC)
        self._writer: threading.Thread | None = None
        # a file, not a pipe, so that a talkative process never blocks; closed by `result` or `close`
        self._errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._process: subprocess.Popen | ForkedPdfProcess | None
        try:
            if _FORKED:
                self._process = ForkedPdfProcess(self._errors.fileno())
            else:
                self._process = subprocess.Popen([sys.executable, "-c", START, str(PACKAGE_ROOT)],
                                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors)
        except OSError as error:
            self._process = None
            self._errors.write(f"{error}\n".encode())

    def send(self, html: str, moment: dt.datetime) -> None:
        """Give the process the report's HTML and the build's moment; it starts laying out at once.

        The HTML is larger than a pipe holds, so a thread writes it: this process goes on at once
        even if the other has not finished starting and reads it only later.
        """
        self._html, self._moment = html, moment
        if self._process is None or self._process.stdin is None:
            return
        data = moment.astimezone(dt.UTC).isoformat().encode("ascii") + b"\n" + html.encode("utf-8")
        self._writer = threading.Thread(target=_write_and_close, args=(self._process.stdin, data), daemon=True)
        self._writer.start()

    def result(self) -> bytes:
        """The finished PDF's bytes, from the other process, or made here if it could not make them."""
        if self._html is None:
            raise RuntimeError("the HTML was never sent to the PDF process")
        pdf, status = b"", None
        if self._process is not None and self._process.stdout is not None:
            pdf = self._process.stdout.read()
            if self._writer is not None:
                self._writer.join()
            self._process.stdout.close()
            status = self._process.wait()
        self._errors.seek(0)
        printed = self._errors.read().decode("utf-8", "replace")
        self._errors.close()
        if status == 0:
            sys.stderr.write(printed)  # WeasyPrint's warnings, as they would have been printed here
            return pdf
        reason = "could not be started" if status is None else f"stopped with exit status {status}"
        print(f"warning: the process laying out the PDF {reason}; laying it out here instead.\n{printed}",
              end="", file=sys.stderr)
        return make_pdf(self._html, self._moment)

    def close(self) -> None:
        """Stop the process if it is still running (when the build failed before collecting the PDF)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            if self._writer is not None:
                self._writer.join()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None and not stream.closed:
                    with suppress(BrokenPipeError):  # what was left to write will never be read
                        stream.close()
        if not self._errors.closed:
            self._errors.close()

    def __enter__(self) -> PdfProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def fork_pdf_processes() -> None:
    """From now on, make the PDF process as a fork of this one.

    Only for a process that has WeasyPrint warmed and runs no analysis yet: a warm process's
    command, before its analysis starts.
    """
    global _FORKED
    _FORKED = True


class ForkedPdfProcess:
    """The PDF process as a fork of this one, with the part of `subprocess.Popen` that PdfProcess uses.

    The fork holds nothing of this process's but its two pipes and the file for what it
    prints: not the command's output folder lock, standard streams or connection, which an
    interpreter started by `subprocess` would not inherit either.
    """

    def __init__(self, errors: int) -> None:
        html_read, html_write = os.pipe()
        try:
            pdf_read, pdf_write = os.pipe()
        except OSError:
            os.close(html_read)
            os.close(html_write)
            raise
        self.returncode: int | None = None
        try:
            self.pid = os.fork()
        except OSError:
            for descriptor in (html_read, html_write, pdf_read, pdf_write):
                os.close(descriptor)
            raise
        if self.pid == 0:
            status = 1
            try:
                _keep_only_descriptors(html_read, pdf_write, errors)
                sys.stderr = os.fdopen(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False,
                                       buffering=1)
                status = _serve_forked(html_read, pdf_write)
            except BaseException:  # printed for the command's warning, as an interpreter would
                import traceback

                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(status)
        os.close(html_read)
        os.close(pdf_write)
        self.stdin: IO[bytes] | None = os.fdopen(html_write, "wb")
        self.stdout: IO[bytes] | None = os.fdopen(pdf_read, "rb")

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)


def _keep_only_descriptors(html_read: int, pdf_write: int, errors: int) -> None:
    """In the fork: standard input and output from /dev/null, errors to the file, every other descriptor closed."""
    nothing = os.open(os.devnull, os.O_RDWR)
    for target, source in ((0, nothing), (1, nothing), (2, errors)):
        os.dup2(source, target)
    keep = sorted({0, 1, 2, html_read, pdf_write})
    for low, high in zip(keep, [*keep[1:], max(keep[-1] + 1, os.sysconf("SC_OPEN_MAX"))], strict=True):
        os.closerange(low + 1, high)


def _serve_forked(html_read: int, pdf_write: int) -> int:
    """In the forked PDF process: read the moment and the HTML, write the finished PDF (exit status 0)."""
    gc.disable()
    with os.fdopen(html_read, "rb") as source:
        pdf = _pdf_of_request(source.read())
    with os.fdopen(pdf_write, "wb") as target:
        target.write(pdf)
    return 0


def _pdf_of_request(request: bytes) -> bytes:
    """The PDF for what `PdfProcess.send` wrote: the moment's ISO text, a line break, the HTML."""
    moment, html = request.split(b"\n", 1)
    return make_pdf(html.decode("utf-8"), dt.datetime.fromisoformat(moment.decode("ascii")))


def _write_and_close(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except (BrokenPipeError, ValueError):  # it stopped before reading, or was stopped: `result` or `close` say so
        pass


def serve() -> None:
    """In the PDF process: warm up the PDF stack, read the moment and the HTML, write the finished PDF.

    The cyclic garbage collector is off: WeasyPrint makes hundreds of thousands of objects, which
    the collector would scan again and again (a tenth of the time), and the process ends as soon
    as the PDF is written, freeing everything.
    """
    gc.disable()
    warm_up()
    pdf = _pdf_of_request(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    sys.stderr.flush()
    os._exit(0)  # the PDF is out: tearing down WeasyPrint's objects would only delay the end of the output


def warm_up() -> None:
    """Make a one-page PDF in the report's stylesheet and fonts, with a table and a chart's text.

    While the other process is still analysing the answers, this imports what WeasyPrint imports
    on first use and starts Pango, fontconfig and HarfBuzz with the report's fonts, which would
    otherwise delay the report's own layout. Nothing of it is kept: each PDF has its own fonts.
    """
    from pipeline.report.render import ASSETS

    chart = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="20pt" height="10pt" '
                             b'viewBox="0 0 20 10"><text x="0" y="8" style="font-size: 8px; '
                             b"font-family: 'Report Sans'\">1%</text></svg>").decode("ascii")
    page = (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>-</title><style>'
            f'{(ASSETS / "report.css").read_text(encoding="utf-8")}</style></head><body><h1>-</h1><p>a <b>b</b> '
            f'<i>c</i></p><table><thead><tr><th scope="col">d</th></tr></thead><tbody><tr><th scope="row">e</th>'
            f'<td>1</td></tr></tbody></table><figure><img src="data:image/svg+xml;base64,{chart}" alt="f">'
            f"</figure></body></html>")
    make_pdf(page, dt.datetime.fromtimestamp(0, dt.UTC))
