"""kubecore package."""
