"""The servers the browser tests start: JupyterLab, Voilà and a static file server, each on a
free localhost port with its own temporary directories, no token, stopped by its PID.

Each server runs in its own session (process group), so stopping it also stops the kernels
it started, and nothing else on the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: How long a server may take to answer its first request on a busy machine.
START_TIMEOUT = 120.0


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A started server: its base URL, process, log file and the directory it serves."""

    url: str
    process: subprocess.Popen
    log: Path
    root: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _jupyter_env(home: Path) -> dict[str, str]:
    """The environment of a Jupyter server: every per-user directory under `home`, the
    repository first on the kernels' import path, no display, no inherited backend."""
    env = dict(os.environ)
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",  # also where notebook signatures go: every one untrusted
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
    }.items():
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND", "JUPYTER_PATH"):
        env.pop(var, None)
    return env


def _quiet_lab_settings(home: Path) -> None:
    """No news or update toasts over the page while the tests click on it."""
    folder = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"checkForUpdates": False, "fetchNews": "false"}), encoding="utf-8"
    )


def _wait_until_up(server: Server, path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited at start:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    stop(server)
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT:.0f} s:\n")


def _start(command: list[str], env: dict[str, str], log: Path, root: Path, port: int) -> Server:
    handle = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() reaches its kernels too
    )
    handle.close()
    return Server(f"http://127.0.0.1:{port}", process, log, root)


def stop(server: Server, timeout: float = 20.0) -> None:
    """Stop the server and the kernels it started: its own process group, by its PID."""
    process = server.process
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    # kernels that outlived their server (same process group) go too
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def jupyterlab(root: Path, home: Path) -> Iterator[Server]:
    """JupyterLab serving `root`, its settings and state under `home`."""
    port = free_port()
    env = _jupyter_env(home)
    _quiet_lab_settings(home)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",  # CI runs as root in a container
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=",
        "--LabApp.extension_manager=readonly",  # no extension look-ups on PyPI
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the tests run cells
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    server = _start(command, env, home / "jupyterlab.log", root, port)
    try:
        _wait_until_up(server, "/api/status")
        yield server
    finally:
        stop(server)


@contextlib.contextmanager
def voila(root: Path, home: Path) -> Iterator[Server]:
    """Voilà serving the notebooks in `root` (one page per notebook: /voila/render/<name>)."""
    port = free_port()
    env = _jupyter_env(home)
    command = [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        f"--Voila.root_dir={root}",
        "--show_tracebacks=True",
        "--ServerApp.allow_root=True",
    ]
    server = _start(command, env, home / "voila.log", root, port)
    try:
        _wait_until_up(server, "/")
        yield server
    finally:
        stop(server)


@contextlib.contextmanager
def static_files(root: Path, home: Path) -> Iterator[Server]:
    """Python's own http.server on `root` (the built docs site)."""
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    server = _start(command, dict(os.environ), home / "http.log", root, port)
    try:
        _wait_until_up(server, "/")
        yield server
    finally:
        stop(server)
