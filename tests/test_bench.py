"""The benchmark scripts: the server ``bench/submit.py`` measures boots, and every script that
``make bench`` and ``make soak`` run ends by printing one line of JSON."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def bench_module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_submit_benchmarks_server_boots_and_serves_both_endpoints(tmp_path, monkeypatch):
    """Served from the checkout, not from bench/ (where bench/scoring.py would hide the
    ``scoring`` package from the app and the worker would not boot)."""
    submit = bench_module("submit")
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)  # prepare() sets it; put back afterwards
    campaign_id, tokens, _form = submit.prepare(url, 1)
    port = submit.free_port()
    server = submit.serve(url, port, 1)
    try:
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/s/{tokens[0]}/questions", timeout=10).status_code == 200
        assert requests.post(f"{base}/bench/insert/{campaign_id}", timeout=10).status_code == 204
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_benchmark_ends_with_a_line_of_json():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    scripts = re.findall(r"\$\(BIN\)/python (bench/\w+\.py)", makefile)
    assert len(scripts) >= 8
    for script in scripts:
        tree = ast.parse((ROOT / script).read_text(encoding="utf-8"))
        prints = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"
        ]
        last = max(prints, key=lambda node: (node.lineno, node.col_offset))  # the last one printed
        assert ast.unparse(last).startswith("print(json.dumps("), (script, ast.unparse(last))
