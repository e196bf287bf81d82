#!/usr/bin/env python3
"""One-command developer tasks; needs only Python >= 3.11 and pip.

    python3 dev.py demo     # set up .venv (first time) and run the demo
    python3 dev.py room     # add the web extra and run peersupport serve --demo
    python3 dev.py test     # set up .venv (first time), run the test suite on both cores
                            # with branch coverage; fail if the core is below 95 %
    python3 dev.py test-sim # add the sim extra, run the simulation toolkit's tests
    python3 dev.py crosscheck  # add the crosscheck extra (PySAL, scipy), run the
                            # cross-checks of the simulator's metrics
    python3 dev.py test-postgres  # add the postgres extra, run the event store's tests
                            # against PostgreSQL: the server PEERSUPPORT_POSTGRES_URL
                            # names, else a throwaway one (Debian's postgresql package)
    python3 dev.py lint     # ruff check, ruff format --check, mypy --strict src
    python3 dev.py docs     # build the documentation site with mkdocs --strict into site/
                            # and check the API reference lists every public name once
    python3 dev.py test-browser  # add the web and browser extras, build the site, run the
                            # web room's tests, and open the room and the site in the
                            # system's Chromium (/usr/bin/chromium, via Playwright)
    python3 dev.py bench    # the side-by-side speed study (engine, sim, Mesa, bare loop)
    python3 dev.py compile  # compile the engine's hot modules with mypyc, in place
    python3 dev.py clean    # remove the compiled modules: back to plain Python

Each command creates ``.venv`` on first use and reinstalls the package when
``pyproject.toml`` changes. Extra arguments go to the underlying tool, e.g.
``python3 dev.py test -k replay``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".dev-stamp"
EXTRAS = {
    "demo": "",
    "room": "[web]",
    "test": "[test]",
    "test-sim": "[test,sim]",
    "crosscheck": "[test,sim,crosscheck]",
    "test-postgres": "[test,postgres]",
    "lint": "[test,sim,lint,postgres,web]",
    "docs": "[docs]",
    "test-browser": "[test,web,browser,docs]",
    "bench": "[bench]",
    "compile": "[test,sim,lint,postgres,web]",
    "clean": "",
}
#: The example third-party plugin; the tests prove it is found through its entry point.
EXAMPLE_PLUGIN = ROOT / "examples" / "plugin"
#: The core whose branch coverage must stay at or above CORE_COVERAGE percent: the
#: engine, the values and the input checks.
CORE = ("engine/*", "values", "validate", "jsonio")
CORE_COVERAGE = 95
#: Mermaid, which draws the format pages' state diagrams, is served by the site itself
#: (mkdocs-material would load it from a CDN at run time): the npm registry's tarball,
#: pinned by the integrity value the registry publishes (``npm view mermaid@VERSION
#: dist.integrity``). Keep the major version the one mkdocs-material asks for (11).
MERMAID_VERSION = "11.17.2"
MERMAID_INTEGRITY = (
    "sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47"
    "lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="
)
MERMAID_URL = f"https://registry.npmjs.org/mermaid/-/mermaid-{MERMAID_VERSION}.tgz"
#: Where the downloaded tarball is kept, and where its script goes (both git-ignored;
#: mkdocs.yml lists the script in ``extra_javascript``).
MERMAID_CACHE = ROOT / ".cache" / f"mermaid-{MERMAID_VERSION}.tgz"
VENDOR = ROOT / "docs" / "assets" / "vendor"


def compiled_modules() -> list[str]:
    """The modules ``compile`` builds, as listed in ``peersupport.compiled``."""
    text = (ROOT / "src" / "peersupport" / "compiled.py").read_text(encoding="utf-8")
    listed = text.split("COMPILED_MODULES = (", 1)[1].split(")", 1)[0]
    return [line.strip().strip('",') for line in listed.splitlines() if line.strip()]


def run(*cmd: str | Path) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def setup(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit(f"peersupport needs Python >= 3.11, this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"creating {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    sources = [ROOT / "pyproject.toml"]
    if extras:  # test and lint environments get the example plugin too
        sources += sorted(
            p for p in EXAMPLE_PLUGIN.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    wanted = f"{digest} {extras}"
    have = STAMP.read_text().split("\n") if STAMP.exists() else []
    if wanted in have:
        return
    pip = (PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    code = run(*pip, "-e", f".{extras}")
    if not code and extras:
        code = run(*pip, "--force-reinstall", "--no-deps", EXAMPLE_PLUGIN)
    if code:
        sys.exit(code)
    STAMP.write_text("\n".join([*have, wanted]))


def suite(*select: str, cov: bool = False) -> int:
    """Run the tests, then the documentation's examples, each on every core.

    Tests are spread test by test (``--dist load``); a documentation page's
    examples share one namespace and run in order, so each page goes to one
    worker (``--dist loadfile``). With ``cov``, coverage of the tests and the
    examples is combined and reported; the tests marked ``kit`` (hundreds of
    sessions each through the conformance kit) run apart, untraced: tracing makes
    them three times slower and adds no branch of the core that the other tests
    miss. A run that selects nothing (exit code 5) fails only if every run does.
    """
    xdist = (PY, "-m", "pytest", "-n", "auto", *select)
    if cov:
        codes = [
            run(*xdist, "--dist", "load", "--cov", "--cov-report=", "-m", "not kit", "tests"),
            run(*xdist, "--dist", "load", "-m", "kit", "tests"),  # untraced: 3x faster
            run(*xdist, "--dist", "loadfile", "--cov", "--cov-append", "--cov-report=term", "docs"),
        ]
    else:
        codes = [run(*xdist, "--dist", "load", "tests"), run(*xdist, "--dist", "loadfile", "docs")]
    failed = [code for code in codes if code not in (0, 5)]
    if failed:
        return failed[0]
    return 5 if all(code == 5 for code in codes) else 0


def coverage_gate() -> int:
    """Report the core's branch coverage, then say in one line whether it meets the gate."""
    include = ",".join(f"*/peersupport/{name}.py" for name in CORE)
    print(f"branch coverage of the core ({', '.join(CORE)}):")
    report = (PY, "-m", "coverage", "report", f"--include={include}")
    run(*report, "--no-skip-covered")
    done = subprocess.run(
        [str(c) for c in (*report, "--format=total", "--precision=1")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    total = float(done.stdout.strip() or "nan")
    ok = done.returncode == 0 and total >= CORE_COVERAGE
    verdict = "PASSED" if ok else "FAILED"
    print(
        f"coverage gate {verdict}: branch coverage of the core is {total} % "
        f"(at least {CORE_COVERAGE} % required)",
        flush=True,
    )
    return 0 if ok else 1


def integrity(data: bytes) -> str:
    """The npm registry's integrity value of a tarball (subresource-integrity form)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def vendor_mermaid() -> None:
    """Put the pinned Mermaid's script and licence into ``docs/assets/vendor/``.

    The tarball is downloaded once into ``.cache/`` and checked against
    ``MERMAID_INTEGRITY`` whenever it is used; a file is rewritten only if it changed.
    """
    data = MERMAID_CACHE.read_bytes() if MERMAID_CACHE.exists() else b""
    if integrity(data) != MERMAID_INTEGRITY:
        print(f"downloading {MERMAID_URL} ...", flush=True)
        try:
            with urllib.request.urlopen(MERMAID_URL, timeout=120) as response:
                data = response.read()
        except OSError as error:
            sys.exit(f"cannot download Mermaid for the documentation site: {error}")
        if integrity(data) != MERMAID_INTEGRITY:
            sys.exit(f"{MERMAID_URL} does not match MERMAID_INTEGRITY in dev.py; not using it")
        MERMAID_CACHE.parent.mkdir(parents=True, exist_ok=True)
        partial = MERMAID_CACHE.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(MERMAID_CACHE)
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, name in (
            ("package/dist/mermaid.min.js", "mermaid.min.js"),
            ("package/LICENSE", "mermaid.LICENSE.txt"),
        ):
            source = tar.extractfile(member)
            if source is None:
                sys.exit(f"{MERMAID_CACHE.name} has no file {member}")
            content, target = source.read(), VENDOR / name
            if not target.exists() or target.read_bytes() != content:
                target.write_bytes(content)


def build_site(*options: str) -> int:
    """Build the documentation site into ``site/``, with the pinned Mermaid."""
    vendor_mermaid()
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # material 9.7+ banner about MkDocs 2
    return run(BIN / "mkdocs", "build", "--strict", *options)


def postgres_tests() -> int:
    """Run the tests marked ``postgres``; start a throwaway server unless one is named."""
    os.environ["PEERSUPPORT_NO_SKIP"] = "1"
    pytest = (PY, "-m", "pytest", "-n", "auto", "--dist", "load", "-m", "postgres", "tests")
    if os.environ.get("PEERSUPPORT_POSTGRES_URL"):
        return run(*pytest)
    script = ROOT / "scripts" / "start_postgres.sh"
    data = tempfile.mkdtemp(prefix="peersupport-pg-")
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PGPORT": str(port)}
    started = subprocess.run(
        ["bash", str(script), data], env=env, capture_output=True, text=True, check=False
    )
    if started.returncode:
        print(started.stderr, file=sys.stderr)
        return started.returncode
    os.environ["PEERSUPPORT_POSTGRES_URL"] = started.stdout.strip()
    try:
        return run(*pytest)
    finally:
        subprocess.run(["bash", str(script), data, "stop"], env=env, check=False)
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    setup(EXTRAS[task])
    if task == "demo":
        return run(BIN / "peersupport", "demo", *rest)
    if task == "room":
        return run(BIN / "peersupport", "serve", "--demo", *rest)
    if task == "bench":
        return run(PY, ROOT / "benchmarks" / "bench_study.py", *rest)
    if task in ("compile", "clean"):
        for built in sorted((ROOT / "src").rglob("*.so")):
            built.unlink()
        if task == "clean":
            return 0
        modules = [f"{name.replace('.', '/')}.py" for name in compiled_modules()]
        code = subprocess.call([str(BIN / "mypyc"), *modules, *rest], cwd=ROOT / "src")
        shutil.rmtree(ROOT / "src" / "build", ignore_errors=True)  # C sources, objects
        return code
    if task in ("test", "test-sim", "crosscheck") and rest:  # a partial run: no gate
        marker = {"test": (), "test-sim": ("-m", "sim"), "crosscheck": ("-m", "crosscheck")}
        options = ("--cov",) if task == "test" else ()
        return run(
            PY, "-m", "pytest", "-n", "auto", "--dist", "loadfile", *marker[task], *options, *rest
        )
    if task == "test":
        return suite(cov=True) or coverage_gate()
    if task in ("test-sim", "crosscheck"):  # the extra is installed: nothing may skip
        os.environ["PEERSUPPORT_NO_SKIP"] = "1"
        return suite("-m", "sim" if task == "test-sim" else "crosscheck")
    if task == "test-postgres":
        return postgres_tests()
    if task == "docs":
        return build_site(*rest) or run(PY, ROOT / "scripts" / "check_api_docs.py", "site")
    if task == "test-browser":  # the extra is installed: nothing may skip
        os.environ["PEERSUPPORT_NO_SKIP"] = "1"
        browser = (
            "-m",
            "browser or web",
            *rest,
            "tests/browser",
            "tests/test_web.py",
            "tests/test_web_group.py",
            "tests/test_web_hands.py",
            "tests/test_web_schedule.py",
            "tests/test_web_practice.py",
            "tests/test_web_agreement.py",
        )
        return build_site() or run(PY, "-m", "pytest", "-n", "auto", "--dist", "loadfile", *browser)
    failed = 0
    for cmd in (
        (BIN / "ruff", "check", "."),
        (BIN / "ruff", "format", "--check", "."),
        (BIN / "mypy", "--strict", "src"),
    ):
        failed |= run(*cmd)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
