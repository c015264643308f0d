"""Production settings: `check --deploy` is clean with real keys, and complains about development keys."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_deploy_check(**env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DANGJIAN_"))}
    full_env.update(env, DJANGO_DEBUG="0")
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_real_keys():
    result = run_deploy_check(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DANGJIAN_FIELD_KEY=secrets.token_hex(16),
        DANGJIAN_HASH_KEY=secrets.token_hex(16),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_development_keys():
    result = run_deploy_check(DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "dangjian.E001" in result.stdout + result.stderr
