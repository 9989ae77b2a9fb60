"""`python -m pipeline serve`: commands run in the warm process give the bytes, messages and exit
status they give in their own process, and the server stops cleanly."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDY = ("questionnaires/fitter_for_the_future.yaml", "raw/fitter_for_the_future.csv")


def start_server(checkout: Path) -> tuple[subprocess.Popen, dict[str, str], Path, Path]:
    """A server for `checkout` with a socket folder of its own (short enough for a socket's path, which
    pytest's own folders are not), once it serves: the process, the settings that reach it, its log and folder."""
    runtime = Path(tempfile.mkdtemp(prefix="warm-", dir="/tmp"))  # made with mode 700
    environment = {key: value for key, value in os.environ.items() if key != "SURVEY_PIPELINE_WARM"}
    environment["XDG_RUNTIME_DIR"] = str(runtime)
    log = runtime / "server.log"
    with log.open("w") as stream:
        server = subprocess.Popen([sys.executable, "-m", "pipeline", "serve"], cwd=checkout, env=environment,
                                  stdout=stream, stderr=stream)
    wait_for(log, "serving the commands", 1, server)
    return server, environment, log, runtime


@pytest.fixture(scope="module")
def warm():
    """A server for this checkout; yields the settings that reach it, and its log."""
    server, environment, log, runtime = start_server(ROOT)
    yield environment, log
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=30) == 0, log.read_text()
    assert not list((runtime / f"survey-pipeline-{os.getuid()}").glob("*.sock"))  # the socket is removed
    shutil.rmtree(runtime)


def pipeline_command(environment: dict, *words: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *words], cwd=ROOT, env=environment,
                          capture_output=True, check=False)


def run_both(environment: dict, log: Path, out: Path, *words: str) -> tuple[subprocess.CompletedProcess, ...]:
    """The command in the warm process, then in its own process, each writing `out` (kept as out.warm)."""
    served = log.read_text().count("\nran ")
    done_warm = pipeline_command(environment, *words)
    assert log.read_text().count("\nran ") == served + 1, log.read_text()  # it was the server that ran it
    if out.exists():
        shutil.move(out, out.with_suffix(".warm"))
    done_cold = pipeline_command({**environment, "SURVEY_PIPELINE_WARM": "off"}, *words)
    assert log.read_text().count("\nran ") == served + 1
    return done_warm, done_cold


def assert_same_files(one: Path, other: Path) -> None:
    names = sorted(path.name for path in one.iterdir())
    assert names == sorted(path.name for path in other.iterdir())
    for name in names:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def test_a_report_from_the_warm_process_is_byte_identical(warm, out_dir):
    environment, log = warm
    done_warm, done_cold = run_both(environment, log, out_dir, "report", *STUDY, "--out", str(out_dir))
    assert (done_warm.returncode, done_warm.stdout, done_warm.stderr) == \
        (done_cold.returncode, done_cold.stdout, done_cold.stderr) == (0, done_cold.stdout, b"")
    assert_same_files(out_dir.with_suffix(".warm"), out_dir)
    assert (out_dir / "report.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("words", [
    ("estimate", "questionnaires/fitter_for_the_future.yaml", "raw/anes96.csv"),  # answers of another survey
    ("estimate", "questionnaires/missing.yaml", "raw/anes96.csv"),
    ("estimate", *STUDY),  # no --out: a usage error
    ("validate", "questionnaires/anes96.yaml", "raw/anes96.csv"),
    ("--help",),
])
def test_messages_and_exit_status_are_those_of_a_command_run_alone(warm, out_dir, words):
    environment, log = warm
    words = (*words, "--out", str(out_dir)) if words[0] == "estimate" and len(words) == 3 else words
    done_warm, done_cold = run_both(environment, log, out_dir, *words)
    assert (done_warm.returncode, done_warm.stdout, done_warm.stderr) == \
        (done_cold.returncode, done_cold.stdout, done_cold.stderr)


def test_other_load_time_settings_are_not_served(warm, out_dir):
    environment, log = warm
    served = log.read_text().count("\nran ")
    done = pipeline_command({**environment, "OMP_NUM_THREADS": "1"}, "estimate", *STUDY, "--out", str(out_dir))
    assert done.returncode == 0, done.stderr
    assert log.read_text().count("\nran ") == served


def served_count(log: Path) -> int:
    return log.read_text().count("\nran ")


def test_a_command_line_killed_takes_its_command_with_it(warm, out_dir):
    environment, _ = warm
    client = subprocess.Popen([sys.executable, "-m", "pipeline", "report", *STUDY, "--out", str(out_dir)],
                              cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.8)  # the command is running in the warm process
    client.kill()
    assert client.wait() == -signal.SIGKILL
    time.sleep(6)  # longer than the report takes
    assert not out_dir.exists()  # it was stopped before it wrote anything


def test_ctrl_c_ends_the_command_line_as_it_ends_a_command_run_alone(warm, out_dir):
    environment, _ = warm
    ends = []
    for setting in ({}, {"SURVEY_PIPELINE_WARM": "off"}):
        client = subprocess.Popen([sys.executable, "-m", "pipeline", "report", *STUDY, "--out", str(out_dir)],
                                  cwd=ROOT, env={**environment, **setting}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        time.sleep(1.5)
        client.send_signal(signal.SIGINT)
        ends.append((client.wait(timeout=60), client.stderr.read().decode().rstrip().rsplit("\n", 1)[-1]))
    assert ends == [(-signal.SIGINT, "KeyboardInterrupt")] * 2
    assert not out_dir.exists()


def test_a_command_line_with_a_closed_standard_stream_runs_alone(warm):
    environment, log = warm
    served = served_count(log)
    done = subprocess.run(["bash", "-c", f"exec 0<&-; exec {sys.executable} -m pipeline validate "
                                         "questionnaires/anes96.yaml"], cwd=ROOT, env=environment,
                          capture_output=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith(b"questionnaires/anes96.yaml: valid"), done.stderr
    assert served_count(log) == served


def test_an_edit_to_the_code_restarts_the_server_and_no_command_meets_the_old_code(tmp_path_factory):
    checkout = tmp_path_factory.mktemp("checkout")
    shutil.copytree(ROOT / "pipeline", checkout / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    server, environment, log, runtime = start_server(checkout)
    try:
        sockets = list((runtime / f"survey-pipeline-{os.getuid()}").glob("*.sock"))
        schema = checkout / "pipeline" / "questionnaire" / "exports.py"
        schema.write_text(schema.read_text() + "\n# edited\n")
        wait_for(log, "serving the commands", 2, server)
        assert "the code or the packages changed; starting again" in log.read_text()
        assert list((runtime / f"survey-pipeline-{os.getuid()}").glob("*.sock")) != sockets
        done = subprocess.run([sys.executable, "-m", "pipeline", "schema"], cwd=checkout, env=environment,
                              capture_output=True, check=False)
        assert done.returncode == 0 and log.read_text().count("\nran schema") == 1
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        shutil.rmtree(runtime)


def wait_for(log: Path, text: str, times: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while log.read_text().count(text) < times:
        assert server.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
