"""The PDF made in a second process is the PDF this process would make; its failures are not lost."""

import datetime as dt

import pytest

from pipeline.report import pdf_process
from pipeline.report.pdf_process import PdfFailed, PdfProcess
from pipeline.report.render import render_pdf
from pipeline.report.tagged_pdf import finish_pdf

PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Twin</title>
<meta name="dcterms.created" content="2020-01-02T03:04:05Z"></head>
<body><h1>Café</h1><table><thead><tr><th scope="col">A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>
</body></html>"""
MOMENT = dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


def test_the_other_process_writes_the_same_bytes_as_this_one():
    with PdfProcess() as process:
        process.send(PAGE, MOMENT)
        made_there = process.result()
    assert made_there.startswith(b"%PDF-") and made_there == finish_pdf(render_pdf(PAGE), MOMENT)


def test_an_error_there_is_raised_here_with_its_message(monkeypatch):
    monkeypatch.setattr(pdf_process, "START", "import sys; sys.stdin.read(); print('no fonts here', file=sys.stderr); "
                                              "sys.exit(3)")
    with PdfProcess() as process:
        process.send(PAGE, MOMENT)
        with pytest.raises(PdfFailed, match=r"exit status 3\):\nno fonts here"):
            process.result()


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
