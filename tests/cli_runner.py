"""Run ``flask --app ... db ...`` the way users do: a subprocess in a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
CLI_APP = FIXTURES / "cliapp" / "app.py"
REPO = Path(__file__).parent.parent


@dataclass
class FlaskApp:
    """One application folder: its database URL, models version and settings."""

    cwd: Path
    url: str
    models: int = 1
    config: dict[str, Any] = field(default_factory=dict)
    migrate_kwargs: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    app: Path = CLI_APP

    def environ(self) -> dict[str, str]:
        environ = dict(os.environ)
        environ.update(
            DATABASE_URL=self.url,
            MODELS=str(self.models),
            APP_CONFIG=json.dumps(self.config),
            MIGRATE_KWARGS=json.dumps(self.migrate_kwargs),
            PYTHONPATH=os.pathsep.join(
                [str(REPO), str(Path(__file__).parent), environ.get("PYTHONPATH", "")]
            ),
        )
        environ.update(self.env)
        return environ

    def db(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``flask --app <app> db <args>``; returns the finished process (never raises)."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", f"{self.app}:create_app", "db", *args],
            cwd=self.cwd,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.db(*args)
        assert result.returncode == 0, (
            f"flask db {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        return result

    def scripts(self) -> list[Path]:
        return sorted((self.cwd / "migrations" / "versions").glob("*.py"))


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 1, no traceback, one ``Error: ...`` line; the message mentions every fragment."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, f"exit {result.returncode}\n{output}"
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, output
    # The message is one line, except `check`, which lists one difference per line after it.
    message = output[output.index(errors[0]):].strip()
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message
