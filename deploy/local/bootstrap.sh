#!/usr/bin/env bash
# Installs what the project needs into the checkout, from the package registries only:
#  - uv (pinned) in .hallmark/tools, with the machine's Python 3.11 and pip;
#  - the locked Python environment in .venv (uv.lock);
#  - Kafka's jars are fetched by the launcher on first use (Maven, deploy/local/pom.xml).
set -euo pipefail
cd "$(dirname "$0")/../.."

UV_VERSION=0.13.9
TOOLS=.hallmark/tools
PYTHON=$(command -v python3.11 || command -v python3)

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (Java 17 and Maven run Kafka locally)" >&2; exit 1; }
done
if [ ! -x "$TOOLS/bin/uv" ] || ! "$TOOLS/bin/uv" --version | grep -q "$UV_VERSION"; then
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
UV_PYTHON_DOWNLOADS=never "$TOOLS/bin/uv" sync --frozen --quiet --python "$PYTHON"
