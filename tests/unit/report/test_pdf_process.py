"""The PDF made in a second process is the PDF this process would make; when that process fails, this one makes it."""

import datetime as dt

import pytest

from pipeline.report import pdf_process
from pipeline.report.pdf_process import PdfProcess, make_pdf

PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Twin</title>
<meta name="dcterms.created" content="2020-01-02T03:04:05Z"></head>
<body><h1>Café</h1><table><thead><tr><th scope="col">A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>
</body></html>"""
MOMENT = dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def made_here() -> bytes:
    return make_pdf(PAGE, MOMENT)


def test_the_other_process_writes_the_same_bytes_as_this_one(made_here, capsys):
    with PdfProcess() as process:
        process.send(PAGE, MOMENT)
        made_there = process.result()
    assert made_there.startswith(b"%PDF-") and made_there == made_here
    assert capsys.readouterr().err == ""


def test_when_it_stops_without_a_pdf_this_process_says_why_and_makes_it(monkeypatch, capsys, made_here):
    monkeypatch.setattr(pdf_process, "START", "import sys; sys.stdin.read(); sys.stdout.write('%PDF-1.7 cut'); "
                                              "print('no fonts here', file=sys.stderr); sys.exit(3)")
    with PdfProcess() as process:
        process.send(PAGE, MOMENT)
        assert process.result() == made_here
    assert capsys.readouterr().err == ("warning: the process laying out the PDF stopped with exit status 3; "
                                       "laying it out here instead.\nno fonts here\n")


def test_when_it_cannot_start_this_process_makes_the_pdf(monkeypatch, capsys, made_here):
    monkeypatch.setattr(pdf_process.sys, "executable", "/nonexistent/python")
    with PdfProcess() as process:
        process.send(PAGE, MOMENT)
        assert process.result() == made_here
    assert "could not be started" in capsys.readouterr().err


def test_what_it_prints_is_printed_here(monkeypatch, capsys):
    monkeypatch.setattr(pdf_process, "START", "import sys; sys.stdin.read(); print('a warning', file=sys.stderr); "
                                              "sys.stdout.write('%PDF-1.7')")
    with PdfProcess() as process:
        process.send(PAGE, MOMENT)
        assert process.result() == b"%PDF-1.7"
    assert capsys.readouterr().err == "a warning\n"


def test_a_process_never_sent_the_html_is_stopped_on_close():
    process = PdfProcess()
    with pytest.raises(RuntimeError, match="never sent"):
        process.result()
    process.close()
    assert process._process.poll() is not None


def test_the_warm_up_leaves_nothing_behind_in_the_next_pdf(made_here):
    pdf_process.warm_up()
    assert make_pdf(PAGE, MOMENT) == made_here


def test_sending_never_waits_for_the_process_and_closing_stops_one_that_does_not_read(monkeypatch):
    import time

    monkeypatch.setattr(pdf_process, "START", "import time; time.sleep(60)")
    start = time.monotonic()
    with PdfProcess() as process:
        process.send(PAGE + "<!--" + "x" * 1_000_000 + "-->", MOMENT)  # far more than a pipe holds
        sent = time.monotonic()
    assert sent - start < 5 and time.monotonic() - start < 10
    assert process._process.poll() is not None


def test_in_a_warm_process_the_pdf_process_is_a_fork_with_the_same_bytes(monkeypatch, made_here, capsys):
    monkeypatch.setattr(pdf_process, "_FORKED", False)
    pdf_process.fork_pdf_processes()
    monkeypatch.setattr(pdf_process.sys, "executable", "/nonexistent/python")  # no interpreter is started
    with PdfProcess() as process:
        assert isinstance(process._process, pdf_process.ForkedPdfProcess)
        process.send(PAGE, MOMENT)
        assert process.result() == made_here
    assert capsys.readouterr().err == ""


def test_the_fork_holds_none_of_this_processs_descriptors(monkeypatch):
    import os
    import select

    read_end, write_end = os.pipe()
    monkeypatch.setattr(pdf_process, "_FORKED", False)
    pdf_process.fork_pdf_processes()
    with PdfProcess() as process:  # waits for its HTML, which never comes
        os.close(write_end)
        assert select.select([read_end], [], [], 10)[0], "the fork still holds the descriptor"
        assert os.read(read_end, 1) == b""
        assert process._process.poll() is None
    os.close(read_end)


def test_a_fork_that_fails_is_reported_and_the_pdf_made_here(monkeypatch, made_here, capsys):
    def fail(html_read, pdf_write):
        raise RuntimeError("no fonts in the fork")

    monkeypatch.setattr(pdf_process, "_FORKED", False)
    monkeypatch.setattr(pdf_process, "_serve_forked", fail)
    pdf_process.fork_pdf_processes()
    with PdfProcess() as process:
        process.send(PAGE, MOMENT)
        assert process.result() == made_here
    printed = capsys.readouterr().err
    assert printed.startswith("warning: the process laying out the PDF stopped with exit status 1; laying it out "
                              "here instead.\nTraceback")
    assert "RuntimeError: no fonts in the fork" in printed
