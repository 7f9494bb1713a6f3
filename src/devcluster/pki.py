"""The cluster's own PKI, made with the `openssl` command.

We write our own certificates (rather than let the apiserver self-sign) so the CA stays stable across
restarts and clients can verify the server. Every certificate carries Subject and Authority Key
Identifiers: Python's `ssl` in strict mode rejects certificates without them.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVER_SANS = (
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,"
    "DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.0.0.1"
)

# (file stem, subject, signing CA stem, extended key usage)
CLIENT_CERTS = (
    ("admin", "/O=system:masters/CN=admin", "ca", "clientAuth"),
    ("controller-manager", "/CN=system:kube-controller-manager", "ca", "clientAuth"),
    ("scheduler", "/CN=system:kube-scheduler", "ca", "clientAuth"),
    ("kwok", "/O=system:masters/CN=kwok", "ca", "clientAuth"),
    ("front-proxy-client", "/CN=front-proxy-client", "front-proxy-ca", "clientAuth"),
)


@dataclass(frozen=True)
class Pki:
    """Paths of the files `ensure_pki` wrote."""

    directory: Path

    def crt(self, stem: str) -> Path:
        return self.directory / f"{stem}.crt"

    def key(self, stem: str) -> Path:
        return self.directory / f"{stem}.key"


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def _make_ca(pki: Pki, stem: str, subject: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", subject,
        "-keyout", str(pki.key(stem)), "-out", str(pki.crt(stem)),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        "-addext", "subjectKeyIdentifier=hash",
    )


def issue_cert(pki: Pki, stem: str, subject: str, ca: str, usage: str, sans: str = "") -> None:
    """Sign a leaf certificate with one of our CAs (tests use this to mint unprivileged users)."""
    extensions = pki.directory / f"{stem}.ext"
    lines = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        f"extendedKeyUsage={usage}",
        "subjectKeyIdentifier=hash",
        "authorityKeyIdentifier=keyid",
    ]
    if sans:
        lines.append(f"subjectAltName={sans}")
    extensions.write_text("\n".join(lines) + "\n")
    csr = pki.directory / f"{stem}.csr"
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
             "-keyout", str(pki.key(stem)), "-out", str(csr))
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(pki.crt(ca)), "-CAkey", str(pki.key(ca)),
             "-CAcreateserial", "-days", "3650", "-extfile", str(extensions), "-out", str(pki.crt(stem)))
    csr.unlink()
    extensions.unlink()


def ensure_pki(directory: Path) -> Pki:
    """Create the PKI once; a directory that already has it is reused unchanged (stable across restarts)."""
    pki = Pki(directory)
    if pki.crt("apiserver").is_file():
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    _make_ca(pki, "ca", "/CN=devcluster-ca")
    _make_ca(pki, "front-proxy-ca", "/CN=devcluster-front-proxy-ca")
    for stem, subject, ca, usage in CLIENT_CERTS:
        issue_cert(pki, stem, subject, ca, usage)
    _openssl("genrsa", "-out", str(pki.key("service-account")), "2048")
    _openssl("rsa", "-in", str(pki.key("service-account")), "-pubout", "-out",
             str(directory / "service-account.pub"))
    # Written last: its presence marks a complete PKI.
    issue_cert(pki, "apiserver", "/CN=kube-apiserver", "ca", "serverAuth", SERVER_SANS)
    return pki
