"""The pinned versions of everything the control plane is built from.

The Go modules under `controlplane/` must agree with these (a unit test checks it); the cache key of the
built binaries is derived from them, so bumping one here triggers exactly one rebuild.
"""

KUBERNETES_VERSION = "v1.36.3"
KWOK_VERSION = "v0.8.0"
GO_TOOLCHAIN = "go1.26.8"
HELM_VERSION = "v4.3.2"
