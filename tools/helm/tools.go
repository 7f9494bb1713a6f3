//go:build tools

// Package tools pins the helm command (built by `resource-manager dev-tools helm`, see devcluster/helm.py).
package tools

import _ "helm.sh/helm/v4/cmd/helm"
