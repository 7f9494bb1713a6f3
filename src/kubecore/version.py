"""The one version number of every distribution built from this repository (`kstatus`,
`resource-manager`, `resource-manager-dev`); the build reads it from here and every `--version`
prints it."""

VERSION = "0.1.0"
