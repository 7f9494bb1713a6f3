#!/bin/sh
# Render charts/resource-manager with its default values into deploy/ (one file, release "resource-manager"
# in namespace "resource-manager"), so the manager can be deployed with kubectl alone.
set -eu
cd "$(dirname "$0")/.."
helm=$(.venv/bin/python -m devcluster.helm)
mkdir -p deploy
{
  echo "# Rendered from charts/resource-manager by scripts/render-deploy.sh (make deploy); do not edit."
  echo "# kubectl create namespace resource-manager && kubectl apply --server-side -f deploy/"
  cat charts/resource-manager/crds/managedresource.yaml
  echo "---"
  "$helm" template resource-manager charts/resource-manager --namespace resource-manager
} > deploy/resource-manager.yaml
echo "wrote deploy/resource-manager.yaml"
