"""The tests' OpenID provider: oidc-provider (Node.js, OpenID Certified) on loopback, and a person
signing in on its pages.

CI installs it (``npm ci`` in ``tests/oidc``); on a machine without Node.js or without that
install, the tests that need it skip and say why — in CI they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

FOLDER = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "ambassador", "the tests' client secret"
OTHER_CLIENT_ID, OTHER_SECRET = "another-application", "another secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"the OpenID provider tests must run in CI: {reason}")
    pytest.skip(f"needs the test OpenID provider: {reason} (cd tests/oidc && npm ci)")


class IdentityProvider:
    """A running oidc-provider with the tests' clients; ``accounts`` can change between sign-ins."""

    def __init__(self, workdir: Path, redirect_uris: list[str], post_logout_uris: list[str]):
        node = shutil.which("node")
        if node is None:
            unavailable("Node.js is not installed")
        if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
            unavailable("oidc-provider is not installed")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.accounts_file = workdir / f"accounts-{self.port}.json"
        self.set_accounts({})
        clients = [
            {
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": post_logout_uris,
            }
            for client_id, secret in ((CLIENT_ID, CLIENT_SECRET), (OTHER_CLIENT_ID, OTHER_SECRET))
        ]
        config = workdir / f"provider-{self.port}.json"
        config.write_text(
            json.dumps(
                {"port": self.port, "clients": clients, "accountsFile": str(self.accounts_file)}
            )
        )
        self.log = (workdir / f"provider-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [node, str(FOLDER / "provider.mjs"), str(config)],
            cwd=FOLDER,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the OpenID provider did not start: {self.log.name}")
            time.sleep(0.1)

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        """{account id: claims (email, name, groups)}; read by the provider at every sign-in."""
        self.accounts_file.write_text(json.dumps(accounts))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def sign_in(self, authorize_url: str, account: str, back_to: str) -> str:
        """Sign in as ``account`` on the provider's pages (login, then consent) and return the
        URL the provider sends the browser back to (which starts with ``back_to``)."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(20):
            if url.startswith(back_to):
                return url
            response = browser.get(url, allow_redirects=False, timeout=5)
            while response.status_code == 200 and "<form" in response.text:
                action, fields = self._form(response)
                if fields.get("prompt") == "login":
                    fields.update(login=account, password="anything")
                response = browser.post(
                    urljoin(response.url, action), data=fields, allow_redirects=False, timeout=5
                )
            if response.status_code not in (302, 303):
                raise AssertionError(f"provider answered {response.status_code}: {response.text}")
            url = urljoin(response.url, response.headers["Location"])
        raise AssertionError("the provider never sent the browser back")

    @staticmethod
    def _form(response) -> tuple[str, dict]:
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', response.text, re.S)
        assert form, response.text
        fields = {
            unescape(name): unescape(value)
            for name, value in re.findall(
                r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)
            )
        }
        return unescape(form.group(1)), fields
