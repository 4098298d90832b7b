"""The wheel is the whole product: one import package, its prompts and dataset inside, and it
works from any directory. (`.ci/run` also installs it with its dependencies into a new venv.)"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTICLE = "Officials said the bridge would reopen on Monday, the mayor told reporters.\n"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    [built] = out.glob("reportedly-*.whl")
    return built


def test_the_wheel_holds_one_package_with_its_prompts_and_dataset(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"reportedly"}
    prompts = {Path(n).name for n in names if n.startswith("reportedly/data/prompts/claims/")}
    assert {"v1.md", "v2.md"} <= prompts
    assert "reportedly/data/datasets/samples.yaml" in names
    texts = [n for n in names if n.startswith("reportedly/data/datasets/texts/")]
    assert len(texts) >= 4
    assert "reportedly/evals/templates/report.html.j2" in names
    assert "reportedly/py.typed" in names


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new venv with only the wheel installed; its dependencies come from this test run's
    environment through a path entry (no network in tests), never the checkout."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Without this run's PYTHONPATH: with `service` on it, pip finds the checkout's
    # reportedly.egg-info (the wheel build writes it), calls the wheel installed and skips it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        env=env,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    # A plain path line: the directory joins sys.path, but its own .pth files (among them
    # this checkout's editable install) are not run.
    (Path(purelib) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    yield venv


def _run(venv: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / argv[0]), *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "REPORTEDLY_CACHE_DIR": str(cwd / "cache")},
        timeout=300,
    )


def test_the_installed_wheel_summarizes_from_an_unrelated_directory(
    installed: Path, tmp_path: Path
) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE)
    done = _run(installed, "reportedly", "summarize", "article.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["meta"]["backend"] == "rules"  # the spaCy model was found
    assert summary["claims"]
    prompts = _run(installed, "reportedly", "prompts", cwd=tmp_path)
    assert "claims@1" in prompts.stdout and "claims@2" in prompts.stdout


def test_the_installed_wheel_finds_its_dataset_and_nothing_generic(
    installed: Path, tmp_path: Path
) -> None:
    probe = (
        "import importlib.util, reportedly\n"
        "from reportedly.evals.dataset import DEFAULT_DATASET, load_dataset\n"
        "print(reportedly.__file__)\n"
        "print(len(load_dataset(DEFAULT_DATASET).cases))\n"
        "print(importlib.util.find_spec('service'), importlib.util.find_spec('evals'))\n"
    )
    done = _run(installed, "python", "-c", probe, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    location, cases, generic = done.stdout.splitlines()
    assert str(installed) in location and str(REPO) not in location
    assert int(cases) == 4
    assert generic == "None None"  # `import service` and `import evals` fail
